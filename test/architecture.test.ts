/**
 * The floors of docs/architecture.md, checked on the source: no folder imports one above it, so a newcomer
 * can read the code bottom-up and the scoring core stays free of SQL and routes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** Every relative import of a file, as a repo-relative path. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => path.join(path.dirname(file), m[1]!));
}

const TOP_FLOORS: Record<string, number> = { shared: 0, device: 1, gateway: 1, scripts: 2, bench: 3, test: 4 };
/** gateway/src folders, bottom up; the root files (app, server, …) are the top. */
const GATEWAY_FLOORS: Record<string, number> = {
  lib: 1,
  domain: 1,
  scoring: 2,
  store: 3,
  ingest: 4,
  live: 4,
  alerts: 4,
  delivery: 4,
  mqtt: 5,
  plugins: 6,
  routes: 7,
  '': 8,
};

const top = (p: string) => p.split(path.sep)[0]!;
const gatewayFolder = (p: string) => {
  const parts = path.relative('gateway/src', p).split(path.sep);
  return parts.length === 1 ? '' : parts[0]!;
};

describe('architecture floors (docs/architecture.md)', () => {
  it('no top-level folder imports one above it, and device and gateway never import each other', () => {
    const wrong: string[] = [];
    for (const dir of ['shared', 'device', 'gateway', 'scripts', 'bench']) {
      for (const file of tsFiles(dir)) {
        for (const target of importsOf(file)) {
          const from = top(file);
          const to = top(target);
          if (from === to) continue;
          if (TOP_FLOORS[to] === undefined || TOP_FLOORS[to]! >= TOP_FLOORS[from]!) wrong.push(`${file} → ${target}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('inside gateway/src no folder imports one above it or beside it (scoring is a pure core)', () => {
    const wrong: string[] = [];
    for (const file of tsFiles('gateway/src')) {
      for (const target of importsOf(file)) {
        if (!target.startsWith(`gateway${path.sep}src`)) continue;
        const from = gatewayFolder(file);
        const to = gatewayFolder(target);
        if (from === to) continue;
        if (GATEWAY_FLOORS[to] === undefined || GATEWAY_FLOORS[to]! >= GATEWAY_FLOORS[from]!) wrong.push(`${file} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('routes never import another route module', () => {
    const routes = tsFiles('gateway/src/routes/api');
    const wrong = routes.flatMap((file) =>
      importsOf(file)
        .filter((t) => routes.includes(t.replace(/\.js$/, '.ts')) && !t.endsWith(`${path.sep}deps.js`))
        .map((t) => `${file} → ${t}`),
    );
    expect(wrong).toEqual([]);
  });
});
