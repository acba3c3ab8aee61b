#!/usr/bin/env node
// The table of `make test-peer` (scripts/test-peer): buildx's own integration tests, each with its
// result on the real buildx ("baseline") and through docker-ocifix ("ocifix"), then the counts and
// every test whose result differs, with the first lines of why (the skip message or the failure).
// Reads the test2json streams DIR/{baseline,ocifix}-WORKER.jsonl and DIR/*.seconds. Exits 1 when a
// difference is not listed in scripts/test-peer.d/expected-differences.json (test -> reason).
//   node scripts/peer-table.mjs [build/peer] [--json]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--')) ?? new URL('../build/peer', import.meta.url).pathname;
const MODES = ['baseline', 'ocifix'];
if (!existsSync(dir)) {
  console.error(`peer-table: ${dir} does not exist (run make test-peer)`);
  process.exit(1);
}

/** One run: top-level test (TestIntegration/NAME/worker=W) -> { status, seconds, why }. */
function readRun(file) {
  const tests = new Map();
  const output = new Map(); // test (or subtest) -> output lines
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let ev;
    try {
      ev = JSON.parse(line);
    } catch {
      continue;
    }
    if (!ev.Test) continue;
    if (ev.Action === 'output') {
      if (!output.has(ev.Test)) output.set(ev.Test, []);
      output.get(ev.Test).push(ev.Output.replace(/\n$/, ''));
      continue;
    }
    const m = /^TestIntegration\/([^/]+)\/worker=([^/]+)$/.exec(ev.Test);
    if (!m || !['pass', 'fail', 'skip'].includes(ev.Action)) continue;
    tests.set(ev.Test, { name: m[1], worker: m[2], status: ev.Action, seconds: ev.Elapsed ?? 0 });
  }
  // why: for a skip its t.Skip message; for a failure the assertion lines (of any failing subtest)
  for (const [test, r] of tests) {
    const lines = [...output.entries()].filter(([t]) => t === test || t.startsWith(test + '/')).flatMap(([, l]) => l);
    if (r.status === 'skip') {
      r.why =
        lines
          .find((l) => /^\s+\S+\.go:\d+: /.test(l))
          ?.trim()
          .replace(/^\S+\.go:\d+: /, '') ?? '';
    } else if (r.status === 'fail') {
      r.why = failureSummary(lines);
    }
  }
  return tests;
}

/** testify's "Error:" block (up to "Test:") and buildx's own ERROR lines, else the last lines. */
function failureSummary(lines) {
  const strip = (l) => l.trim().replace(/^(Error|Messages):\s*/, '');
  const picked = [];
  const at = lines.findIndex((l) => /^\s+Error:\s/.test(l));
  if (at >= 0) {
    for (const l of lines.slice(at)) {
      if (/^\s+(Test|Messages):\s/.test(l) || picked.length >= 4) break;
      picked.push(strip(l));
    }
  }
  const msg = lines.findIndex((l) => /^\s+Messages:\s/.test(l));
  if (msg >= 0) picked.push(...lines.slice(msg, msg + 2).map(strip));
  const errors = lines.filter((l) => /ERROR: |Error: |panic:/.test(l) && !/^\s+Error:\s/.test(l)).map(strip);
  picked.push(...[...new Set(errors)].slice(-3));
  if (!picked.length)
    picked.push(
      ...lines
        .filter((l) => l.trim() && !/^(=== |--- )/.test(l.trim()))
        .slice(-6)
        .map(strip),
    );
  return picked.filter(Boolean).join('\n');
}

