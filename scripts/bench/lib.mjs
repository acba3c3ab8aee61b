// Shared helpers for the benchmarks (make bench). Wall time of whole commands, repeated.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export function timeOnce(file, args, options = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, min: s[0], median: q(0.5), max: s[s.length - 1] };
}

/** Run commands alternately (a, b, a, b, …) so drift in machine load hits both equally. */
export function alternate(commands, runs, warmup = 3) {
  for (let i = 0; i < warmup; i++) for (const c of commands) timeOnce(c.file, c.args, c.options);
  const samples = commands.map(() => []);
  for (let i = 0; i < runs; i++) commands.forEach((c, j) => samples[j].push(timeOnce(c.file, c.args, c.options)));
  return samples.map(stats);
}

export const fmt = (x) => `${x.toFixed(1)} ms`;
export function line(label, st) {
  return `${label.padEnd(48)} min ${fmt(st.min).padStart(9)}  median ${fmt(st.median).padStart(9)}  max ${fmt(st.max).padStart(9)}  (n=${st.n})`;
}
export function verdict(ok, text) {
  return `${ok ? 'PASS' : 'FAIL'}  ${text}`;
}

/**
 * The test stack (scripts/test-env up) with the built plugin: a private copy of its DOCKER_CONFIG
 * holding dist/docker-ocifix (or `binary`), in a temp dir `dir` (remove it when done), and the environment that
 * uses it. Exits with a message when the binary or the stack is missing.
 */
export function stackWithPlugin(prefix, binary) {
  const root = resolve(import.meta.dirname, '../..');
  const bin = binary ? resolve(binary) : join(root, 'dist/docker-ocifix');
  const envFile = join(process.env.OCIFIX_TEST_STATE ?? '/tmp/ocifix-test-stack', 'env.json');
  if (!existsSync(bin)) {
    console.error(`${bin} is missing: run make binary first`);
    process.exit(1);
  }
  if (!existsSync(envFile)) {
    console.error(`the test stack is not up (${envFile} is missing): run scripts/test-env up first`);
    process.exit(1);
  }
  const stack = JSON.parse(readFileSync(envFile, 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const cfg = join(dir, 'docker-config');
  cpSync(stack.DOCKER_CONFIG, cfg, { recursive: true, verbatimSymlinks: true });
  symlinkSync(bin, join(cfg, 'cli-plugins/docker-ocifix'));
  const env = { ...process.env, DOCKER_CONFIG: cfg, BUILDKIT_PROGRESS: 'plain' };
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  delete env.BUILDX_BUILDER;
  return { root, stack, dir, env, bin };
}
