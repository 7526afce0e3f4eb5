/**
 * `lb provision`: registers the kiosk (or rotates a re-provisioned one's credentials), binds its panels,
 * writes the agent's config (0600, atomically), then proves the kiosk can log in and be heard.
 *
 * The proof touches no scores: a fake press would be stored for ever (presses are never deleted, and a
 * rejected one counts in the kiosk's `rejected` counter and the dead letters). Instead the kiosk's own
 * login connects to the broker (client id = kiosk id: CONNACK accepted), subscribes to its acks and
 * config (SUBACK granted: the broker's ACL knows it), and publishes its retained status — `offline`, which
 * is the truth until the agent starts — stamped with a fresh time; the gateway has heard the kiosk when
 * GET /kiosks/:id shows that very status. That is the same path an event takes (the kiosk's login, its
 * ACL, the gateway's subscription, its database), without the scores.
 */
import type { Command } from 'commander';
import type { Panel } from '../../shared/src/index.js';
import { KIOSK_ID_PATTERN } from '../../shared/src/topics.js';
import { type Api, gatewayOptions } from './api.js';
import { CliError, globals, printJson } from './cli.js';
import { DEFAULT_CONFIG_PATH, existingKioskId, readJsonFile } from './config-file.js';

interface ProvisionOptions {
  gateway?: string;
  key?: string;
  id: string;
  office?: string;
  desk?: string;
  config: string;
  mqttUrl?: string;
  mqttCa?: string;
  dataDir: string;
  board: string;
  panelsFile?: string;
  force?: boolean;
  timeout: string;
}

export function register(program: Command): void {
  gatewayOptions(
    program
      .command('provision')
      .description('register this kiosk (or rotate its credentials), bind its panels, write its config and prove it can connect')
      .requiredOption('--id <kioskId>', 'the kiosk id (also its MQTT login)'),
  )
    .option('--office <officeId>', 'the office its panels score for')
    .option('--desk <deskId>', 'the desk its staff panels score for (in --office)')
    .option('--config <path>', 'where to write the agent config', DEFAULT_CONFIG_PATH)
    .option('--mqtt-url <url>', "the broker the kiosk connects to (default: the gateway's embedded broker)")
    .option('--mqtt-ca <file>', 'over mqtts://: the CA certificate (PEM) that signed the broker’s')
    .option('--data-dir <dir>', "where the agent keeps its outbox (the systemd unit's StateDirectory)", '/var/lib/loyalty-button-kiosk')
    .option('--board <board>', 'auto, a serial port path, virtual, or io:<package>', 'auto')
    .option('--panels-file <file>', 'the panels as a JSON array (default: one staff panel "desk", buttons 2/3/4, LEDs 9/10/11)')
    .option('--force', 'overwrite a config that belongs to another kiosk id')
    .option('--timeout <seconds>', 'how long to wait for the gateway to hear the kiosk', '15')
    .action(async (opts: ProvisionOptions, cmd: Command) => {
      // Checked before the heavier modules load: a typo answers at once.
      if (!new RegExp(KIOSK_ID_PATTERN).test(opts.id))
        throw new CliError(
          `--id: "${opts.id}" is not a kiosk id (letters, digits, "_", ".", "-"; up to 64; starting with a letter or digit)`,
          2,
        );
      if (!(Number(opts.timeout) > 0)) throw new CliError(`--timeout: "${opts.timeout}" is not a number of seconds`, 2);
      const { provision } = await import('./provision-run.js');
      const result = await provision(opts, globals(cmd).json);
      if (globals(cmd).json) printJson(result);
    });
}

export type { ProvisionOptions };

/** Panel bindings as the API takes them: staff panels to the desk (or the office), the others to the office. */
export function bindingFor(
  panel: Panel,
  office: string | undefined,
  desk: string | undefined,
): { officeId?: string; deskId?: string } | null {
  if (panel.kind === 'staff' && desk) return { ...(office ? { officeId: office } : {}), deskId: desk };
  if (office) return { officeId: office };
  return null;
}

/** Checks the office (and desk) exist where the key may look; a technician key may not read offices: then the register call decides. */
export async function checkOrg(api: Api, office: string | undefined, desk: string | undefined): Promise<void> {
  for (const [kind, plural, id] of [
    ['office', 'offices', office],
    ['desk', 'desks', desk],
  ] as const) {
    if (!id) continue;
    const res = await api.send('GET', `/${plural}/${encodeURIComponent(id)}`);
    if (res.status === 404) throw new CliError(`--${kind}: ${kind} "${id}" does not exist`, 2);
    if (res.status === 401) throw api.refusal(401, res.body, 'GET', `/${plural}`);
    if (kind === 'desk' && res.ok && office && res.body.officeId !== office)
      throw new CliError(`--desk: desk "${id}" is in office "${res.body.officeId}", not "${office}"`, 2);
  }
}

export function panelsFrom(file: string | undefined, defaults: Panel[]): Panel[] {
  if (!file) return defaults;
  const value = readJsonFile(file, '--panels-file');
  const panels = Array.isArray(value) ? value : (value as { panels?: unknown })?.panels;
  if (!Array.isArray(panels)) throw new CliError('--panels-file: must hold a JSON array of panels (or { "panels": [...] })', 2);
  return panels as Panel[];
}

export function assertNotOtherKiosk(path: string, id: string, force: boolean | undefined): void {
  const current = existingKioskId(path);
  if (current !== null && current !== id && !force)
    throw new CliError(`${path} belongs to kiosk "${current || '(none)'}", not "${id}": give --force to overwrite it`, 2);
}
