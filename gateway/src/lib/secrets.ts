/**
 * Secrets (kiosk MQTT passwords, API keys) are random 256-bit tokens generated here, never chosen by
 * people. For such tokens a plain SHA-256 at rest is enough: brute-forcing 2^256 is not a thing, and a
 * slow KDF (scrypt/argon2) would cost ~50 ms per MQTT connect — thousands of kiosks reconnecting after
 * a broker restart would turn that into a self-inflicted DoS. The one secret a person chooses,
 * LB_ADMIN_TOKEN, is refused at start when short or a pattern (config.ts).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Stored in place of a kiosk's password hash when its credentials are revoked: no secret hashes to it. */
export const REVOKED = '';

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string | Buffer): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time check of a presented secret against a stored hex hash. */
export function verifySecret(presented: string | Buffer | undefined, storedHash: string | undefined): boolean {
  if (presented === undefined || storedHash === undefined) return false;
  const a = Buffer.from(hashSecret(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