const runs = {}; // mode -> Map
const seconds = {};
const calls = {}; // worker -> build/b/bake invocations the ocifix run's wrapper sent to docker-ocifix
for (const f of readdirSync(dir).sort()) {
  const m = /^(baseline|ocifix)-(.+)\.jsonl$/.exec(f);
  if (!m) continue;
  runs[m[1]] ??= new Map();
  for (const [k, v] of readRun(join(dir, f))) runs[m[1]].set(k, v);
  const c = join(dir, `${m[1]}-${m[2]}.calls`);
  if (existsSync(c)) calls[m[2]] = Number(readFileSync(c, 'utf8').trim());
  const s = join(dir, `${m[1]}-${m[2]}.seconds`);
  if (existsSync(s)) seconds[`${m[1]} ${m[2]}`] = Number(readFileSync(s, 'utf8').trim());
}
if (!runs.baseline || !runs.ocifix) {
  console.error(`peer-table: need both baseline-*.jsonl and ocifix-*.jsonl in ${dir}`);
  process.exit(1);
}
const names = [...new Set([...runs.baseline.keys(), ...runs.ocifix.keys()])].sort();
const cell = (r) => (r ? r.status : 'missing');
const counts = {};
for (const mode of MODES) {
  counts[mode] = { pass: 0, fail: 0, skip: 0, missing: 0 };
  for (const n of names) counts[mode][cell(runs[mode].get(n))]++;
}
const diffs = names.filter((n) => cell(runs.baseline.get(n)) !== cell(runs.ocifix.get(n)));
// differences with a known reason (a test that expects a pitfall ocifix fixes), by short test name
const expectedFile = new URL('./test-peer.d/expected-differences.json', import.meta.url).pathname;
const expected = existsSync(expectedFile) ? JSON.parse(readFileSync(expectedFile, 'utf8')) : {};
const unexplained = diffs.filter((n) => !expected[n.replace(/^TestIntegration\//, '')]);

if (args.includes('--json')) {
  console.log(
    JSON.stringify(
      { counts, seconds, diffs, unexplained, tests: names.map((n) => ({ test: n, ...Object.fromEntries(MODES.map((m) => [m, runs[m].get(n) ?? null])) })) },
      null,
      2,
    ),
  );
  process.exit(0);
}
const short = (n) => n.replace(/^TestIntegration\//, '');
const out = [];
out.push(`# buildx integration suite: real buildx vs docker-ocifix (${names.length} tests)`, '');
out.push('| | pass | fail | skip | missing | time |', '|---|---|---|---|---|---|');
for (const mode of MODES) {
  const c = counts[mode];
  const t = Object.entries(seconds)
    .filter(([k]) => k.startsWith(mode + ' '))
    .map(([k, v]) => `${k.slice(mode.length + 1)} ${v} s`)
    .join(', ');
  out.push(`| ${mode} | ${c.pass} | ${c.fail} | ${c.skip} | ${c.missing} | ${t} |`);
}
if (Object.keys(calls).length) {
  out.push(
    '',
    `The ocifix run sent ${Object.entries(calls)
      .map(([w, n]) => `${n} build/bake calls (${w})`)
      .join(', ')} to docker-ocifix.`,
  );
}
out.push('', `Differences: ${diffs.length} (${diffs.length - unexplained.length} expected, ${unexplained.length} unexplained)`, '');
for (const n of diffs) {
  const reason = expected[short(n)];
  out.push(`## ${short(n)}: baseline ${cell(runs.baseline.get(n))}, ocifix ${cell(runs.ocifix.get(n))} (${reason ? 'expected' : 'UNEXPLAINED'})`, '');
  if (reason) out.push(reason, '');
  for (const mode of MODES) {
    const r = runs[mode].get(n);
    if (r?.why) out.push(`${mode}:`, '```', r.why, '```');
  }
  out.push('');
}
out.push('| test | baseline | ocifix | skip reason / first failure line |', '|---|---|---|---|');
for (const n of names) {
  const b = runs.baseline.get(n);
  const o = runs.ocifix.get(n);
  const r = o?.status !== 'pass' && o?.why ? o : b;
  // a skip's message, or a failure's last (most specific) line
  const why = r?.why ? (r.status === 'fail' ? r.why.split('\n').at(-1) : r.why.split('\n')[0]) : '';
  const mark = cell(b) !== cell(o) ? ' **≠**' : '';
  out.push(`| ${short(n)}${mark} | ${cell(b)} | ${cell(o)} | ${why.replace(/\|/g, '\\|').slice(0, 160)} |`);
}
// both runs failing the same test is the environment's doing (listed with the reason in the table)
const bothFailed = names.filter((n) => cell(runs.baseline.get(n)) === 'fail' && cell(runs.ocifix.get(n)) === 'fail');
if (bothFailed.length) out.push('', `Failed in both runs (not ocifix): ${bothFailed.map(short).join(', ')}`);
console.log(out.join('\n'));
// exit 1 on a difference nobody has explained (scripts/test-peer.d/expected-differences.json)
process.exitCode = unexplained.length ? 1 : 0;
