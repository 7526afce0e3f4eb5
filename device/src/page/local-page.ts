/**
 * The HDMI kiosk's face: a page on 127.0.0.1 for a browser in kiosk mode. It shows what PanelFaces says
 * (question, name, thank-you, indicators), live over Server-Sent Events; on a touch screen its buttons
 * record presses through the agent's own path (outbox first), exactly like a physical button.
 * Only the local browser may press: the server listens on loopback, checks the Host header (no DNS
 * rebinding) and wants a custom header a cross-origin page cannot send without a preflight we never allow.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { BUTTONS } from '../../../shared/src/buttons.js';
import type { Button } from '../../../shared/src/contract.js';
import type { FaceState, PanelFaces } from '../display/faces.js';
import { PAGE_HTML } from './page-html.js';
import type { AnswerResult } from '../reason-step.js';

export const PRESS_HEADER = 'x-lb-kiosk-press';

export interface LocalPageOptions {
  host?: string;
  port: number;
  faces: PanelFaces;
  /** The agent's press path; false when the panel takes no presses from the screen. */
  press(panel: string, button: Button): boolean;
  /** A reason chosen on the screen after a bad press. */
  answer(panel: string, reason: string): AnswerResult;
  log: Logger;
}

export class LocalPage {
  private server: Server | undefined;
  private readonly streams = new Set<ServerResponse>();
  private readonly onChange = (state: FaceState) => this.broadcast(state);

  constructor(private readonly opts: LocalPageOptions) {}

  async start(): Promise<string> {
    const host = this.opts.host ?? '127.0.0.1';
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, host, () => resolve());
    });
    this.opts.faces.on('change', this.onChange);
    const url = `http://${host}:${(this.server.address() as AddressInfo).port}/`;
    this.opts.log.info({ url }, 'local page listening');
    return url;
  }

  private allowedHost(req: IncomingMessage): boolean {
    const port = (this.server!.address() as AddressInfo).port;
    return req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (!this.allowedHost(req)) {
      this.reply(res, 421, { error: 'wrong host' });
      return;
    }
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PAGE_HTML);
      return;
    }
    if (req.method === 'GET' && path === '/events') {
      this.stream(res);
      return;
    }
    if (req.method === 'POST' && (path === '/press' || path === '/reason')) {
      this.pressFrom(req, res, path === '/press' ? 'press' : 'reason');
      return;
    }
    this.reply(res, 404, { error: 'not found' });
  }

  private stream(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
    for (const state of this.opts.faces.states()) res.write(`data: ${JSON.stringify(state)}\n\n`);
  }

  private broadcast(state: FaceState): void {
    const line = `data: ${JSON.stringify(state)}\n\n`;
    for (const res of this.streams) res.write(line);
  }

  private pressFrom(req: IncomingMessage, res: ServerResponse, kind: 'press' | 'reason'): void {
    if (req.headers[PRESS_HEADER] !== '1') {
      this.reply(res, 403, { error: `missing ${PRESS_HEADER} header` });
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 1024) req.destroy();
    });
    req.on('end', () => {
      let parsed: { panel?: unknown; button?: unknown; reason?: unknown };
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        this.reply(res, 400, { error: 'body must be JSON {panel, button}' });
        return;
      }
      const { panel, button, reason } = parsed;
      if (kind === 'reason') {
        if (typeof panel !== 'string' || typeof reason !== 'string') {
          this.reply(res, 400, { error: 'body must be {panel, reason}' });
          return;
        }
        const result = this.opts.answer(panel, reason);
        const status = { stored: 202, 'not asking': 409, 'unknown reason': 400, 'not stored': 507 }[result];
        this.reply(res, status, status === 202 ? { ok: true } : { error: result });
        return;
      }
      if (typeof panel !== 'string' || !BUTTONS.includes(button as Button)) {
        this.reply(res, 400, { error: 'body must be {panel, button: good|neutral|bad}' });
        return;
      }
      if (!this.opts.press(panel, button as Button)) {
        this.reply(res, 404, { error: `panel ${panel} takes no presses here` });
        return;
      }
      this.reply(res, 202, { ok: true });
    });
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  async stop(): Promise<void> {
    this.opts.faces.off('change', this.onChange);
    for (const res of this.streams) res.end();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
