// Pitfall 1: `--annotation index:k=v` on a single-platform build. BuildKit's image writer refuses
// index annotations when the result is a single manifest (BuildKit exporter/containerimage; docker/buildx#2591).
// Raw buildx, no docker-ocifix involved.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildx,
  describeResult,
  fixture,
  getManifest,
  listTags,
  readLayoutIndex,
  readLayoutJson,
  ref,
  requireStack,
  uniqueRepo,
  workDir,
} from '../helpers/stack.js';

const ERR = 'index annotations not supported for single platform export';
const ANNOTATION = 'index:org.example.ocifix=repro1';

describe('repro 1: index annotation on a single-platform build (raw buildx)', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it('type=oci tarball fails; buildx v0.36.1 leaves no destination file', async () => {
    const dest = join(workDir('r1-oci'), 'out.tar');
    const r = await buildx(['build', '--builder', 'single', '--annotation', ANNOTATION, '-o', `type=oci,dest=${dest}`, fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).not.toBe(0);
    expect(r.stderr).toContain(`ERROR: failed to build: failed to solve: ${ERR}`);
    // v0.36.1 removes the half-written destination (buildx <= 0.15 leaves it, see below)
    expect(existsSync(dest)).toBe(false);
  });

  it('type=oci tarball fails; buildx v0.15.1 leaves a 0-byte destination file', async () => {
    const dest = join(workDir('r1-oci-v015'), 'out.tar');
    const r = await buildx(['build', '--builder', 'single', '--annotation', ANNOTATION, '-o', `type=oci,dest=${dest}`, fixture('scratch')], {
      buildxVersion: 'v0.15.1',
    });
    expect(r.exitCode, describeResult(r)).not.toBe(0);
    expect(r.stderr).toContain(`ERROR: failed to solve: ${ERR}`);
    expect(existsSync(dest)).toBe(true);
    expect(statSync(dest).size).toBe(0);
  });

  it('type=oci,tar=false fails and leaves an empty directory', async () => {
    const dest = join(workDir('r1-ocidir'), 'layout');
    const r = await buildx(['build', '--builder', 'single', '--annotation', ANNOTATION, '-o', `type=oci,dest=${dest},tar=false`, fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).not.toBe(0);
    expect(r.stderr).toContain(ERR);
    expect(existsSync(join(dest, 'index.json'))).toBe(false);
    expect(existsSync(dest) ? readdirSync(dest) : []).toEqual([]);
  });

  it('--provenance=false --push fails and pushes nothing', async () => {
    const repo = uniqueRepo('r1-push');
    const r = await buildx(['build', '--builder', 'single', '--annotation', ANNOTATION, '--provenance=false', '--push', '-t', ref(repo), fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).not.toBe(0);
    expect(r.stderr).toContain(`ERROR: failed to build: failed to solve: ${ERR}`);
    expect(await listTags(repo)).toEqual([]);
  });

  it('the docker driver on a classic-store daemon fails the same way (it cannot store an index at all)', async () => {
    const r = await buildx(['build', '--builder', 'dockerd', '--annotation', ANNOTATION, '-t', `ocifix-r1:dd-${Date.now()}`, fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).not.toBe(0);
    expect(r.stderr).toContain(ERR);
    // nor can BUILDKIT_MULTI_PLATFORM help there: the classic store holds no image index
    const mp = await buildx([
      'build',
      '--builder',
      'dockerd',
      '--annotation',
      ANNOTATION,
      '--build-arg',
      'BUILDKIT_MULTI_PLATFORM=1',
      '-t',
      `ocifix-r1:dd-mp-${Date.now()}`,
      fixture('scratch'),
    ]);
    expect(mp.exitCode, describeResult(mp)).not.toBe(0);
  });

  // Controls: what makes the same annotation work with raw buildx (the fixes docker-ocifix can apply).
  it('control: --push with default provenance yields an index that carries the annotation', async () => {
    const repo = uniqueRepo('r1-push-prov');
    const r = await buildx(['build', '--builder', 'single', '--annotation', ANNOTATION, '--push', '-t', ref(repo), fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const m = await getManifest(repo, 'v1');
    expect(m.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(m.body.annotations).toEqual({ 'org.example.ocifix': 'repro1' });
  });

  it('control: type=oci with --build-arg BUILDKIT_MULTI_PLATFORM=1 succeeds with the annotation on the index', async () => {
    const dest = join(workDir('r1-oci-mp'), 'layout');
    const r = await buildx([
      'build',
      '--builder',
      'single',
      '--annotation',
      ANNOTATION,
      '--build-arg',
      'BUILDKIT_MULTI_PLATFORM=1',
      '-o',
      `type=oci,dest=${dest},tar=false`,
      fixture('scratch'),
    ]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const idx = await readLayoutIndex(dest);
    expect(idx.manifests).toHaveLength(1);
    expect(idx.manifests[0]!.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const index = readLayoutJson(dest, idx.manifests[0]!.digest);
    expect(index.annotations).toEqual({ 'org.example.ocifix': 'repro1' });
    expect(index.manifests?.filter((d) => d.platform?.architecture === 'amd64')).toHaveLength(1);
  });
});
