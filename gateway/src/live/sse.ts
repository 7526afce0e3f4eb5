/**
 * One server-sent-events stream on a raw HTTP response (the route hijacks fastify's reply). Small on
 * purpose: `event:` + `data:` frames, comments for heartbeats, a `retry:` hint. A client that reads
 * slower than we write is dropped once its unsent bytes pass `maxBufferedBytes`, so it can never grow
 * the gateway's memory; the page refetches what it shows when it reconnects.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

export class SseStream {
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly maxBufferedBytes: number,
    /** Called once when the stream ends, whoever ended it (`slow`: dropped for not reading). */
    private readonly onEnd: (reason: 'closed' | 'slow' | 'server') => void,
  ) {
    res.on('close', () => this.finish('closed'));
  }

  /** Status 200, the event-stream headers (plus `headers`, e.g. the security ones) and the reconnect hint. */
  open(headers: OutgoingHttpHeaders, retryMs: number): void {
    this.res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      connection: 'keep-alive',
      // A reverse proxy (nginx) must pass each event on at once rather than buffer the response.
      'x-accel-buffering': 'no',
    });
    this.res.write(`retry: ${retryMs}\n\n`);
  }

  /** false when the stream is gone (or was just dropped for being slow). */
  send(event: string, data: unknown): boolean {
    return this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  comment(text: string): boolean {
    return this.write(`: ${text}\n\n`);
  }

  end(): void {
    this.finish('server');
  }

  private write(frame: string): boolean {
    if (this.ended) return false;
    // writableLength: bytes node holds for this response that the socket has not taken yet.
    if (this.res.writableLength > this.maxBufferedBytes) {
      this.finish('slow');
      return false;
    }
    this.res.write(frame);
    return true;
  }

  private finish(reason: 'closed' | 'slow' | 'server'): void {
    if (this.ended) return;
    this.ended = true;
    // A slow client's buffered bytes are discarded with its socket; others get a clean end of stream.
    if (reason === 'slow') this.res.destroy();
    else this.res.end();
    this.onEnd(reason);
  }
}
