/**
 * `lb keys`: create, list, revoke and rotate API keys (an admin key's work). A new or rotated key's secret
 * is printed once — on its own line, or in the --json answer — and never again.
 */
import type { Command } from 'commander';
import { Api, gatewayOptions } from './api.js';
import { CliError, globals, printJson, printTable } from './cli.js';
import { ROLES } from '../../gateway/src/store/store.js';

interface ApiKey {
  id: string;
  name?: string | null;
  role: string;
  offices?: string[] | null;
  regions?: string[] | null;
  createdAt?: string;
  key?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').filter(Boolean)];

export function register(program: Command): void {
  const keys = program.command('keys').description('create, list, revoke and rotate API keys (admin)');

  gatewayOptions(keys.command('create').description('create a key with a role and scope; the key is shown once'))
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--office <officeId>', 'scope it to an office (repeat, or comma-separated)', collect)
    .option('--region <regionId>', 'scope it to a region (repeat, or comma-separated)', collect)
    .option('--name <name>', 'a label to know it by (who or what uses it; default: role and date)')
    .action(async (opts: { role: string; office?: string[]; region?: string[]; name?: string }, cmd: Command) => {
      if (!(ROLES as readonly string[]).includes(opts.role))
        throw new CliError(`--role: "${opts.role}" is not one of ${ROLES.join(', ')}`, 2);
      const created: ApiKey = await new Api(cmd.opts()).request('POST', '/api-keys', {
        role: opts.role,
        name: opts.name ?? `${opts.role} key made by lb on ${new Date().toISOString().slice(0, 10)}`,
        ...(opts.office ? { offices: opts.office } : {}),
        ...(opts.region ? { regions: opts.region } : {}),
      });
      shownOnce(created, globals(cmd).json, 'created');
    });

  gatewayOptions(keys.command('list').description('list keys (never their secrets)')).action(async (_opts, cmd: Command) => {
    const { items }: { items: ApiKey[] } = await new Api(cmd.opts()).request('GET', '/api-keys');
    if (globals(cmd).json) {
      printJson(items);
      return;
    }
    printTable(
      items.map((k) => ({
        id: k.id,
        name: k.name,
        role: k.role,
        scope: [...(k.offices ?? []).map((o) => `office:${o}`), ...(k.regions ?? []).map((r) => `region:${r}`)].join(',') || 'all',
        created: k.createdAt,
      })),
      ['id', 'name', 'role', 'scope', 'created'],
    );
  });

  gatewayOptions(keys.command('revoke').description('revoke a key at once').argument('<id>', 'the key id (lb keys list)')).action(
    async (id: string, _opts, cmd: Command) => {
      await new Api(cmd.opts()).request('DELETE', `/api-keys/${encodeURIComponent(id)}`);
      if (globals(cmd).json) printJson({ id, revoked: true });
      else console.log(`revoked key ${id}: it no longer works`);
    },
  );

  gatewayOptions(
    keys.command('rotate').description('a new secret for a key, shown once; the old one stops working').argument('<id>', 'the key id'),
  ).action(async (id: string, _opts, cmd: Command) => {
    const rotated: ApiKey = await new Api(cmd.opts()).request('POST', `/api-keys/${encodeURIComponent(id)}/rotate`);
    shownOnce(rotated, globals(cmd).json, 'rotated');
  });
}

function shownOnce(k: ApiKey, json: boolean, what: string): void {
  if (json) {
    printJson(k);
    return;
  }
  const scope = [...(k.offices ?? []), ...(k.regions ?? [])].join(', ') || 'all';
  console.log(`${what} key ${k.id} (${k.role}, scope: ${scope}${k.name ? `, "${k.name}"` : ''}); the key, shown only now:`);
  console.log(k.key);
}
