// Registry benchmark (issue 15): ocifix's registry commands side by side with the raw
// `docker buildx imagetools` call they wrap and with crane and regctl (`make bench` builds regctl
// into the tools cache first: `scripts/test-env tools --bench`; without it the regctl rows are
// left out), on the test stack's registry, run alternately so machine drift hits all equally.
// Every timed write really writes: the sources alternate between two different indexes (and the
// annotation value changes every run), so no run is a "nothing to write" short cut.
// Targets (issue 15), as ratios of medians in one run:
//   verify R:v1                  <= 1.3x  imagetools inspect --raw R:v1
//   retag R:v1 R:t               <= 1.5x  imagetools create -t R:t R@digest
//   retag R:v1 to 5 targets      <= 1.5x  imagetools create with 5 -t
//   annotate --annotation index  <= 1.5x  imagetools create --annotation
//   post-push check of 5 tags    <= 1.5x  imagetools inspect (ocifix build --push vs buildx build --push, cached)
// Also prints the floor: `docker ocifix version` end to end.
// Needs `make binary` and `scripts/test-env up`.
// BENCH_BASELINE=path (another docker-ocifix binary, e.g. a build of an older commit) adds each
// ocifix command run with that binary to the same alternation, labelled "(baseline)".
//   BENCH_RUNS=12 BENCH_BUILD_RUNS=8 [BENCH_BINARY=path] [BENCH_BASELINE=path] node scripts/bench/registry.mjs
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fmt, stackWithPlugin, stats, verdict } from './lib.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 12);
const buildRuns = Number(process.env.BENCH_BUILD_RUNS ?? 8);
const { root, stack: stackEnv, dir: base, env } = stackWithPlugin('ocifix-bench-registry-', process.env.BENCH_BINARY);
const registry = stackEnv.REGISTRY;
const crane = stackEnv.OCIFIX_CRANE;
const toolsDir = stackEnv.OCIFIX_TOOLS_DIR ?? join(homedir(), '.cache/docker-ocifix/tools');
const regctl = findRegctl(toolsDir);

function findRegctl(dir) {
  if (!existsSync(dir)) return undefined;
  for (const d of readdirSync(dir).filter((n) => n.startsWith('regctl'))) {
    const p = join(dir, d, 'regctl');
    if (existsSync(p)) return p;
  }
  return undefined;
}

delete env.OCIFIX_BUILDX_VIA_DOCKER;
if (regctl) {
  // its own config (not the user's ~/.regctl): the stack's registry is plain HTTP
  env.REGCTL_CONFIG = join(base, 'regctl.json');
  must(regctl, ['registry', 'set', '--tls', 'disabled', registry]);
}
const baseline = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : undefined;
let baseEnv;
if (baseline) {
  const baseCfg = join(base, 'docker-config-baseline');
  cpSync(stackEnv.DOCKER_CONFIG, baseCfg, { recursive: true, verbatimSymlinks: true });
  symlinkSync(baseline, join(baseCfg, 'cli-plugins/docker-ocifix'));
  baseEnv = { ...env, DOCKER_CONFIG: baseCfg };
}

