/** The first admin API key: from LB_ADMIN_TOKEN, or generated once and shown once. */
import { ConfigError } from '../../shared/src/config.js';
import { hashSecret, newSecret } from './lib/secrets.js';
import type { Store } from './store/store.js';

export const ENV_ADMIN_KEY_NAME = 'LB_ADMIN_TOKEN';

/** Returns a newly generated key (to print once), or undefined when none was needed. */
export async function bootstrapAdminKey(store: Store, adminToken: string | undefined): Promise<string | undefined> {
  if (adminToken) {
    const hash = hashSecret(adminToken);
    // A token revoked (or rotated away) through the API stays dead: reinstating it would undo the revocation.
    if (await store.isRevokedApiKey(hash)) {
      throw new ConfigError([
        'LB_ADMIN_TOKEN: this token was revoked or rotated through the API: set the new one, or unset LB_ADMIN_TOKEN to use the keys in the database',
      ]);
    }
    await store.upsertApiKey({ name: ENV_ADMIN_KEY_NAME, role: 'admin', hash });
    return undefined;
  }
  if ((await store.countApiKeys('admin')) > 0) return undefined;
  const key = newSecret();
  await store.createApiKey({ name: 'bootstrap admin', role: 'admin', hash: hashSecret(key) });
  return key;
}

export function printAdminKeyOnce(key: string): void {
  // Plain stderr, not the JSON log: a person must read it, and log shippers should not keep it.
  console.error(
    `\nGenerated the first admin API key (shown only now, stored only as a hash):\n\n  ${key}\n\n` +
      'Use it as "Authorization: Bearer <key>". Set LB_ADMIN_TOKEN to choose your own instead.\n',
  );
}
