// Build benchmark: `docker ocifix build` vs `docker buildx build` with the same flags, a
// small fully cached build on the test stack's `single` builder (remote driver, buildkitd on a unix
// socket), run alternately so machine drift hits both equally. Targets: median overhead <= 100 ms
// and <= 1.15x. Needs `make binary` and `scripts/test-env up`.
//   BENCH_RUNS=30 node scripts/bench/build.mjs
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, line, stackWithPlugin, verdict } from './lib.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 30);
const { root, dir, env } = stackWithPlugin('ocifix-bench-build-');
try {
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
  rmSync(dir, { recursive: true, force: true });
}
