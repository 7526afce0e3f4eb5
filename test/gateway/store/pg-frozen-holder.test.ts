/**
 * Several gateways share one PostgreSQL database, and a gateway's ingest locks the rows of the kiosks in
 * its batch. If one gateway stops mid-transaction (frozen by SIGSTOP, a suspended VM), the others must not
 * wait for it forever: the server ends a transaction idle for IDLE_IN_TRANSACTION_MS and its locks go.
 * Here a real process takes the lock as ingest does, through the gateway's own PgDriver, and freezes
 * itself inside the transaction; a real gateway on the same database must still ack that kiosk's presses.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { IDLE_IN_TRANSACTION_MS } from '../../../gateway/src/store/pg-driver.js';
import { type Gateway, LoggedProcess, ROOT, registerKiosk, startGateway } from '../../../scripts/lib/processes.js';
import { type Postgres, startPostgres } from '../../../scripts/lib/postgres.js';
import { ProtocolKiosk, makeEvents } from '../../../scripts/protocol-kiosk.js';

let pg: Postgres | undefined;
let gw: Gateway | undefined;
let kiosk: ProtocolKiosk | undefined;
let holder: LoggedProcess | undefined;
afterEach(async () => {
  await holder?.kill('SIGKILL');
  await kiosk?.close();
  await gw?.proc.kill();
  await pg?.stop();
});

/** Locks the kiosk's row as ingest-writer does (SELECT … FOR UPDATE), says so, and freezes itself. */
const HOLDER = `
import { PgDriver } from ${JSON.stringify(join(ROOT, 'dist/gateway/src/store/pg-driver.js'))};
const [url, kioskId] = process.argv.slice(1);
const driver = new PgDriver(url);
try {
  await driver.transaction(function* () {
    yield { op: 'all', sql: 'SELECT id FROM kiosks WHERE id = ? FOR UPDATE', args: [kioskId] };
    console.log('locked');
    process.kill(process.pid, 'SIGSTOP');
    yield { op: 'all', sql: 'SELECT 1', args: [] };
  });
  console.log('committed');
} catch (err) {
  console.log(JSON.stringify({ msg: 'transaction failed', code: err.code, message: err.message }));
}
const n = await driver.query(function* () { return yield { op: 'value', sql: 'SELECT count(*) FROM kiosks', args: [] }; });
console.log(JSON.stringify({ msg: 'carries on', kiosks: n }));
await driver.close();
`;

it('a gateway frozen inside a transaction holds its kiosks’ locks for at most the idle timeout', async () => {
  pg = await startPostgres();
  const databaseUrl = await pg.newDatabase('lb_frozen_holder');
  gw = await startGateway({ databaseUrl });
  const id = 'k-frozen-peer';
  const { password } = await registerKiosk(gw, id);

  const child = spawn(process.execPath, ['--input-type=module', '-e', HOLDER, databaseUrl, id], { stdio: ['ignore', 'pipe', 'pipe'] });
  holder = new LoggedProcess('frozen-holder', child);
  await holder.waitFor((l) => l.msg === 'locked', 'locked');
  const lockedAt = Date.now();

  kiosk = new ProtocolKiosk({ url: `mqtt://127.0.0.1:${gw.mqttPort}`, kioskId: id, password, retransmitMs: 2000 });
  await kiosk.connect();
  await kiosk.deliver(makeEvents(5, { firstSeq: 1, at: Date.now() - 60_000 }));
  const waited = Date.now() - lockedAt;
  console.log(`presses acked ${waited} ms after the peer froze holding the kiosk's lock (idle timeout ${IDLE_IN_TRANSACTION_MS} ms)`);

  expect(kiosk.acked.size).toBe(5);
  // The lock was really held (nothing went through at once), and released by the server's timeout.
  expect(waited).toBeGreaterThanOrEqual(IDLE_IN_TRANSACTION_MS - 1000);
  expect((await gw.api('GET', `/api/v1/kiosks/${id}`)).body.counters).toMatchObject({ received: 5, lastSeq: 5 });

  // Thawed, the frozen gateway finds its connection ended by the server and carries on: its transaction
  // fails (the batch was never acked, so the kiosk resends it), no crash from the pool's connection.
  child.kill('SIGCONT');
  expect(await holder.waitFor((l) => l.msg === 'transaction failed', 'transaction failed')).toMatchObject({
    message: expect.stringMatching(/terminated/),
  });
  expect(await holder.waitFor((l) => l.msg === 'carries on', 'carries on')).toMatchObject({ kiosks: 1 });
  expect(await holder.exited).toBe(0);
}, 60_000);
