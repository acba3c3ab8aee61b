// Matrix, pitfall 1 on Docker Engine 29 with the containerd image store (what the store really does,
// observed first by hand and recorded in test/fixtures/matrix/README.md):
//  - remote builder, --load of one platform: BuildKit refuses index annotations (the export is a
//    single-manifest OCI tarball); with BUILDKIT_MULTI_PLATFORM=1 the store keeps an index that
//    carries them;
//  - docker driver (the daemon's own BuildKit), default load of one platform: buildx succeeds, the
//    daemon stores an index (inline provenance) but WITHOUT the index annotations — silently, on one
//    platform and on two; BUILDKIT_MULTI_PLATFORM=1 changes nothing;
//  - docker driver, --push: the pushed index carries them (BuildKit in dockerd pushes directly).
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, docker, fixture, getManifest, ref, requireStack, uniqueRepo } from '../e2e/helpers/stack.js';
import {
  begin,
  capture,
  ctdDriver,
  errorLine,
  matrix,
  matrixVersions,
  notices,
  ocifixBuild,
  ok,
  rawBuild,
  record,
  storedIndex,
  type MatrixStack,
} from './helpers.js';

const ERR = 'index annotations not supported for single platform export';
const ANNOTATION = 'index:org.example.ocifix=p1c';
/** What ocifix says where the store loses the index annotation (a docker-driver load). */
const NOT_KEPT =
  'ocifix: --annotation index:org.example.ocifix not kept in the daemon: the containerd image store keeps no index annotation of a docker-driver build (--push or a builder of another driver keeps them)';
const FORCED = 'ocifix: added --build-arg BUILDKIT_MULTI_PLATFORM=1: index annotations need an image index';
let m: MatrixStack;

