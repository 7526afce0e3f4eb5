/** Builds the johnny-five IO object for a board setting: virtual, serial Firmata, or an IO plugin package. */
import type { EventEmitter } from 'node:events';
import firmataIo from 'firmata-io';
import { SerialPort } from 'serialport';
import { VirtualIO } from './virtual-io.js';

export interface OpenedIO {
  io: EventEmitter;
  /** Shown in status: `virtual`, `serial:/dev/ttyACM0`, `io:raspi-io`. */
  kind: string;
}

// Arduino, Arduino.org, WCH CH340, FTDI, Silicon Labs CP210x: what Firmata boards enumerate as.
const ARDUINO_VENDORS = ['2341', '2a03', '1a86', '0403', '10c4'];

export async function findArduinoPort(): Promise<string | undefined> {
  const ports = await SerialPort.list();
  const looksLikeArduino = (p: (typeof ports)[number]) =>
    ARDUINO_VENDORS.includes((p.vendorId ?? '').toLowerCase()) || /arduino/i.test(p.manufacturer ?? '');
  return (ports.find(looksLikeArduino) ?? ports.find((p) => /ttyACM|ttyUSB|usbmodem|usbserial/.test(p.path)))?.path;
}

type PortClass = new (options: { path: string; baudRate: number }) => EventEmitter;

/** StandardFirmata over serialport 13 (not johnny-five's bundled serialport 8); tests pass SerialPortMock. */
export function openSerialFirmata(path: string, Port: PortClass = SerialPort): OpenedIO {
  const port = new Port({ path, baudRate: 57600 });
  return { io: new firmataIo.Firmata(port), kind: `serial:${path}` };
}

export async function openIO(board: string, plugged: boolean): Promise<OpenedIO> {
  if (board === 'virtual') return { io: new VirtualIO({ plugged }), kind: 'virtual' };
  if (board.startsWith('io:')) {
    const name = board.slice(3);
    const mod = (await import(name)) as { default?: new () => EventEmitter };
    const Plugin = (mod.default ?? mod) as new () => EventEmitter;
    return { io: new Plugin(), kind: board };
  }
  if (board === 'auto') {
    const path = await findArduinoPort();
    if (!path) throw new Error('no Arduino-looking serial port found');
    return openSerialFirmata(path);
  }
  return openSerialFirmata(board);
}
