/** A real local SMTP server (smtp-server) for delivery tests, and a small MIME reader for what it received. */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Mail {
  to: string[];
  raw: string;
  subject: string;
  /** Decoded bodies by content type (text/plain, text/html). */
  parts: Map<string, string>;
}

export interface SmtpSink {
  port: number;
  mails: Mail[];
  waitFor(match: (m: Mail) => boolean, what: string, timeoutMs?: number): Promise<Mail>;
  close(): Promise<void>;
}

function decode(body: string, encoding: string): string {
  if (/base64/i.test(encoding)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/quoted-printable/i.test(encoding)) {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => `%${h}`);
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
  }
  return body;
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= / Q) in a header. */
function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decode(text.replace(/_/g, ' '), 'quoted-printable'),
    );
}

function header(block: string, name: string): string {
  const m = new RegExp(`^${name}:([^\\r\\n]*(?:\\r?\\n[ \\t][^\\r\\n]*)*)`, 'im').exec(block);
  return m ? m[1]!.replace(/\r?\n[ \t]/g, ' ').trim() : '';
}

export function parseMail(raw: string, to: string[]): Mail {
  const [head = ''] = raw.split(/\r?\n\r?\n/, 1);
  const parts = new Map<string, string>();
  const boundary = /boundary="?([^";\s]+)"?/i.exec(header(head, 'Content-Type'))?.[1];
  const blocks = boundary ? raw.split(`--${boundary}`).slice(1, -1) : [raw];
  for (const block of blocks) {
    const trimmed = block.replace(/^\r?\n/, '');
    const split = trimmed.search(/\r?\n\r?\n/);
    const h = trimmed.slice(0, split);
    const body = trimmed.slice(split).replace(/^\r?\n\r?\n/, '');
    const type = header(h, 'Content-Type').split(';')[0]!.trim().toLowerCase();
    parts.set(type, decode(body, header(h, 'Content-Transfer-Encoding')));
  }
  return { to, raw, subject: decodeHeader(header(head, 'Subject')), parts };
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: Mail[] = [];
  let waiters: Array<{ match: (m: Mail) => boolean; resolve: (m: Mail) => void }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail = parseMail(
          Buffer.concat(chunks).toString('utf8'),
          session.envelope.rcptTo.map((r) => r.address),
        );
        mails.push(mail);
        waiters = waiters.filter((w) => (w.match(mail) ? (w.resolve(mail), false) : true));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    waitFor(match, what, timeoutMs = 15_000) {
      const seen = mails.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`SMTP: no mail "${what}" within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
