/**
 * Bundles the console (gateway/web/) with esbuild into dist/web/: minified ES modules with content-hashed
 * names (so the gateway can cache them for a year), source maps, each page a chunk of its own loaded on
 * first visit, and index.html pointing at the hashed entry files. Run by `npm run build` after tsc.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './lib/processes.js';

export const WEB_SRC = join(ROOT, 'gateway/web');
export const WEB_OUT = join(ROOT, 'dist/web');

export async function buildWeb(): Promise<{ files: string[] }> {
  rmSync(WEB_OUT, { recursive: true, force: true });
  mkdirSync(WEB_OUT, { recursive: true });
  const result = await build({
    entryPoints: [join(WEB_SRC, 'main.ts'), join(WEB_SRC, 'style.css')],
    outdir: WEB_OUT,
    bundle: true,
    splitting: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    minify: true,
    sourcemap: true,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunks/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
    legalComments: 'none',
  });
  const outputs = Object.entries(result.metafile.outputs);
  const entry = (name: string) => {
    const found = outputs.find(([, o]) => o.entryPoint?.endsWith(`gateway/web/${name}`));
    if (!found) throw new Error(`esbuild wrote no output for ${name}`);
    return `/${basename(found[0])}`;
  };
  const html = readFileSync(join(WEB_SRC, 'index.html'), 'utf8')
    .replace('href="/style.css"', `href="${entry('style.css')}"`)
    .replace('src="/main.js"', `src="${entry('main.ts')}"`);
  writeFileSync(join(WEB_OUT, 'index.html'), html);
  // Pre-compressed copies, served by @fastify/static to browsers that accept them (no CPU per request).
  for (const file of [...outputs.map(([f]) => join(ROOT, f)), join(WEB_OUT, 'index.html')].filter((f) => /\.(js|css|html)$/.test(f))) {
    const body = readFileSync(file);
    writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
    writeFileSync(`${file}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  }
  return { files: [...outputs.map(([file]) => file), join(WEB_OUT, 'index.html')] };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { files } = await buildWeb();
  console.log(`console: ${files.filter((f) => !f.endsWith('.map')).length} files in dist/web`);
}
