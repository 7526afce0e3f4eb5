/**
 * Finds secrets in what the suite's processes wrote. Every secret the gateway makes (API keys, kiosk
 * passwords) is 32 random bytes in base64url: 43 characters of [A-Za-z0-9_-], a shape nothing else in
 * our logs has. Known values (a test's own tokens) are looked for as they are, and JSON log lines for a
 * secret-named field whose value is not redacted.
 *
 * The one secret printed on purpose is the generated first admin key, on stderr, once (bootstrap.ts):
 * that paragraph is left out of the scan (the dedicated test checks it appears only there).
 */
export const SECRET_SHAPE = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;
const BOOTSTRAP_PRINT = /Generated the first admin API key \(shown only now, stored only as a hash\):\s+[A-Za-z0-9_-]{43}\s/g;
const SECRET_FIELD = /pass(word)?|secret|token|authorization|cookie|private/i;
const REDACTED = '[redacted]';

export interface Finding {
  where: string;
  what: string;
  excerpt: string;
}

/** Masks a found secret in an excerpt: the report must not leak it again. */
const mask = (text: string, secret: string) => text.split(secret).join(`${secret.slice(0, 4)}…(${secret.length} chars)`);

function excerpt(text: string, at: number, secret: string): string {
  return mask(text.slice(Math.max(0, at - 80), at + secret.length + 80), secret).replace(/\s+/g, ' ');
}

/** Secret-named fields of a parsed JSON log line whose value is a string other than the redaction mark. */
function unredacted(value: unknown, path: string[] = []): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    if (typeof v === 'string' && SECRET_FIELD.test(k) && v !== REDACTED && v !== '') return [[...path, k].join('.')];
    return unredacted(v, [...path, k]);
  });
}

export function scanText(where: string, text: string, known: readonly string[] = []): Finding[] {
  const findings: Finding[] = [];
  const scanned = text.replace(BOOTSTRAP_PRINT, '');
  for (const secret of known) {
    const at = scanned.indexOf(secret);
    if (at >= 0) findings.push({ where, what: 'a known secret', excerpt: excerpt(scanned, at, secret) });
  }
  for (const m of scanned.matchAll(SECRET_SHAPE))
    findings.push({ where, what: 'a 43-character base64url token', excerpt: excerpt(scanned, m.index, m[0]) });
  for (const line of scanned.split('\n')) {
    if (!line.startsWith('{')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    for (const field of unredacted(parsed)) findings.push({ where, what: `the unredacted field ${field}`, excerpt: line.slice(0, 200) });
  }
  return findings;
}

export const describeFindings = (findings: Finding[]): string =>
  findings
    .slice(0, 20)
    .map((f) => `${f.where}: ${f.what}: ${f.excerpt}`)
    .join('\n');
