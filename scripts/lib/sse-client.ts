/**
 * A server-sent-events reader over fetch, for tests and benchmarks of GET /api/v1/live: it records every
 * frame with the time it arrived and lets the caller await the next one that matches.
 */
export interface SseFrame {
  /** `message` when the frame names no event; `comment` for a `: …` line (heartbeats); `retry` for the hint. */
  event: string;
  data: string;
  /** performance.now() when the frame was complete. */
  at: number;
}

export interface SseConnection {
  status: number;
  contentType: string | null;
  /** Every frame so far, in order. */
  frames: SseFrame[];
  /** The next frame (after those already seen by earlier calls) that matches, waiting up to `ms`. */
  next(match: (f: SseFrame) => boolean, ms?: number, what?: string): Promise<SseFrame>;
  /** The parsed `data` of every frame of this event so far. */
  // biome-ignore lint/suspicious/noExplicitAny: callers name the shape they expect.
  data<T = any>(event: string): T[];
  /** Resolves when the server ends the stream (or close() is called). */
  ended: Promise<void>;
  close(): void;
  /** The body of a refused request (no stream). */
  body: string;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const frames: SseFrame[] = [];
  const waiters = new Set<() => void>();
  let cursor = 0;
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  const isStream = res.ok && (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
  const body = isStream ? '' : await res.text();
  let done = false;
  const ended = (async () => {
    if (!isStream || !res.body) return;
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let end = buf.indexOf('\n\n');
        while (end >= 0) {
          frames.push(parseFrame(buf.slice(0, end)));
          buf = buf.slice(end + 2);
          end = buf.indexOf('\n\n');
        }
        wake();
      }
    } catch {
      // aborted by close(), or the connection dropped: the stream has ended either way
    } finally {
      done = true;
      wake();
    }
  })();
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    frames,
    body,
    ended,
    close: () => abort.abort(),
    data: (event) => frames.filter((f) => f.event === event).map((f) => JSON.parse(f.data)),
    async next(match, ms = 5000, what = 'an SSE frame') {
      const deadline = Date.now() + ms;
      for (;;) {
        while (cursor < frames.length) {
          const f = frames[cursor++]!;
          if (match(f)) return f;
        }
        if (done) throw new Error(`stream ended before ${what}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${what} within ${ms} ms`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(done_, left);
          function done_() {
            clearTimeout(t);
            waiters.delete(done_);
            resolve();
          }
          waiters.add(done_);
        });
      }
    },
  };
}

function parseFrame(text: string): SseFrame {
  const at = performance.now();
  let event = 'message';
  const data: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) return { event: 'comment', data: line.slice(1).trim(), at };
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'retry') return { event: 'retry', data: value, at };
  }
  return { event, data: data.join('\n'), at };
}
