// Matrix: the outputs ocifix reads back after a build, on every buildx version — the
// --metadata-file of a single-node and of a multi-node push (ocifix takes the pushed digest from
// containerimage.digest and rewrites containerimage.descriptor when it re-annotates), and the
// `docker buildx version` / `docker buildx inspect` texts its probes parse. Each real output is
// kept under build/matrix/captured/VERSION/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBuildxInspect, parseBuildxVersion } from '../../src/probe/probes.js';
import { fixture, getManifest, ref, requireStack, uniqueRepo, workDir } from '../e2e/helpers/stack.js';
import { begin, capture, matrixVersions, mxDocker, ok, rawBuild, record } from './helpers.js';

describe.each(matrixVersions())('what ocifix reads back, buildx %s', (v) => {
  beforeAll(async () => {
    await requireStack();
  });

  it('--metadata-file of a push names the pushed digest; probes parse version and builder', async () => {
    const pitfall = '0 metadata-file keys (single-node push | multi-node push)';
    begin(pitfall, v);
    const keys: string[] = [];
    for (const [builder, platforms] of [
      ['single', 'linux/amd64'],
      ['multi', 'linux/amd64,linux/arm64'],
    ] as const) {
      const repo = uniqueRepo(`mxs-${builder}-${v}`);
      const meta = join(workDir('mxs'), 'metadata.json');
      const r = await rawBuild(v, ['--builder', builder, '--platform', platforms, '--push', '-t', ref(repo), '--metadata-file', meta, fixture('scratch')]);
      ok(r);
      const text = readFileSync(meta, 'utf8');
      capture(v, `metadata-${builder}-push.json`, text);
      const m = JSON.parse(text) as Record<string, unknown>;
      expect(m['containerimage.digest']).toBe((await getManifest(repo, 'v1')).digest);
      keys.push(Object.keys(m).sort().join(', '));
    }
    const ver = await mxDocker(v, ['buildx', 'version']);
    ok(ver);
    capture(v, 'buildx-version.txt', ver.stdout);
    expect(parseBuildxVersion(ver.stdout)).toBe(v.slice(1));
    const insp = await mxDocker(v, ['buildx', 'inspect', 'multi']);
    ok(insp);
    capture(v, 'buildx-inspect-multi.txt', insp.stdout);
    const b = parseBuildxInspect(insp.stdout);
    expect(b?.driver).toBe('remote');
    expect(b?.nodes.map((n) => [n.name, n.configured])).toEqual([
      ['multi-amd64', ['linux/amd64']],
      ['multi-arm64', ['linux/arm64']],
    ]);
    record({ pitfall, version: v, exists: false, raw: keys.join(' | '), ocifix: 'reads containerimage.digest; version and inspect parsed' });
  });
});
