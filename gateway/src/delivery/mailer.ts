/** SMTP through nodemailer, from the gateway's LB_SMTP_* settings (never logged: they may hold a password). */
import nodemailer, { type Transporter } from 'nodemailer';
import type { SmtpConfig } from '../lib/config.js';
import type { Rendered } from '../domain/report-render.js';
import type { Attempt } from './webhook.js';

export class Mailer {
  private readonly transport: Transporter;

  constructor(
    private readonly smtp: SmtpConfig,
    timeoutMs: number,
  ) {
    const timeouts = { connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs };
    const url = smtp.url ? new URL(smtp.url) : undefined;
    const user = url?.username ? decodeURIComponent(url.username) : smtp.user;
    const pass = url?.password ? decodeURIComponent(url.password) : smtp.password;
    this.transport = nodemailer.createTransport({
      host: url ? url.hostname : smtp.host,
      port: url?.port ? Number(url.port) : smtp.port,
      secure: smtp.secure,
      ...(user ? { auth: { user, pass: pass ?? '' } } : {}),
      ...timeouts,
    });
  }

  async send(to: string, mail: Rendered, idemKey: string): Promise<Attempt> {
    try {
      await this.transport.sendMail({
        from: this.smtp.from,
        to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: { 'x-lb-idempotency-key': idemKey },
      });
      return { ok: true };
    } catch (err) {
      const e = err as Error & { responseCode?: number };
      // 5xx: the server refuses this message or recipient for good; anything else may pass later.
      const permanent = e.responseCode !== undefined && e.responseCode >= 500 && e.responseCode < 600;
      return { ok: false, permanent, error: e.responseCode ? `SMTP ${e.responseCode}: ${e.message}` : e.message };
    }
  }

  close(): void {
    this.transport.close();
  }
}
