// Build benchmark: `docker ocifix build` vs `docker buildx build` with the same flags, a
// small fully cached build on the test stack's `single` builder (remote driver, buildkitd on a unix
// socket), run alternately so machine drift hits both equally. Targets: median overhead <= 100 ms
// and <= 1.15x. Needs `make binary` and `scripts/test-env up`.
//   BENCH_RUNS=30 node scripts/bench/build.mjs
import { existsSync, mkdtempSync, readFileSync, rmSync, cpSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { alternate, line, verdict } from './lib.mjs';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'dist/docker-ocifix');
const runs = Number(process.env.BENCH_RUNS ?? 30);
const state = process.env.OCIFIX_TEST_STATE ?? '/tmp/ocifix-test-stack';
const envFile = join(state, 'env.json');

if (!existsSync(bin)) {
  console.error(`${bin} is missing: run make binary first`);
  process.exit(1);
}
if (!existsSync(envFile)) {
  console.error(`the test stack is not up (${envFile} is missing): run scripts/test-env up first`);
  process.exit(1);
}
const stackEnv = JSON.parse(readFileSync(envFile, 'utf8'));

const cfg = join(mkdtempSync(join(tmpdir(), 'ocifix-bench-build-')), 'docker-config');
try {
  cpSync(stackEnv.DOCKER_CONFIG, cfg, { recursive: true, verbatimSymlinks: true });
  symlinkSync(bin, join(cfg, 'cli-plugins/docker-ocifix'));
  const env = { ...process.env, DOCKER_CONFIG: cfg, BUILDKIT_PROGRESS: 'plain' };
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  delete env.BUILDX_BUILDER;
  const flags = ['build', '--builder', 'single', '--build-arg', 'BENCH=1', '-t', 'ocifix-bench:cached', join(root, 'test/fixtures/scratch')];

  const [raw, ocifix] = alternate(
    [
      { file: 'docker', args: ['buildx', ...flags], options: { env } },
      { file: 'docker', args: ['ocifix', ...flags], options: { env } },
    ],
    runs,
  );
  const overhead = ocifix.median - raw.median;
  const ratio = ocifix.median / raw.median;
  console.log(`cached build on builder "single" (${flags.slice(1).join(' ')})`);
  console.log(line('docker buildx build', raw));
  console.log(line('docker ocifix build (same flags)', ocifix));
  const okMs = overhead <= 100;
  const okRatio = ratio <= 1.15;
  console.log(verdict(okMs, `median overhead = ${overhead.toFixed(1)} ms (target <= 100 ms)`));
  console.log(verdict(okRatio, `median ratio = ${ratio.toFixed(3)} (target <= 1.15)`));
  if (!okMs || !okRatio) process.exitCode = 1;
} finally {
  rmSync(join(cfg, '..'), { recursive: true, force: true });
}
