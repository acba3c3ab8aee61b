// Fix 1 on the real stack: the inputs of test/e2e/repro/single-platform-index-annotation.test.ts
// (which fail with raw buildx) succeed through `docker ocifix build`, and the result really carries
// the index annotation: read from the layout, with skopeo and crane, and from the registry.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  crane,
  describeResult,
  docker,
  extractTar,
  fixture,
  getManifest,
  listTags,
  readLayoutIndex,
  readLayoutJson,
  ref,
  requireStack,
  skopeo,
  uniqueRepo,
  workDir,
} from '../helpers/stack.js';
import { notices, ocifixBuild } from '../build/helpers.js';

const ANNOTATION = 'index:org.example.ocifix=repro1';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

describe('fix 1: index annotation on a single-platform build', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it('type=oci tarball: an index with the annotation, read by skopeo and crane', async () => {
    const dest = join(workDir('f1-oci'), 'out.tar');
    const r = await ocifixBuild(['--builder', 'single', '--annotation', ANNOTATION, '-o', `type=oci,dest=${dest}`, fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(notices(r)).toEqual(['ocifix: added --build-arg BUILDKIT_MULTI_PLATFORM=1: index annotations need an image index']);
    const idx = await readLayoutIndex(dest);
    expect(idx.manifests).toHaveLength(1);
    expect(idx.manifests[0]!.mediaType).toBe(OCI_INDEX);

    const sk = await skopeo(['inspect', '--raw', `oci-archive:${dest}`]);
    expect(sk.exitCode, describeResult(sk)).toBe(0);
    const index = JSON.parse(sk.stdout) as {
      mediaType: string;
      annotations?: Record<string, string>;
      manifests: Array<{ platform?: { architecture: string } }>;
    };
    expect(index.mediaType).toBe(OCI_INDEX);
    expect(index.annotations).toEqual({ 'org.example.ocifix': 'repro1' });
    expect(index.manifests.filter((m) => m.platform?.architecture === 'amd64')).toHaveLength(1);

    // crane pushes the (extracted) layout without --index, and the registry serves the annotation
    const repo = uniqueRepo('f1-oci');
    const cr = await crane(['push', await extractTar(dest), ref(repo), '--insecure']);
    expect(cr.exitCode, describeResult(cr)).toBe(0);
    const m = await getManifest(repo, 'v1');
    expect(m.mediaType).toBe(OCI_INDEX);
    expect(m.body.annotations).toEqual({ 'org.example.ocifix': 'repro1' });
    expect(m.digest).toBe(idx.manifests[0]!.digest);
  });

  it('type=oci tarball with buildx v0.15.1: succeeds too (raw buildx leaves a 0-byte file)', async () => {
    const dest = join(workDir('f1-oci-v015'), 'out.tar');
    const r = await ocifixBuild(['--builder', 'single', '--annotation', ANNOTATION, '-o', `type=oci,dest=${dest}`, fixture('scratch')], { version: 'v0.15.1' });
    expect(r.exitCode, describeResult(r)).toBe(0);
    const sk = await skopeo(['inspect', '--raw', `oci-archive:${dest}`]);
    expect(sk.exitCode, describeResult(sk)).toBe(0);
    expect(JSON.parse(sk.stdout).annotations).toEqual({ 'org.example.ocifix': 'repro1' });
  });

  it('type=oci,tar=false: a directory layout with one entry; skopeo reads it without a reference', async () => {
    const dest = join(workDir('f1-ocidir'), 'layout');
    const r = await ocifixBuild(['--builder', 'single', '--annotation', ANNOTATION, '-o', `type=oci,dest=${dest},tar=false`, fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const idx = await readLayoutIndex(dest);
    expect(idx.manifests).toHaveLength(1);
    expect(readLayoutJson(dest, idx.manifests[0]!.digest).annotations).toEqual({ 'org.example.ocifix': 'repro1' });
    const sk = await skopeo(['inspect', '--raw', `oci:${dest}`]);
    expect(sk.exitCode, describeResult(sk)).toBe(0);
    expect(JSON.parse(sk.stdout).annotations).toEqual({ 'org.example.ocifix': 'repro1' });
  });

  it('--provenance=false --push: the tag is on an index carrying the annotation', async () => {
    const repo = uniqueRepo('f1-push');
    const r = await ocifixBuild(['--builder', 'single', '--annotation', ANNOTATION, '--provenance=false', '--push', '-t', ref(repo), fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(notices(r)).toHaveLength(1); // the build arg (the tag check found nothing to say)
    const m = await getManifest(repo, 'v1');
    expect(m.mediaType).toBe(OCI_INDEX);
    expect(m.body.annotations).toEqual({ 'org.example.ocifix': 'repro1' });
    const cr = await crane(['manifest', ref(repo), '--insecure']);
    expect(cr.exitCode, describeResult(cr)).toBe(0);
    expect(JSON.parse(cr.stdout).annotations).toEqual({ 'org.example.ocifix': 'repro1' });
  });

  it('--ocifix-index-annotations=manifest-only: builds a single manifest without the index annotation', async () => {
    const dest = join(workDir('f1-manifest-only'), 'out.tar');
    const r = await ocifixBuild([
      '--builder',
      'single',
      '--ocifix-index-annotations=manifest-only',
      '--annotation',
      'index,manifest:org.example.both=yes',
      '-o',
      `type=oci,dest=${dest}`,
      fixture('scratch'),
    ]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(notices(r)).toEqual(['ocifix: dropped --annotation index:org.example.both: one-manifest image (--ocifix-index-annotations=manifest-only)']);
    const sk = await skopeo(['inspect', '--raw', `oci-archive:${dest}`]);
    expect(sk.exitCode, describeResult(sk)).toBe(0);
    const manifest = JSON.parse(sk.stdout) as { mediaType: string; annotations?: Record<string, string> };
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.annotations).toEqual({ 'org.example.both': 'yes' });
  });

  it('--ocifix-index-annotations=fail: refused before running, nothing written or pushed', async () => {
    const dest = join(workDir('f1-fail'), 'out.tar');
    const r = await ocifixBuild([
      '--builder',
      'single',
      '--ocifix-index-annotations=fail',
      '--annotation',
      ANNOTATION,
      '-o',
      `type=oci,dest=${dest}`,
      fixture('scratch'),
    ]);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain('docker ocifix: index annotations (--annotation index:org.example.ocifix) on a single-platform export');
    expect(r.stderr).not.toContain('#1 '); // buildx never ran
    expect(existsSync(dest)).toBe(false);
    const repo = uniqueRepo('f1-fail');
    const p = await ocifixBuild([
      '--builder',
      'single',
      '--ocifix-index-annotations=fail',
      '--annotation',
      ANNOTATION,
      '--provenance=false',
      '--push',
      '-t',
      ref(repo),
      fixture('scratch'),
    ]);
    expect(p.exitCode, describeResult(p)).toBe(1);
    expect(await listTags(repo)).toEqual([]);
  });

  it('docker driver on the classic image store: the index annotation is dropped with a notice, the image is loaded', async () => {
    const tag = `ocifix-f1-dockerd:${Date.now()}`;
    const r = await ocifixBuild([
      '--builder',
      'dockerd',
      '--annotation',
      ANNOTATION,
      '--annotation',
      'manifest:org.example.m=1',
      '-t',
      tag,
      fixture('scratch'),
    ]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    // buildx fails here with "index annotations not supported for single platform export" (repro 1)
    expect(notices(r)).toEqual(['ocifix: dropped --annotation index:org.example.ocifix: the classic image store holds no image index']);
    const ls = await docker(['image', 'inspect', '--format', '{{.Id}}', tag]);
    expect(ls.exitCode, describeResult(ls)).toBe(0);
    await docker(['image', 'rm', tag]);
  });
});
