#!/usr/bin/env node
// Prints the version × pitfall table of `make test-matrix` from build/matrix/results.jsonl
// (written by test/matrix/*.test.ts): one block per pitfall, one row per buildx version,
// "raw buildx → docker ocifix build" (--markdown: one table, versions with the same outcome merged).
// A cell whose check started but never recorded is FAILED.
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
const vkey = (v) =>
  v
    .replace(/^v/, '')
    .split('.')
    .map((n) => n.padStart(4, '0'))
    .join('.');
const pitfalls = [...new Set([...cells.values()].map((c) => c.pitfall))].sort();
const versions = [...new Set([...cells.values()].map((c) => c.version))].sort((a, b) => vkey(a).localeCompare(vkey(b)));
let failed = 0;
const out = [];
if (markdown) out.push('| pitfall | buildx | exists | raw buildx | docker ocifix build |', '|---|---|---|---|---|');
for (const p of pitfalls) {
  if (!markdown) out.push('', p);
  // markdown: consecutive versions with the same outcome share one row (v0.12.1–v0.15.1)
  const rows = [];
  for (const v of versions) {
    const c = cells.get(`${p}\u0000${v}`);
    if (!c) continue;
    const ok = c.status === 'ok';
    if (!ok) failed++;
    const row = {
      from: v,
      to: v,
      exists: ok ? (c.exists ? 'yes' : 'no') : '?',
      raw: ok ? c.raw : 'FAILED (see the vitest output)',
      fix: ok ? c.ocifix : 'FAILED',
    };
    const last = rows.at(-1);
    if (markdown && last && last.exists === row.exists && last.raw === row.raw && last.fix === row.fix) last.to = v;
    else rows.push(row);
  }
  for (const r of rows) {
    const range = r.from === r.to ? r.from : `${r.from}–${r.to}`;
    if (markdown) out.push(`| ${p.replace(/\|/g, '\\|')} | ${range} | ${r.exists} | ${r.raw.replace(/\|/g, '\\|')} | ${r.fix.replace(/\|/g, '\\|')} |`);
    else out.push(`  ${range.padEnd(8)} ${r.exists.padEnd(3)}  ${r.raw}  →  ${r.fix}`);
  }
}
console.log(out.join('\n'));
console.log(`\n${cells.size} cells, ${failed} failed`);
process.exit(failed ? 1 : 0);
