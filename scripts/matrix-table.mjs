#!/usr/bin/env node
// Prints the version × pitfall table of `make test-matrix` from build/matrix/results.jsonl
// (written by test/matrix/*.test.ts): one block per pitfall, one row per buildx version,
// "raw buildx → docker ocifix build". A cell whose check started but never recorded is FAILED.
//   node scripts/matrix-table.mjs [results.jsonl] [--markdown]
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const markdown = args.includes('--markdown');
const file = args.find((a) => !a.startsWith('--')) ?? new URL('../build/matrix/results.jsonl', import.meta.url).pathname;
if (!existsSync(file)) {
  console.error(`matrix-table: ${file} does not exist (run make test-matrix)`);
  process.exit(1);
}
const cells = new Map();
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const c = JSON.parse(line);
  cells.set(`${c.pitfall}\u0000${c.version}`, c);
}
const vkey = (v) => v.replace(/^v/, '').split('.').map((n) => n.padStart(4, '0')).join('.');
const pitfalls = [...new Set([...cells.values()].map((c) => c.pitfall))].sort();
const versions = [...new Set([...cells.values()].map((c) => c.version))].sort((a, b) => vkey(a).localeCompare(vkey(b)));
let failed = 0;
const out = [];
for (const p of pitfalls) {
  if (markdown) out.push(`\n**${p}**\n`, '| buildx | pitfall | raw buildx | docker ocifix build |', '|---|---|---|---|');
  else out.push('', p);
  for (const v of versions) {
    const c = cells.get(`${p}\u0000${v}`);
    if (!c) continue;
    const ok = c.status === 'ok';
    if (!ok) failed++;
    const exists = ok ? (c.exists ? 'yes' : 'no') : '?';
    const raw = ok ? c.raw : 'FAILED (see the vitest output)';
    const fix = ok ? c.ocifix : 'FAILED';
    if (markdown) out.push(`| ${v} | ${exists} | ${raw.replace(/\|/g, '\\|')} | ${fix.replace(/\|/g, '\\|')} |`);
    else out.push(`  ${v.padEnd(8)} ${exists.padEnd(3)}  ${raw}  →  ${fix}`);
  }
}
console.log(out.join('\n'));
console.log(`\n${cells.size} cells, ${failed} failed`);
process.exit(failed ? 1 : 0);