function must(file, args, options = {}) {
  const r = spawnSync(file, args, { env, encoding: 'utf8', ...options });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
function timed(file, args, runEnv = env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, args, { env: runEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/**
 * Each contender is { label, run(i) → [file, args] }: run i alternates sources so every run
 * writes. Contenders run in turn inside every round (a, b, c, a, b, c, …) after `warmup` rounds.
 */
function alternate(contenders, n, warmup = 2) {
  const samples = contenders.map(() => []);
  for (let i = 0; i < warmup + n; i++) {
    contenders.forEach((c, j) => {
      const steps = c.run(i);
      let ms = 0;
      for (const [file, args] of steps) ms += timed(file, args, c.env);
      if (i >= warmup) samples[j].push(ms);
    });
  }
  return samples.map(stats);
}

const repo = `${registry}/bench/registry-${process.pid}`;
const results = [];
function report(title, contenders, st, target) {
  console.log(`\n${title}`);
  st.forEach((s, i) => {
    const ratio = i === 0 ? '' : `   ocifix = ${(st[0].median / s.median).toFixed(2)}x`;
    console.log(`  ${contenders[i].label.padEnd(50)} median ${fmt(s.median).padStart(9)}  (min ${fmt(s.min)}, max ${fmt(s.max)}, n=${s.n})${ratio}`);
  });
  if (target) {
    const ratio = st[0].median / st[target.against].median;
    const ok = ratio <= target.max;
    results.push(ok);
    console.log(verdict(ok, `${title}: ${ratio.toFixed(2)}x ${contenders[target.against].label} (target <= ${target.max}x)`));
  }
}

/** With BENCH_BASELINE: the first (ocifix) contender again, run with the baseline binary. */
function withBaseline(contenders) {
  if (!baseline) return contenders;
  const [first, ...rest] = contenders;
  // its own target tags ('b' prefix), or it would find them already written by the first contender
  return [first, ...rest, { label: `${first.label} (baseline)`, run: (i) => first.run(i, 'b'), env: baseEnv }];
}

const docker = (...args) => ['docker', args];
const ocifix = (...args) => ['docker', ['ocifix', ...args]];
const imagetools = (...args) => ['docker', ['buildx', 'imagetools', ...args]];

try {
  // two different 2-platform OCI indexes (cached builds of the scratch fixture, different build args)
  for (const [tag, arg] of [
    ['v1', 'BENCH=1'],
    ['v2', 'BENCH=2'],
  ]) {
    must(
      'docker',
      [
        'buildx',
        'build',
        '--builder',
        'single',
        '--platform',
        'linux/amd64,linux/arm64',
        '--build-arg',
        arg,
        '--push',
        '-t',
        `${repo}:${tag}`,
        join(root, 'test/fixtures/scratch'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  }
  const digest = (tag) => must(crane, ['digest', '--insecure', `${repo}:${tag}`]).trim();
  const d1 = digest('v1');
  const d2 = digest('v2');
  if (d1 === d2) throw new Error('the two bench indexes have the same digest');
  const src = (i) => (i % 2 === 0 ? 'v1' : 'v2');
  const srcAt = (i) => `${repo}@${i % 2 === 0 ? d1 : d2}`;
  const five = (p) => [1, 2, 3, 4, 5].map((k) => `${repo}:${p}${k}`);

  const floor = alternate(
    [
      { label: 'docker ocifix version', run: () => [docker('ocifix', 'version')] },
      { label: 'docker buildx version', run: () => [docker('buildx', 'version')] },
    ],
    runs,
  );
  console.log(
    `floor: docker ocifix version end to end: median ${fmt(floor[0].median)} (min ${fmt(floor[0].min)}, n=${floor[0].n}); docker buildx version: median ${fmt(floor[1].median)}`,
  );

  let c = [
    { label: 'docker ocifix verify R:v1', run: () => [ocifix('verify', `${repo}:v1`)] },
    { label: 'docker buildx imagetools inspect --raw R:v1', run: () => [imagetools('inspect', '--raw', `${repo}:v1`)] },
    { label: 'crane digest R:v1', run: () => [[crane, ['digest', '--insecure', `${repo}:v1`]]] },
  ];
  if (regctl) c.push({ label: 'regctl image digest R:v1', run: () => [[regctl, ['image', 'digest', `${repo}:v1`]]] });
  c = withBaseline(c);
  report('verify', c, alternate(c, runs), { against: 1, max: 1.3 });

  c = [
    { label: 'docker ocifix retag R:vN R:o', run: (i, p = '') => [ocifix('retag', `${repo}:${src(i)}`, `${repo}:${p}o`)] },
    { label: 'docker buildx imagetools create -t R:r R@digest', run: (i) => [imagetools('create', '--progress', 'plain', '-t', `${repo}:r`, srcAt(i))] },
    { label: 'crane copy R:vN R:c', run: (i) => [[crane, ['copy', '--insecure', `${repo}:${src(i)}`, `${repo}:c`]]] },
  ];
  if (regctl) c.push({ label: 'regctl image copy R:vN R:g', run: (i) => [[regctl, ['image', 'copy', `${repo}:${src(i)}`, `${repo}:g`]]] });
  c = withBaseline(c);
  report('retag to one target', c, alternate(c, runs), { against: 1, max: 1.5 });

  c = [
    { label: 'docker ocifix retag R:vN to 5 targets', run: (i, p = '') => [ocifix('retag', `${repo}:${src(i)}`, ...five(`${p}o`))] },
    {
      label: 'docker buildx imagetools create with 5 -t',
      run: (i) => [imagetools('create', '--progress', 'plain', ...five('r').flatMap((t) => ['-t', t]), srcAt(i))],
    },
    { label: '5 x crane copy', run: (i) => five('c').map((t) => [crane, ['copy', '--insecure', `${repo}:${src(i)}`, t]]) },
  ];
  c = withBaseline(c);
  report('retag to 5 targets', c, alternate(c, runs), { against: 1, max: 1.5 });

  for (const t of ['ann', 'bann']) must('docker', ['buildx', 'imagetools', 'create', '--progress', 'plain', '-t', `${repo}:${t}`, `${repo}@${d1}`]);
  c = [
    {
      label: 'docker ocifix annotate R:ann --annotation index:k=N',
      run: (i, p = '') => [ocifix('annotate', `${repo}:${p}ann`, '--annotation', `index:k=${i}`)],
    },
    {
      label: 'docker buildx imagetools create --annotation',
      run: (i) => [imagetools('create', '--progress', 'plain', '--annotation', `index:k=${i}`, '-t', `${repo}:ia`, `${repo}@${d1}`)],
    },
  ];
  if (regctl) {
    must(regctl, ['image', 'copy', `${repo}@${d1}`, `${repo}:ann-g`]);
    c.push({ label: 'regctl image mod --annotation', run: (i) => [[regctl, ['image', 'mod', `${repo}:ann-g`, '--replace', '--annotation', `[index]k=${i}`]]] });
  }
  c = withBaseline(c);
  report('annotate', c, alternate(c, runs), { against: 1, max: 1.5 });

  // the post-push tag check: a fully cached 5-tag push, ocifix vs buildx; what ocifix adds is
  // compared with one imagetools inspect
  const flags = [
    'build',
    '--builder',
    'single',
    '--platform',
    'linux/amd64,linux/arm64',
    '--build-arg',
    'BENCH=1',
    '--push',
    join(root, 'test/fixtures/scratch'),
  ];
  c = [
    { label: 'docker ocifix build --push, 5 tags', run: (i, p = '') => [docker('ocifix', ...flags, ...five(`${p}b`).flatMap((t) => ['-t', t]))] },
    { label: 'docker buildx build --push, 5 tags', run: () => [docker('buildx', ...flags, ...five('x').flatMap((t) => ['-t', t]))] },
    { label: 'docker buildx imagetools inspect --raw', run: () => [imagetools('inspect', '--raw', `${repo}:v1`)] },
  ];
  c = withBaseline(c);
  const st = alternate(c, buildRuns, 1);
  report('post-push check of a 5-tag build', c, st);
  const added = st[0].median - st[1].median;
  const ratio = added / st[2].median;
  results.push(ratio <= 1.5);
  console.log(verdict(ratio <= 1.5, `post-push check adds ${added.toFixed(1)} ms = ${ratio.toFixed(2)}x one imagetools inspect (target <= 1.5x)`));
  if (baseline) console.log(`  baseline adds ${(st[3].median - st[1].median).toFixed(1)} ms = ${((st[3].median - st[1].median) / st[2].median).toFixed(2)}x`);
} finally {
  rmSync(base, { recursive: true, force: true });
}
if (results.some((ok) => !ok)) process.exitCode = 1;
