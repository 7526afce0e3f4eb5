import { readFileSync } from 'node:fs';

/** The package version, found by walking up from this module (works from src/ under vitest and from dist/). */
export function packageVersion(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'loyalty-button' && pkg.version) return pkg.version;
    } catch {
      // not here; go up
    }
  }
  return '0.0.0';
}
