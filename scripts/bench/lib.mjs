// Shared helpers for the benchmarks (make bench). Wall time of whole commands, repeated.
import { spawnSync } from 'node:child_process';

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
