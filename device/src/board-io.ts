/** Builds the johnny-five IO object for a board setting: virtual, serial Firmata, or an IO plugin package. */
import type { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import firmataIo from 'firmata-io';
import { SerialPort } from 'serialport';
import { HangupAwareSerialPort } from './serial-port.js';
import { VirtualIO } from './virtual-io.js';

export interface OpenedIO {
  io: EventEmitter;
  /** Shown in status: `virtual`, `serial:/dev/ttyACM0`, `io:raspi-io`. */
  kind: string;
}

// Arduino, Arduino.org, WCH CH340, FTDI, Silicon Labs CP210x: what Firmata boards enumerate as.
export const ARDUINO_VENDORS = ['2341', '2a03', '1a86', '0403', '10c4'];

export async function findArduinoPort(): Promise<string | undefined> {
  const ports = await SerialPort.list();
  const looksLikeArduino = (p: (typeof ports)[number]) =>
    ARDUINO_VENDORS.includes((p.vendorId ?? '').toLowerCase()) || /arduino/i.test(p.manufacturer ?? '');
  return (ports.find(looksLikeArduino) ?? ports.find((p) => /ttyACM|ttyUSB|usbmodem|usbserial/.test(p.path)))?.path;
}

type PortClass = new (options: { path: string; baudRate: number }) => EventEmitter;

/** StandardFirmata over serialport 13 (not johnny-five's bundled serialport 8); tests pass SerialPortMock. */
export function openSerialFirmata(path: string, Port: PortClass = HangupAwareSerialPort): OpenedIO {
  const port = new Port({ path, baudRate: 57600 });
  // Ask for the firmware's version as the port opens rather than after firmata-io's 5 s: a board that
  // resets when its port opens (an Uno) announces itself anyway once booted, one that does not (no
  // auto-reset, or already running) said so long ago and would otherwise keep the agent waiting 5 s.
  return { io: new firmataIo.Firmata(port, { reportVersionTimeout: 0 }), kind: `serial:${path}` };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves with the serial port once it is there (a board being plugged in), checking every
 * `everyMs`; `absent` is told once why it is waiting.
 */
export async function awaitPort(board: string, absent: (reason: string) => void, everyMs: number): Promise<string> {
  const find = async () => (board === 'auto' ? findArduinoPort() : existsSync(board) ? board : undefined);
  let path = await find();
  if (!path) absent(board === 'auto' ? 'no Arduino-looking serial port found' : `serial port ${board} not present`);
  while (!path) {
    await sleep(everyMs);
    path = await find();
  }
  return path;
}

/** `absent` hears why a serial board is not opened yet; it is opened as soon as its port appears. */
export async function openIO(board: string, plugged: boolean, absent: (reason: string) => void = () => undefined): Promise<OpenedIO> {
  if (board === 'virtual') {
    const io = new VirtualIO({ plugged });
    const trace = process.env.LB_VIRTUAL_IO_TRACE;
    if (trace) io.traceTo(trace);
    return { io, kind: 'virtual' };
  }
  if (board.startsWith('io:')) {
    const name = board.slice(3);
    const mod = (await import(name)) as { default?: new () => EventEmitter };
    const Plugin = (mod.default ?? mod) as new () => EventEmitter;
    return { io: new Plugin(), kind: board };
  }
  // A stat every 100 ms is nothing; listing USB serial devices (auto) costs more, so every 500 ms.
  return openSerialFirmata(await awaitPort(board, absent, board === 'auto' ? 500 : 100));
}
