// Writers racing on one tag, on the test stack's real TLS + htpasswd registry (no injected delay: both started
// together), ROUNDS rounds of each race:
//  1. `docker ocifix annotate` ∥ `docker ocifix annotate` (different keys). A silent loss: both exit
//     0 but the tag's index lacks one of the two keys.
//  2. `docker ocifix annotate` ∥ a raw `docker buildx imagetools create` moving the tag to another
//     index (one child instead of two) — a writer with no compare-and-swap at all. A silent loss:
//     both exit 0 and the tag holds the old children with ocifix's key (the raw write was
//     overwritten). The raw write landing after ocifix's read-back (the tag ends on the other index
//     without the key) is a later blind write, not a lost update; it is counted as "raw last".
// A writer that exits non-zero (its compare-and-swap or read-back caught the other) is not silent.
// Prints the counts; exit 1 on any silent loss.
//   ROUNDS=20 node scripts/races.mjs      (needs `make binary` and `scripts/test-env up`)
//   RACES=raw  only race 2;  OFFSETS=1  race 2 also with the raw writer started 0–400 ms late
//   (OFFSET_RANGE=90-190 narrows that sweep; VERBOSE=1 prints every round)
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { stackWithPlugin } from './bench/lib.mjs';

const rounds = Number(process.env.ROUNDS ?? 20);
const races = (process.env.RACES ?? 'annotate,raw').split(',');
const { root, stack, dir, env } = stackWithPlugin('ocifix-races-');
// the stack's TLS + htpasswd registry (its login is in the config; the CA through SSL_CERT_FILE);
// RACES_REGISTRY=plain for the plain-HTTP one
const secure = process.env.RACES_REGISTRY !== 'plain';
const reg = secure ? stack.OCIFIX_SECURE_REGISTRY : stack.REGISTRY;
if (secure) env.SSL_CERT_FILE = stack.OCIFIX_SECURE_REGISTRY_CA_BUNDLE;
const repo = `${reg}/ocifix-races/r${Date.now().toString(36)}`;

const sync = (args) => spawnSync('docker', args, { env, encoding: 'utf8' });
/** The manifest REF holds, parsed, and its digest (the sha256 of the exact bytes `--raw` prints). */
const read = (ref) => {
  const r = sync(['buildx', 'imagetools', 'inspect', '--raw', ref]);
  if (r.status !== 0) throw new Error(`inspect ${ref}: ${r.stderr}`);
  return { body: JSON.parse(r.stdout), digest: `sha256:${createHash('sha256').update(r.stdout).digest('hex')}` };
};
const inspect = (ref) => read(ref).body;
const run = (args, delayMs = 0) =>
  new Promise((res) =>
    setTimeout(() => {
      const c = spawn('docker', args, { env });
      let err = '';
      c.stderr.on('data', (d) => (err += d));
      c.on('exit', (code) => res({ code, err }));
    }, delayMs),
  );
const createTag = (tag, source) => {
  const r = sync(['buildx', 'imagetools', 'create', '-t', tag, source]);
  if (r.status !== 0) throw new Error(`setup failed: ${r.stderr}`);
};

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

async function annotateRace() {
  const n = { silent: 0, caught: 0, clean: 0 };
  for (let i = 0; i < rounds; i++) {
    const tag = `${repo}:t${i}`;
    createTag(tag, `${repo}:base`);
    const [a, c] = await Promise.all([
      run(['ocifix', 'annotate', tag, '--annotation', `index:org.example.a=${i}`]),
      run(['ocifix', 'annotate', tag, '--annotation', `index:org.example.b=${i}`]),
    ]);
    const ann = inspect(tag).annotations ?? {};
    const both = ann['org.example.a'] === String(i) && ann['org.example.b'] === String(i);
    if (a.code === 0 && c.code === 0 && !both) n.silent++;
    else if (a.code !== 0 || c.code !== 0) n.caught++;
    else n.clean++;
  }
  console.log(`annotate ∥ annotate, ${rounds} rounds: ${n.clean} both kept, ${n.caught} caught (one writer exit 1), ${n.silent} silent losses`);
  return n.silent;
}

async function rawRace(label, delayOf) {
  // the other index: the amd64 child alone (its own digest, other children)
  const base = inspect(`${repo}:base`);
  const amd = base.manifests.find((m) => m.platform?.architecture === 'amd64').digest;
  createTag(`${repo}:other`, `${repo}@${amd}`);
  const other = read(`${repo}:other`).digest;
  const n = { silent: 0, caught: 0, ocifixOnOther: 0, rawLast: 0, rawFailed: 0 };
  for (let i = 0; i < rounds; i++) {
    const tag = `${repo}:raw${label}${i}`;
    createTag(tag, `${repo}:base`);
    const [a, raw] = await Promise.all([
      run(['ocifix', 'annotate', tag, '--annotation', `index:org.example.a=${i}`]),
      run(['buildx', 'imagetools', 'create', '-t', tag, `${repo}@${other}`], delayOf(i)),
    ]);
    const now = inspect(tag);
    const keyed = now.annotations?.['org.example.a'] === String(i);
    const children = (now.manifests ?? []).map((m) => m.digest).join(',');
    const oldChildren = children === base.manifests.map((m) => m.digest).join(',');
    const kind = raw.code !== 0 ? 'rawFailed' : a.code !== 0 ? 'caught' : keyed && oldChildren ? 'silent' : keyed ? 'ocifixOnOther' : 'rawLast';
    n[kind]++;
    if (process.env.VERBOSE === '1')
      console.log(`  round ${i}, raw started +${delayOf(i)} ms: ${kind}${a.code !== 0 ? ` — ${a.err.trim().split('\n').pop()}` : ''}`);
  }
  console.log(
    `annotate ∥ raw imagetools create${label ? ` (${label})` : ''}, ${rounds} rounds: ${n.ocifixOnOther} ocifix annotated the moved index, ` +
      `${n.rawLast} raw wrote last, ${n.caught} caught (ocifix exit 1), ${n.rawFailed} raw failed, ${n.silent} silent losses`,
  );
  return n.silent;
}

let silent = 0;
try {
  if (races.includes('annotate')) silent += await annotateRace();
  if (races.includes('raw')) {
    silent += await rawRace('', () => 0);
    // informative: sweep the raw writer's start across ocifix's run to find the window
    const [from, to] = (process.env.OFFSET_RANGE ?? '0-400').split('-').map(Number);
    if (process.env.OFFSETS === '1') silent += await rawRace('offset', (i) => Math.round(from + ((to - from) * i) / Math.max(1, rounds - 1)));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(silent > 0 ? 1 : 0);
