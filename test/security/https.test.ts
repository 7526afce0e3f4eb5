/**
 * The API over HTTPS, set up as in production: a CA and a server certificate made here with the openssl
 * CLI, given to a real gateway process by file path. A client that trusts the CA gets the API (with HSTS);
 * one that does not, or that speaks plain HTTP, gets nothing. Wrong files stop the gateway at start.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as plainRequest } from 'node:http';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_TOKEN, startGateway, type Gateway } from '../../scripts/lib/processes.js';
import { tempDir } from '../../scripts/lib/temp-dirs.js';

let dir: string;
const gateways: Gateway[] = [];
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

beforeAll(() => {
  dir = tempDir('tls');
  openssl('req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Loyalty Button test CA');
  openssl('req', ...EC, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  );
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'other.key');
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.proc.kill()));
});

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  authorized: boolean;
}

function httpsCall(port: number, path: string, opts: { ca?: Buffer; method?: string; body?: unknown } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        ca: opts.ca,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(opts.body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        const authorized = (res.socket as TLSSocket).authorized;
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, authorized }));
      },
    );
    req.on('error', reject);
    req.end(opts.body ? JSON.stringify(opts.body) : undefined);
  });
}

it('serves the API over HTTPS to a client that trusts the CA, and to no one else', async () => {
  const gw = await startGateway({ env: { LB_HTTP_TLS_CERT: join(dir, 'server.crt'), LB_HTTP_TLS_KEY: join(dir, 'server.key') } });
  gateways.push(gw);
  expect(gw.proc.lines.find((l) => l.msg === 'gateway ready')).toMatchObject({ httpScheme: 'https' });
  const ca = readFileSync(join(dir, 'ca.crt'));

  const health = await httpsCall(gw.httpPort, '/api/v1/health', { ca });
  expect(health).toMatchObject({ status: 200, authorized: true });
  expect(health.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  const registered = await httpsCall(gw.httpPort, '/api/v1/kiosks', { ca, method: 'POST', body: { id: 'k-tls' } });
  expect(registered.status).toBe(201);
  expect(JSON.parse(registered.body).mqtt.password).toEqual(expect.any(String));

  // Not trusting the CA: the certificate is refused. Plain HTTP: no answer at all.
  await expect(httpsCall(gw.httpPort, '/api/v1/health')).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  const plain = await new Promise<string>((resolve) => {
    const req = plainRequest({ host: '127.0.0.1', port: gw.httpPort, path: '/api/v1/health' }, (res) => resolve(`HTTP ${res.statusCode}`));
    req.on('error', (err) => resolve(err.message));
    req.end();
  });
  expect(plain).not.toMatch(/^HTTP /);
});

type TlsFiles = { LB_HTTP_TLS_CERT?: string; LB_HTTP_TLS_KEY?: string };
it.each<[string, TlsFiles, RegExp]>([
  ["a key that is not the certificate's", { LB_HTTP_TLS_KEY: 'other.key' }, /LB_HTTP_TLS_KEY: .*not the key of the certificate/],
  ['a missing certificate file', { LB_HTTP_TLS_CERT: 'missing.crt' }, /LB_HTTP_TLS_CERT: cannot read .*ENOENT/],
  ['a certificate without its key', { LB_HTTP_TLS_KEY: '' }, /LB_HTTP_TLS_KEY: must be set/],
  ['a key in place of the certificate', { LB_HTTP_TLS_CERT: 'server.key' }, /LB_HTTP_TLS_CERT: .*not a PEM certificate/],
])('refuses to start with %s (exit 2, naming the variable, not echoing the key)', async (_, files, message) => {
  const path = (f: string) => (f ? join(dir, f) : '');
  const env = {
    LB_HTTP_TLS_CERT: path(files.LB_HTTP_TLS_CERT ?? 'server.crt'),
    LB_HTTP_TLS_KEY: path(files.LB_HTTP_TLS_KEY ?? 'server.key'),
  };
  const refused = await startGateway({ env }).then(
    (g) => (gateways.push(g), 'started'),
    (err: Error) => err.message,
  );
  expect(refused).toMatch(/exited with 2/);
  expect(refused).toMatch(message);
  expect(refused).not.toContain('PRIVATE KEY');
});
