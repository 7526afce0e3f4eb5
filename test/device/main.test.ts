import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Event } from '../../shared/src/index.js';
import { AgentProcess, ensureBuilt } from './agent-process.js';
import { deferCleanup, runCleanups, tempDir } from './helpers.js';
import { brokerAndGateway } from './mqtt-helpers.js';

afterEach(runCleanups);
beforeAll(ensureBuilt, 120_000);

function startAgent(env: Record<string, string>, command?: string[]): AgentProcess {
  const agent = new AgentProcess(env, [], command);
  deferCleanup(() => {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
  });
  return agent;
}

describe('built entry point under plain node (virtual board)', () => {
  it('a bad config exits non-zero with a message naming the field', async () => {
    const agent = startAgent({ LB_KIOSK_ID: 'k1', LB_BATCH_SIZE: 'lots', LB_DATA_DIR: tempDir() });
    expect(await agent.exited()).toBe(2);
    expect(agent.stderr).toContain('outbox.batchSize: must be integer');
  });

  it('bin/lb-kiosk (npm run kiosk, the systemd unit) starts the agent and its board child without a V8 warning', async () => {
    // --lite-mode turns WebAssembly off and V8 said so on stderr once per process ("disabling flag
    // --expose_wasm"); the board child is forked with the same flags.
    const agent = startAgent({ LB_KIOSK_ID: 'k-launcher', LB_DATA_DIR: tempDir(), LB_BOARD: 'virtual' }, ['bin/lb-kiosk']);
    await agent.waitForLog('board connected');
    expect(agent.stderr).toBe('');
    agent.child.kill('SIGTERM');
    expect(await agent.exited()).toBe(0);
    expect(agent.stderr).toBe('');
  });

  it('stdin press → "press committed" → gateway; unplug/replug recovers within 5 s; SIGTERM stops cleanly', async () => {
    const { gateway, ...mq } = await brokerAndGateway();
    const agent = startAgent({
      LB_KIOSK_ID: 'smoke-1',
      LB_DATA_DIR: tempDir(),
      LB_MQTT_URL: mq.url,
      LB_MQTT_PASSWORD: 's3cret-pw',
      LB_BOARD: 'virtual',
    });

    agent.send('press desk good');
    const committed = await agent.waitForLog('press committed');
    expect(committed).toMatchObject({ seq: 1, panel: 'desk', button: 'good', kioskId: 'smoke-1' });
    await vi.waitFor(() => expect(gateway.received).toHaveLength(1), { timeout: 5000 });
    expect(gateway.received[0]).toMatchObject<Partial<Event>>({ id: committed.id as string, seq: 1, panel: 'desk', button: 'good' });

    agent.send('unplug');
    await agent.waitForLog('board disconnected');
    agent.send('press desk bad'); // nothing to press: the board is unplugged
    const replugAt = Date.now();
    agent.send('replug');
    await agent.waitForLog('board connected', (l) => (l.time as number) >= replugAt, 5000);
    const recoveryMs = Date.now() - replugAt;
    expect(recoveryMs).toBeLessThan(5000);

    for (let i = 0; i < 3; i++) agent.send('press desk neutral'); // three commands at once are three presses
    await agent.waitForLog('press committed', (l) => l.seq === 4);
    await vi.waitFor(() => expect(gateway.received).toHaveLength(4), { timeout: 5000 });
    expect(gateway.received.map((e) => e.button)).toEqual(['good', 'neutral', 'neutral', 'neutral']);
    expect(gateway.received.slice(2).map((e) => e.flags)).toEqual([['repeat'], ['repeat']]); // flagged, still sent

    agent.child.kill('SIGTERM');
    expect(await agent.exited()).toBe(0);
    expect(agent.lines.at(-1)?.msg).toBe('kiosk agent stopped');
    expect(agent.stdout).not.toContain('s3cret-pw');
  });
});
