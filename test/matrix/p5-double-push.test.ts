// Matrix, pitfall 5: the docker driver on the containerd image store with --push. Before buildx
// 0.22 (PR #3023, driver feature DirectPush) buildx pushed every name a second time "with docker"
// after BuildKit inside dockerd had already pushed; with Docker Engine < 28.2 that second push could
// leave the tag on a platform manifest (buildx #2959, moby #49949). Engine 29 has the moby fix, so the
// tag ends on the index either way; ocifix checks every tag against the pushed digest.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, fixture, getManifest, ref, requireStack, uniqueRepo, workDir } from '../e2e/helpers/stack.js';
import { before, begin, capture, ctdDriver, matrix, matrixVersions, notices, ocifixBuild, ok, rawBuild, record, type MatrixStack } from './helpers.js';

const PLATFORMS = ['--platform', 'linux/amd64,linux/arm64'];
let m: MatrixStack;

describe.each(matrixVersions())('pitfall 5 (docker driver + containerd store, --push), buildx %s', (v) => {
  beforeAll(async () => {
    await requireStack();
    m = matrix();
  });

  it('raw pushes twice before 0.22; the tag ends on the index; ocifix verifies it', async () => {
    const pitfall = '5 --push, docker driver, containerd store';
    begin(pitfall, v);
    const twice = before(v, '0.22.0');
    const rawRepo = uniqueRepo(`mx5-raw-${v}`);
    const dd = ctdDriver();
    const r = await rawBuild(v, [...dd.builder, ...PLATFORMS, '--push', '-t', ref(rawRepo), fixture('scratch')], { globals: dd.globals });
    ok(r);
    capture(
      v,
      'p5-docker-driver-push.pushing-lines.txt',
      `${r.stderr
        .split('\n')
        .filter((l) => /pushing|exporting manifest list/.test(l))
        .map((l) => l.replace(/^#\d+ /, '').replace(/ [\d.]+s( done)?$/, ''))
        .join('\n')}\n`,
    );
    expect(/pushing .* with docker/.test(r.stderr), describeResult(r)).toBe(twice);
    const rawTag = await getManifest(rawRepo, 'v1');
    expect(rawTag.mediaType).toBe('application/vnd.oci.image.index.v1+json');

    const repo = uniqueRepo(`mx5-fix-${v}`);
    const meta = join(workDir('mx5'), 'metadata.json');
    const o = await ocifixBuild(
      v,
      [...dd.builder, ...PLATFORMS, '--push', '-t', ref(repo), '-t', ref(repo, 'latest'), '--metadata-file', meta, fixture('scratch')],
      { globals: dd.globals },
    );
    ok(o);
    // the outcome: both tags on the index buildx reports as pushed (the user's --metadata-file, which
    // the tag check reads); the check is silent, as no tag had to be re-pointed on Engine 29
    const pushed = (JSON.parse(readFileSync(meta, 'utf8')) as Record<string, unknown>)['containerimage.digest'];
    const index = await getManifest(repo, 'v1');
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.digest).toBe(pushed);
    expect((await getManifest(repo, 'latest')).digest).toBe(index.digest);
    expect(notices(o), describeResult(o)).toEqual([]);
    record({
      pitfall,
      version: v,
      exists: twice,
      raw: `${twice ? 'pushes twice (BuildKit, then "with docker")' : 'pushes once'}; tag on the index (Engine ${m.ctdVersion.split('-')[0]})`,
      ocifix: 'both tags on the pushed index (--metadata-file digest); no re-point, no notice',
    });
  });
});
