// Matrix, pitfall 1: `--annotation index:…` on a single-platform export, on every buildx version.
// BuildKit refuses it for a single-manifest OCI export on every version; the docker driver on the
// classic store drops it silently before buildx 0.28 and refuses it from 0.28 on (buildx PR #3384).
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, docker, fixture, readLayoutIndex, readLayoutJson, requireStack, workDir } from '../e2e/helpers/stack.js';
import { before, begin, capture, errorLine, matrix, matrixVersions, notices, ocifixBuild, ok, rawBuild, record, type MatrixStack } from './helpers.js';

const ERR = 'index annotations not supported for single platform export';
const ANNOTATION = 'index:org.example.ocifix=p1';
let m: MatrixStack;

describe.each(matrixVersions())('pitfall 1 (index annotation, one platform), buildx %s', (v) => {
  beforeAll(async () => {
    await requireStack();
    m = matrix();
  });

  it('type=oci directory: raw fails; ocifix forces an index that carries the annotation', async () => {
    const pitfall = '1 index annotation, 1 platform, type=oci';
    begin(pitfall, v);
    const rawDest = join(workDir('mx1-raw'), 'layout');
    const r = await rawBuild(v, ['--builder', 'single', '--annotation', ANNOTATION, '-o', `type=oci,dest=${rawDest},tar=false`, fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).not.toBe(0);
    expect(errorLine(r)).toMatch(new RegExp(`^(failed to build: )?failed to solve: ${ERR}$`));
    capture(v, 'p1-oci-single-platform.stderr-error.txt', `${errorLine(r)}\n`);

    const dest = join(workDir('mx1-fix'), 'layout');
    const o = await ocifixBuild(v, ['--builder', 'single', '--annotation', ANNOTATION, '-o', `type=oci,dest=${dest},tar=false`, fixture('scratch')]);
    ok(o);
    expect(notices(o), describeResult(o)).toEqual(['ocifix: added --build-arg BUILDKIT_MULTI_PLATFORM=1: index annotations need an image index']);
    const idx = await readLayoutIndex(dest);
    expect(idx.manifests).toHaveLength(1);
    expect(idx.manifests[0]!.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(readLayoutJson(dest, idx.manifests[0]!.digest).annotations).toEqual({ 'org.example.ocifix': 'p1' });
    record({ pitfall, version: v, exists: true, raw: `fails: ${errorLine(r)}`, ocifix: 'index with the annotation (BUILDKIT_MULTI_PLATFORM=1)' });
  });

  it('docker driver, classic image store: raw drops it silently (< 0.28) or fails (>= 0.28); ocifix drops it with a notice', async () => {
    const pitfall = '1 index annotation, docker driver, classic store';
    begin(pitfall, v);
    const env = { DOCKER_HOST: undefined };
    const tag = `ocifix-mx1:raw-${v}-${Date.now()}`;
    const r = await rawBuild(v, ['--builder', 'dockerd', '--annotation', ANNOTATION, '-t', tag, fixture('scratch')], { env });
    const refuses = !before(v, '0.28.0');
    capture(v, 'p1-docker-driver-classic.txt', `exit ${r.exitCode}\n${errorLine(r)}\n`);
    let raw: string;
    if (refuses) {
      expect(r.exitCode, describeResult(r)).not.toBe(0);
      expect(errorLine(r)).toMatch(new RegExp(`${ERR}$`));
      raw = `fails: ${errorLine(r)}`;
    } else {
      ok(r);
      const insp = await docker(['image', 'inspect', '--format', '{{.Id}}', tag], { env: { DOCKER_HOST: m.classicHost } });
      expect(insp.exitCode, describeResult(insp)).toBe(0);
      raw = 'loads; the index annotation is silently dropped';
    }

    const tag2 = `ocifix-mx1:fix-${v}-${Date.now()}`;
    const o = await ocifixBuild(v, ['--builder', 'dockerd', '--annotation', ANNOTATION, '-t', tag2, fixture('scratch')], { env });
    ok(o);
    expect(notices(o), describeResult(o)).toEqual(['ocifix: dropped --annotation index:org.example.ocifix: the classic image store holds no image index']);
    const insp = await docker(['image', 'inspect', '--format', '{{.Id}}', tag2], { env: { DOCKER_HOST: m.classicHost } });
    expect(insp.exitCode, describeResult(insp)).toBe(0);
    await docker(['image', 'rm', tag, tag2], { env: { DOCKER_HOST: m.classicHost } });
    record({ pitfall, version: v, exists: true, raw, ocifix: 'loads; drops the index annotation with a notice' });
  });
});