describe.each(matrixVersions())('pitfall 1 on the containerd image store (Engine 29), buildx %s', (v) => {
  beforeAll(async () => {
    await requireStack();
    m = matrix();
  });

  it('remote builder, --load of one platform: raw fails; ocifix loads an index that keeps the annotation', async () => {
    const pitfall = '1 index annotation, --load, containerd store, remote builder';
    begin(pitfall, v);
    const env = { DOCKER_HOST: m.ctdHost };
    const rawTag = `ocifix-mx1c:raw-${v}-${Date.now()}`;
    const r = await rawBuild(v, ['--builder', 'single', '--annotation', ANNOTATION, '--load', '-t', rawTag, fixture('scratch')], { env });
    expect(r.exitCode, describeResult(r)).not.toBe(0);
    expect(errorLine(r)).toMatch(new RegExp(`${ERR}$`));
    const tag = `ocifix-mx1c:fix-${v}-${Date.now()}`;
    const o = await ocifixBuild(v, ['--builder', 'single', '--annotation', ANNOTATION, '--load', '-t', tag, fixture('scratch')], { env });
    ok(o);
    expect(notices(o), describeResult(o)).toEqual([FORCED]);
    const idx = await storedIndex(m.ctdHost, tag);
    expect(idx?.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(idx?.annotations).toEqual({ 'org.example.ocifix': 'p1c' });
    await docker(['image', 'rm', tag], { env });
    record({ pitfall, version: v, exists: true, raw: `fails: ${errorLine(r)}`, ocifix: 'loads an index carrying the annotation' });
  });

  it('docker driver, default load of one platform: the store drops index annotations, raw and through ocifix', async () => {
    const pitfall = '1 index annotation, load, containerd store, docker driver';
    begin(pitfall, v);
    const env = { DOCKER_HOST: m.ctdHost };
    const rawTag = `ocifix-mx1c:dd-raw-${v}-${Date.now()}`;
    const dd = ctdDriver();
    const r = await rawBuild(v, [...dd.builder, '--annotation', ANNOTATION, '-t', rawTag, fixture('scratch')], { globals: dd.globals });
    ok(r);
    const rawIdx = await storedIndex(m.ctdHost, rawTag);
    expect(rawIdx?.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(rawIdx?.annotations).toEqual({});
    capture(v, 'p1c-docker-driver-load-stored-index.json', `${JSON.stringify(rawIdx, null, 2)}\n`);
    const tag = `ocifix-mx1c:dd-fix-${v}-${Date.now()}`;
    const o = await ocifixBuild(v, [...dd.builder, '--annotation', ANNOTATION, '-t', tag, fixture('scratch')], { globals: dd.globals });
    ok(o);
    const n = notices(o);
    capture(v, 'p1c-docker-driver-load-ocifix-notices.txt', `${n.join('\n')}\n`);
    const idx = await storedIndex(m.ctdHost, tag);
    // buildx does not fail here (its default provenance makes the export an index), so ocifix
    // leaves the build alone; the store drops the annotation for raw buildx and ocifix alike, and
    // ocifix says so.
    expect(n).toEqual([NOT_KEPT]);
    expect(idx?.annotations).toEqual({});
    await docker(['image', 'rm', rawTag, tag], { env });
    record({
      pitfall,
      version: v,
      exists: true,
      raw: 'loads an index WITHOUT the annotation (silently)',
      ocifix: 'unchanged; the store drops the annotation as it does for raw buildx, and one notice says so',
    });
  });

  it('docker driver, --push of one platform: the pushed index carries the annotation; ocifix leaves the build alone', async () => {
    const pitfall = '1 index annotation, --push, containerd store, docker driver';
    begin(pitfall, v);
    const rawRepo = uniqueRepo(`mx1c-raw-${v}`);
    const dd = ctdDriver();
    const r = await rawBuild(v, [...dd.builder, '--annotation', ANNOTATION, '--push', '-t', ref(rawRepo), fixture('scratch')], { globals: dd.globals });
    ok(r);
    const rawIndex = await getManifest(rawRepo, 'v1');
    expect(rawIndex.body.annotations).toEqual({ 'org.example.ocifix': 'p1c' });
    const repo = uniqueRepo(`mx1c-fix-${v}`);
    const o = await ocifixBuild(v, [...dd.builder, '--annotation', ANNOTATION, '--push', '-t', ref(repo), fixture('scratch')], { globals: dd.globals });
    ok(o);
    expect(notices(o).filter((l) => /BUILDKIT_MULTI_PLATFORM|dropped/.test(l))).toEqual([]);
    expect((await getManifest(repo, 'v1')).body.annotations).toEqual({ 'org.example.ocifix': 'p1c' });
    record({ pitfall, version: v, exists: false, raw: 'pushed index carries the annotation', ocifix: 'no annotation change (tag check only)' });
  });

  it('docker driver, load of two platforms: the store keeps both platforms but not the index annotation; ocifix says so', async () => {
    const pitfall = '1 index annotation, 2 platforms, load, containerd store, docker driver';
    begin(pitfall, v);
    const env = { DOCKER_HOST: m.ctdHost };
    const dd = ctdDriver();
    const args = (tag: string) => [...dd.builder, '--platform', 'linux/amd64,linux/arm64', '--annotation', ANNOTATION, '-t', tag, fixture('scratch')];
    const rawTag = `ocifix-mx1c:dd2-raw-${v}-${Date.now()}`;
    const r = await rawBuild(v, args(rawTag), { globals: dd.globals });
    ok(r);
    const rawIdx = await storedIndex(m.ctdHost, rawTag);
    expect(rawIdx?.annotations).toEqual({});
    expect(rawIdx?.manifests).toBeGreaterThanOrEqual(2);
    const tag = `ocifix-mx1c:dd2-fix-${v}-${Date.now()}`;
    const o = await ocifixBuild(v, args(tag), { globals: dd.globals });
    ok(o);
    const n = notices(o);
    expect(n).toEqual([NOT_KEPT]);
    expect((await storedIndex(m.ctdHost, tag))?.annotations).toEqual({});
    await docker(['image', 'rm', rawTag, tag], { env });
    record({
      pitfall,
      version: v,
      exists: true,
      raw: 'loads both platforms; index annotation dropped silently',
      ocifix: 'unchanged; one notice: the store keeps no index annotation from this driver (raw or not)',
    });
  });
});
