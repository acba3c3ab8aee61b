// Bake benchmark: `docker ocifix bake` vs `docker buildx bake` with the same flags, a fully cached
// two-target bake on the test stack's `single` builder, run alternately. ocifix's overhead includes
// its `bake --print` (the definition is resolved before anything runs). Two cases: no pitfall (the
// bake runs unchanged after the print) and one target with a fix (an index annotation on a
// one-platform OCI layout: an args override and a normalize step). Target: median overhead of the
// no-pitfall case <= 150 ms (one buildx start more than a build). Needs `make binary` and
// `scripts/test-env up`.
//   BENCH_RUNS=20 node scripts/bench/bake.mjs
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, line, stackWithPlugin, verdict } from './lib.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 20);
const { root, dir, env } = stackWithPlugin('ocifix-bench-bake-');
try {
  cpSync(join(root, 'test/fixtures/scratch'), join(dir, 'ctx'), { recursive: true });
  writeFileSync(
    join(dir, 'docker-bake.hcl'),
    [
      'group "default" { targets = ["a", "b"] }',
      'target "a" {\n  context = "ctx"\n  args = { WHICH = "a" }\n}',
      'target "b" {\n  context = "ctx"\n  args = { WHICH = "b" }\n}',
      'target "fixed" {\n  context = "ctx"\n  annotations = ["index:org.example.bench=1"]\n  tags = ["bench:1", "bench:2"]\n  output = ["type=oci,dest=out/layout,tar=false"]\n}',
      '',
    ].join('\n'),
  );
  const options = { env, cwd: dir };
  const flags = ['bake', '--builder', 'single'];

  const [raw, ocifix] = alternate(
    [
      { file: 'docker', args: ['buildx', ...flags], options },
      { file: 'docker', args: ['ocifix', ...flags], options },
    ],
    runs,
  );
  const overhead = ocifix.median - raw.median;
  console.log(`cached two-target bake on builder "single", no pitfall (${flags.join(' ')})`);
  console.log(line('docker buildx bake', raw));
  console.log(line('docker ocifix bake (same flags)', ocifix));
  const ok = overhead <= 150;
  console.log(verdict(ok, `median overhead = ${overhead.toFixed(1)} ms, ratio ${(ocifix.median / raw.median).toFixed(3)} (target <= 150 ms)`));

  // with a fix: raw buildx fails on this target, so ocifix is compared with the bake it runs
  const fixedRaw = ['bake', '--builder', 'single', '--set', 'fixed.args.BUILDKIT_MULTI_PLATFORM=1', 'fixed'];
  const [rawFixed, ocifixFixed] = alternate(
    [
      { file: 'docker', args: ['buildx', ...fixedRaw], options },
      { file: 'docker', args: ['ocifix', 'bake', '--builder', 'single', 'fixed'], options },
    ],
    runs,
  );
  console.log('cached one-target bake with a fix (index annotation on a one-platform OCI layout with two tags)');
  console.log(line('docker buildx bake (the fixed command, no normalize)', rawFixed));
  console.log(line('docker ocifix bake (print, bake, normalize)', ocifixFixed));
  console.log(`  overhead ${(ocifixFixed.median - rawFixed.median).toFixed(1)} ms (informational)`);
  if (!ok) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
