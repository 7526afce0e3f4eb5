import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { ConsoleControl, type VirtualControls } from '../../device/src/console-control.js';

function setup(tty: boolean) {
  const calls: string[] = [];
  const said: string[] = [];
  const controls: VirtualControls = {
    simulatePress: (panel, button) => (calls.push(`press ${panel} ${button}`), panel === 'desk' ? 'ok' : 'unknown panel'),
    unplug: () => calls.push('unplug'),
    replug: () => calls.push('replug'),
    firstPanelId: () => 'desk',
  };
  const input = Object.assign(new PassThrough(), { isTTY: tty, setRawMode: () => input }) as unknown as NodeJS.ReadStream;
  let quit = 0;
  const control = new ConsoleControl(
    input,
    controls,
    () => quit++,
    (text) => said.push(text),
  );
  control.start();
  return { input, calls, said, control, quits: () => quit };
}

describe('ConsoleControl', () => {
  it('piped stdin: exact line commands; anything else is refused with the syntax', async () => {
    const { input, calls, said, control } = setup(false);
    const lines = [
      'press desk good',
      'press desk  bad',
      'press hall neutral',
      'press desk great',
      'unplug',
      'replug',
      'unplug now',
      'quit',
    ];
    const done = new Promise((resolve) => input.on('end', resolve));
    input.end(`${lines.join('\n')}\n`);
    await done;
    await new Promise(setImmediate);
    expect(calls).toEqual(['press desk good', 'press desk bad', 'press hall neutral', 'unplug', 'replug']);
    expect(said.filter((s) => s.startsWith('unknown command'))).toHaveLength(3);
    expect(said).toContain('not pressed: unknown panel');
    control.stop();
  });

  it('terminal: keys 1/2/3 press the first panel, u/r unplug/replug, q and Ctrl-C quit', () => {
    const { input, calls, quits, control } = setup(true);
    for (const key of ['1', '2', '3', 'u', 'r', 'x', 'q', '\u0003']) input.emit('data', Buffer.from(key));
    expect(calls).toEqual(['press desk good', 'press desk neutral', 'press desk bad', 'unplug', 'replug']);
    expect(quits()).toBe(2);
    control.stop();
  });
});
