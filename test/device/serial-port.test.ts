/**
 * The read that ends the port when the board is unplugged (device/src/serial-port.ts), on real file
 * descriptors: end of file is what the tty of an unplugged USB board returns.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endOfFileDisconnects, type UnixPortBinding } from '../../device/src/serial-port.js';
import { tempDir } from './helpers.js';

const fds: number[] = [];
afterEach(() => {
  for (const fd of fds.splice(0)) closeSync(fd);
});

function portOn(content: Buffer): UnixPortBinding {
  const file = join(tempDir(), 'tty');
  writeFileSync(file, content);
  const fd = openSync(file, 'r');
  fds.push(fd);
  const port: UnixPortBinding = {
    fd,
    poller: { once: () => undefined },
    read: () => Promise.reject(new Error('replaced')),
  };
  endOfFileDisconnects(port);
  return port;
}

describe('serial port read (serialport 13 without its end-of-file spin)', () => {
  it('returns what the board sent', async () => {
    const { bytesRead, buffer } = await portOn(Buffer.from([0xf9, 2, 4])).read(Buffer.alloc(16), 0, 16);
    expect([...buffer.subarray(0, bytesRead)]).toEqual([0xf9, 2, 4]); // REPORT_VERSION 2.4
  });

  it('end of file (an unplugged board) is a disconnect, not a retry', async () => {
    await expect(portOn(Buffer.alloc(0)).read(Buffer.alloc(16), 0, 16)).rejects.toMatchObject({
      disconnect: true,
      message: expect.stringContaining('unplugged'),
    });
  });
});
