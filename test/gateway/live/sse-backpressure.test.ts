/**
 * A live client that stops reading must not grow the gateway's memory: its stream is dropped once the
 * bytes waiting for it pass the limit. A real HTTP server and a real TCP client that never reads.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { SseStream } from '../../../gateway/src/live/sse.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

it('drops a client that does not read once 64 KiB wait for it, having buffered no more than that', async () => {
  const LIMIT = 64 * 1024;
  const frame = { text: 'x'.repeat(1000) };
  const result = new Promise<{ reason: string; sent: number; maxBuffered: number }>((resolve) => {
    const server = http.createServer((_req, res) => {
      let sent = 0;
      let maxBuffered = 0;
      const stream = new SseStream(res, LIMIT, (reason) => resolve({ reason, sent, maxBuffered }));
      stream.open({}, 1000);
      const pump = () => {
        // Writes as a busy office would, a frame at a time, until the stream says it is gone.
        for (let i = 0; i < 50; i++) {
          if (!stream.send('press', frame)) return;
          sent++;
          maxBuffered = Math.max(maxBuffered, res.writableLength);
        }
        setImmediate(pump);
      };
      pump();
    });
    servers.push(server);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      const slow = net.connect(port, '127.0.0.1', () => {
        slow.write('GET /slow HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
        slow.pause(); // never reads another byte
      });
    });
  });
  const r = await result;
  expect(r.reason).toBe('slow');
  // The kernel's socket buffers took some frames; the gateway itself never held more than the limit and a frame.
  expect(r.maxBuffered).toBeLessThanOrEqual(LIMIT + 1100);
  expect(r.sent).toBeGreaterThan(LIMIT / 1100);
});
