/**
 * The real-board path without a board: johnny-five → firmata-io → serialport 13 with the mock binding,
 * and a few lines playing StandardFirmata's side of the handshake and its digital port reports (the
 * real firmware on an emulated Uno is in test/e2e/real-firmata.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { SerialPortMock } from 'serialport';
import type { Panel } from '../../shared/src/index.js';
import { openSerialFirmata } from '../../device/src/board-io.js';
import { PanelBoard } from '../../device/src/panel-board.js';

const PINS = 20;
const panel: Panel = { id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 }, leds: { good: 9 }, pullup: true };

/** Answers firmata-io's queries as an Arduino Uno with StandardFirmata 2.5 would. */
function playStandardFirmata(port: SerialPortMock): (bytes: number[]) => void {
  const binding = () => port.port!;
  const send = (bytes: number[]) => binding().emitData(Buffer.from(bytes));
  const write = binding().write.bind(binding());
  binding().write = async (buffer: Buffer) => {
    await write(buffer);
    if (buffer.includes(0x6b)) {
      // CAPABILITY_QUERY: every pin INPUT(0)/OUTPUT(1)/PULLUP(11)
      const pins = Array.from({ length: PINS }, () => [0x00, 1, 0x01, 1, 0x0b, 1, 0x7f]).flat();
      setImmediate(() => send([0xf0, 0x6c, ...pins, 0xf7]));
    }
    if (buffer.includes(0x69)) setImmediate(() => send([0xf0, 0x6a, ...Array(PINS).fill(0x7f), 0xf7])); // ANALOG_MAPPING_QUERY
    // REPORT_DIGITAL on: the whole port at once (here every pin idle HIGH, as pull-ups make them).
    buffer.forEach((byte, i) => {
      if ((byte & 0xf0) === 0xd0 && buffer[i + 1] === 1) setImmediate(() => send([0x90 | (byte & 0x0f), 0x7f, 0x01]));
    });
  };
  // On reset the firmware reports its version and name unasked.
  const name = [...Buffer.from('StandardFirmata.ino')].flatMap((c) => [c & 0x7f, c >> 7]);
  send([0xf9, 2, 5, 0xf0, 0x79, 2, 5, ...name, 0xf7]);
  return send;
}

/** A DIGITAL_MESSAGE for port 0 (pins 0–7), as StandardFirmata reports an input change. */
const portReport = (levels: Record<number, 0 | 1>) => {
  const value = Object.entries(levels).reduce((v, [pin, level]) => v | (level << Number(pin)), 0);
  return [0x90, value & 0x7f, (value >> 7) & 0x7f];
};

// SerialPortMock.binding, not an import of @serialport/binding-mock: ESM and CJS copies differ.
const MockBinding = SerialPortMock.binding;
afterEach(() => MockBinding.reset());

describe('serial Firmata board (serialport 13 mock binding)', () => {
  it('handshakes, reads a button press from port reports, and reports the port closing', async () => {
    MockBinding.createPort('/dev/ttyFAKE0', { manufacturer: 'Arduino (www.arduino.cc)', vendorId: '2341' });
    const { io, kind } = openSerialFirmata('/dev/ttyFAKE0', SerialPortMock);
    expect(kind).toBe('serial:/dev/ttyFAKE0');
    const port = (io as unknown as { transport: SerialPortMock }).transport;
    const board = new PanelBoard(io, [panel]); // before the port opens: johnny-five waits for its "connect"
    const presses: string[] = [];
    board.on('press', (p, b) => presses.push(`${p}/${b}`));
    const ready = once(board, 'ready');
    board.start();
    await once(port, 'open');
    const send = playStandardFirmata(port);
    await ready;

    const pressed = once(board, 'press');
    send(portReport({ 2: 0, 3: 1, 4: 1 })); // pull-up: pin 2 LOW = down
    await pressed;
    send(portReport({ 2: 1, 3: 1, 4: 1 }));
    expect(presses).toEqual(['desk/good']);

    const lost = once(board, 'disconnect');
    port.close();
    expect(await lost).toEqual(['board port closed']);
    board.stop();
  });
});
