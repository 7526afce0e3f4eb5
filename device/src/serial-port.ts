/**
 * serialport 13 that notices an unplugged USB board. Its Linux/macOS read retries at once when a read
 * returns 0 bytes, and 0 bytes (end of file) is all the tty of an unplugged board ever returns: the read
 * spins at full CPU and the port never reports the board gone (serialport/bindings-cpp#162). Whether
 * that or the poller's hang-up wins is a race; here end of file is the disconnect it is, so the stream
 * closes as disconnected and firmata-io emits "disconnect".
 */
import { read } from 'node:fs';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';

const readAsync = promisify(read);

type ReadResult = { bytesRead: number; buffer: Buffer };

/** What serialport's unix port binding has: an fd, a poller, a read. */
export interface UnixPortBinding {
  fd: number | null;
  poller: { once(event: 'readable', callback: (err?: Error | null) => void): unknown };
  read(buffer: Buffer, offset: number, length: number): Promise<ReadResult>;
}

const isUnixPort = (port: unknown): port is UnixPortBinding =>
  typeof (port as UnixPortBinding).fd === 'number' && typeof (port as UnixPortBinding).poller?.once === 'function';

/** Replaces the port's read with serialport's own (unix-read.js), except that end of file ends the port. */
export function endOfFileDisconnects(port: UnixPortBinding): void {
  port.read = async (buffer, offset, length) => {
    for (;;) {
      if (port.fd === null) throw Object.assign(new Error('Port is not open'), { canceled: true });
      let bytesRead: number;
      try {
        ({ bytesRead } = await readAsync(port.fd, buffer, offset, length, null));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw err;
        await new Promise<void>((resolve, reject) => port.poller.once('readable', (e) => (e ? reject(e) : resolve())));
        continue;
      }
      if (bytesRead === 0) throw Object.assign(new Error('serial port hung up: the board was unplugged'), { disconnect: true });
      return { bytesRead, buffer };
    }
  };
}

// The binding serialport picked for this platform (its per-platform types do not help here).
const detected = SerialPort.binding as unknown as { open(options: object): Promise<unknown> };
const binding = {
  ...detected,
  async open(options: object) {
    const port = await detected.open(options);
    if (isUnixPort(port)) endOfFileDisconnects(port);
    return port;
  },
};

export class HangupAwareSerialPort extends SerialPort {
  constructor(options: { path: string; baudRate: number }) {
    super({ ...options, binding } as ConstructorParameters<typeof SerialPort>[0]);
  }
}
