// Two writers racing on one tag, on the test stack's real registry: `docker ocifix annotate` ∥
// `docker ocifix annotate` (different keys). A round is a silent loss when both exit 0 but the
// tag's index lacks one of the two keys; a writer that exits 1 (its compare-and-swap or read-back
// caught the other) is not silent. Prints the counts; exit 1 on any silent loss.
//   ROUNDS=20 node scripts/races.mjs      (needs `make binary` and `scripts/test-env up`)
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { stackWithPlugin } from './bench/lib.mjs';

const rounds = Number(process.env.ROUNDS ?? 20);
const { root, stack, dir, env } = stackWithPlugin('ocifix-races-');
const reg = stack.REGISTRY;
const repo = `${reg}/ocifix-races/r${Date.now().toString(36)}`;

const sync = (args) => spawnSync('docker', args, { env, encoding: 'utf8' });
const b = sync([
  'buildx',
  'build',
  '--builder',
  'single',
  '--platform',
  'linux/amd64,linux/arm64',
  '-t',
  `${repo}:base`,
  '--push',
  join(root, 'test/fixtures/scratch'),
]);
if (b.status !== 0) {
  console.error(b.stderr);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}
const run = (args) =>
  new Promise((res) => {
    const c = spawn('docker', args, { env });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('exit', (code) => res({ code, err }));
  });

let silent = 0;
let caught = 0;
let clean = 0;
try {
  for (let i = 0; i < rounds; i++) {
    const tag = `${repo}:t${i}`;
    if (sync(['buildx', 'imagetools', 'create', '-t', tag, `${repo}:base`]).status !== 0) throw new Error('setup failed');
    const [a, c] = await Promise.all([
      run(['ocifix', 'annotate', tag, '--annotation', `index:org.example.a=${i}`]),
      run(['ocifix', 'annotate', tag, '--annotation', `index:org.example.b=${i}`]),
    ]);
    const raw = sync(['buildx', 'imagetools', 'inspect', '--raw', tag]);
    const ann = JSON.parse(raw.stdout).annotations ?? {};
    const both = ann['org.example.a'] === String(i) && ann['org.example.b'] === String(i);
    if (a.code === 0 && c.code === 0 && !both) silent++;
    else if (a.code !== 0 || c.code !== 0) caught++;
    else clean++;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`annotate ∥ annotate, ${rounds} rounds: ${clean} both kept, ${caught} caught (one writer exit 1), ${silent} silent losses`);
process.exit(silent > 0 ? 1 : 0);
