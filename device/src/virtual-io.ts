/**
 * A johnny-five IO plugin with no hardware behind it: real johnny-five Buttons and Leds run on top,
 * and tests, the demo and the keyboard set input levels with `setInput`. Not named "Firmata" or "Mock":
 * johnny-five switches on special behaviour for those names.
 */
import { EventEmitter } from 'node:events';
import { closeSync, openSync, writeSync } from 'node:fs';

const MODES = { INPUT: 0, OUTPUT: 1, ANALOG: 2, PWM: 3, SERVO: 4 } as const;

export interface VirtualPin {
  supportedModes: number[];
  mode: number;
  value: number;
  report: number;
  analogChannel: number;
}

/** What the board was told to do: an I2C write (a PCF8574 LCD backpack) or an output level (a parallel LCD, an LED). */
export type IoWrite = { kind: 'i2c'; address: number; bytes: number[] } | { kind: 'pin'; pin: number; value: number };

export class VirtualIO extends EventEmitter {
  readonly name = 'VirtualBoard';
  readonly MODES = MODES;
  readonly HIGH = 1;
  readonly LOW = 0;
  readonly pins: VirtualPin[];
  readonly analogPins: number[] = [];
  isReady = false;
  private readonly readers = new Map<number, ((value: number) => void)[]>();

  /** An unplugged board fails to open, like a serial port that is not there. */
  constructor({ pinCount = 20, plugged = true }: { pinCount?: number; plugged?: boolean } = {}) {
    super();
    // Digital only (no PWM): Leds then use OUTPUT + digitalWrite, which is all the kiosk needs.
    this.pins = Array.from({ length: pinCount }, () => ({
      supportedModes: [MODES.INPUT, MODES.OUTPUT],
      mode: MODES.INPUT,
      value: 0,
      report: 1,
      analogChannel: 127,
    }));
    setImmediate(() => {
      if (!plugged) return void this.emit('error', new Error('virtual board is unplugged'));
      this.isReady = true;
      this.emit('connect');
      this.emit('ready');
    });
  }

  pinMode(pin: number, mode: number): this {
    this.pin(pin).mode = mode;
    return this;
  }

  /** On an input pin this switches the pull-up, which sets the idle level, like on an AVR. */
  digitalWrite(pin: number, value: number): this {
    this.pin(pin).value = value ? 1 : 0;
    this.emit('pin', pin, this.pin(pin).value);
    this.emit('write', { kind: 'pin', pin, value: this.pin(pin).value } satisfies IoWrite);
    return this;
  }

  /** I2C is always there; writes are heard as `write` events, as a logic analyser on SDA/SCL would. */
  i2cConfig(_options?: unknown): this {
    return this;
  }

  /** Firmata's forms: (address, byte | bytes) and (address, register, byte | bytes). */
  i2cWrite(address: number, registerOrData: number | number[], data?: number | number[]): this {
    const bytes = data === undefined ? [registerOrData].flat() : [registerOrData as number, ...[data].flat()];
    this.emit('write', { kind: 'i2c', address, bytes } satisfies IoWrite);
    return this;
  }

  i2cWriteReg(address: number, register: number, value: number): this {
    return this.i2cWrite(address, register, value);
  }

  /** Appends every write to `path` as a JSON line (LB_VIRTUAL_IO_TRACE): how tests see an agent process's display. */
  traceTo(path: string): void {
    const fd = openSync(path, 'a');
    this.on('write', (write: IoWrite) => writeSync(fd, `${JSON.stringify(write)}\n`));
    process.once('exit', () => closeSync(fd));
  }

  analogWrite(pin: number, value: number): this {
    return this.digitalWrite(pin, value > 0 ? 1 : 0);
  }

  /** Like StandardFirmata, which reports a pin's port as soon as reporting is asked for: the current level first, then changes. */
  digitalRead(pin: number, callback: (value: number) => void): this {
    this.readers.set(pin, [...(this.readers.get(pin) ?? []), callback]);
    setImmediate(() => callback(this.pin(pin).value));
    return this;
  }

  /** What a wire does to an input pin; readers hear only changes, as with Firmata's port reports. */
  setInput(pin: number, level: 0 | 1): void {
    const state = this.pin(pin);
    if (state.value === level) return;
    state.value = level;
    for (const read of this.readers.get(pin) ?? []) read(level);
  }

  /** The cable is pulled: the same event firmata-io emits when the serial port disappears. */
  unplug(): void {
    this.isReady = false;
    this.emit('disconnect');
  }

  private pin(pin: number): VirtualPin {
    const state = this.pins[pin];
    if (!state) throw new Error(`virtual board has no pin ${pin}`);
    return state;
  }
}
