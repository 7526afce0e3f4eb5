/**
 * Keyboard and stdin control of the virtual board. At a terminal: raw keys 1/2/3 = good/neutral/bad on
 * the first panel, u = unplug, r = replug, q or Ctrl-C = quit. Piped: one command per line,
 * `press <panelId> <good|neutral|bad>`, `unplug`, `replug` (process-level tests drive the agent so).
 * Feedback goes to stderr; stdout stays JSON logs.
 */
import { createInterface, type Interface } from 'node:readline';
import { BUTTONS, type Button } from '../../shared/src/index.js';

export interface VirtualControls {
  simulatePress(panelId: string, button: Button): 'ok' | 'unplugged' | 'unknown panel';
  unplug(): void;
  replug(): void;
  firstPanelId(): string;
}

const KEYS: Record<string, Button> = { '1': 'good', '2': 'neutral', '3': 'bad' };

export class ConsoleControl {
  private lines: Interface | undefined;
  private readonly onKey = (data: Buffer) => this.key(data.toString('utf8'));

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly controls: VirtualControls,
    private readonly quit: () => void,
    private readonly say: (text: string) => void = (text) => process.stderr.write(`${text}\n`),
  ) {}

  start(): void {
    if (this.input.isTTY) {
      this.input.setRawMode(true);
      this.input.on('data', this.onKey);
      this.input.resume();
      this.say('virtual board: 1 good, 2 neutral, 3 bad, u unplug, r replug, q quit');
    } else {
      // EOF (e.g. stdin is /dev/null under systemd) just ends the commands; the agent keeps running.
      this.lines = createInterface({ input: this.input, terminal: false });
      this.lines.on('line', (line) => this.command(line.trim()));
    }
  }

  private key(key: string): void {
    if (key === 'q' || key === '\u0003') {
      this.quit();
      return;
    }
    const button = KEYS[key];
    if (key === 'u' || key === 'r') this.command(key === 'u' ? 'unplug' : 'replug');
    else if (button) this.press(this.controls.firstPanelId(), button);
  }

  /** Runs one command line; returns whether it was understood. */
  command(line: string): boolean {
    const [verb, panel, button, ...rest] = line.split(/\s+/);
    if (verb === 'press' && panel && BUTTONS.includes(button as Button) && rest.length === 0) {
      this.press(panel, button as Button);
    } else if ((verb === 'unplug' || verb === 'replug') && panel === undefined) {
      this.controls[verb]();
      this.say(verb === 'unplug' ? 'board unplugged' : 'board replugged');
    } else {
      if (line !== '') this.say(`unknown command: ${line} (press <panelId> <good|neutral|bad> | unplug | replug)`);
      return false;
    }
    return true;
  }

  private press(panel: string, button: Button): void {
    const result = this.controls.simulatePress(panel, button);
    this.say(result === 'ok' ? `pressed ${panel} ${button}` : `not pressed: ${result}`);
  }

  stop(): void {
    this.lines?.close();
    this.input.off('data', this.onKey);
    if (this.input.isTTY) this.input.setRawMode(false);
    this.input.pause();
  }
}
