// Two writers racing on one tag, on the test stack's real registry: `docker ocifix annotate` ∥
// `docker ocifix annotate` (different keys). A round is a silent loss when both exit 0 but the
// tag's index lacks one of the two keys; a writer that exits 1 (its compare-and-swap or read-back
// caught the other) is not silent. Prints the counts; exit 1 on any silent loss.
//   ROUNDS=20 node scripts/races.mjs      (needs `make binary` and `scripts/test-env up`)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'dist/docker-ocifix');
const state = process.env.OCIFIX_TEST_STATE ?? '/tmp/ocifix-test-stack';
const envFile = join(state, 'env.json');
if (!existsSync(bin) || !existsSync(envFile)) {
  console.error(`needs ${bin} (make binary) and ${envFile} (scripts/test-env up)`);
  process.exit(1);
}
const stackEnv = JSON.parse(readFileSync(envFile, 'utf8'));
const rounds = Number(process.env.ROUNDS ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'ocifix-races-'));
const cfg = join(dir, 'docker-config');
cpSync(stackEnv.DOCKER_CONFIG, cfg, { recursive: true, verbatimSymlinks: true });
symlinkSync(bin, join(cfg, 'cli-plugins/docker-ocifix'));
const env = { ...process.env, DOCKER_CONFIG: cfg, BUILDKIT_PROGRESS: 'plain' };
delete env.DOCKER_HOST;
delete env.DOCKER_CONTEXT;
delete env.BUILDX_BUILDER;
const reg = stackEnv.REGISTRY;
const repo = `${reg}/ocifix-races/r${Date.now().toString(36)}`;

const sync = (args) => spawnSync('docker', args, { env, encoding: 'utf8' });
const b = sync(['buildx', 'build', '--builder', 'single', '--platform', 'linux/amd64,linux/arm64', '-t', `${repo}:base`, '--push', join(root, 'test/fixtures/scratch')]);
if (b.status !== 0) {
  console.error(b.stderr);
  process.exit(1);
}
const run = (args) => new Promise((res) => {
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
    const [a, c] = await Promise.all([run(['ocifix', 'annotate', tag, '--annotation', `index:org.example.a=${i}`]), run(['ocifix', 'annotate', tag, '--annotation', `index:org.example.b=${i}`])]);
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
