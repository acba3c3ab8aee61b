// Fix 3 on the real stack: the inputs of test/e2e/repro/oci-multiple-tags.test.ts. Through
// `docker ocifix build` the layout has one index.json entry, skopeo and crane read it without being
// told which, and what crane pushes is the very index buildx built (metadata-file digest).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { crane, describeResult, extractTar, fixture, getManifest, readLayoutIndex, ref, requireStack, skopeo, uniqueRepo, workDir } from '../helpers/stack.js';
import { notices, ocifixBuild } from '../build/helpers.js';

const TAGS = ['-t', 'ocifix-repro3:v1', '-t', 'ocifix-repro3:latest'];
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

describe('fix 3: type=oci with two tags', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it('directory layout: one entry (first tag); skopeo and crane read it; the pushed digest is the built one', async () => {
    const dir = workDir('f3-dir');
    const dest = join(dir, 'layout');
    const meta = join(dir, 'metadata.json');
    const r = await ocifixBuild([
      '--builder',
      'single',
      '--platform',
      'linux/amd64,linux/arm64',
      ...TAGS,
      '--metadata-file',
      meta,
      '-o',
      `type=oci,dest=${dest},tar=false`,
      fixture('scratch'),
    ]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(notices(r)).toEqual([`ocifix: normalized ${dest} for crane and skopeo: 2 index.json entries → 1 (docker.io/library/ocifix-repro3:v1)`]);
    const idx = await readLayoutIndex(dest);
    expect(idx.manifests).toHaveLength(1);
    expect(idx.manifests[0]!.mediaType).toBe(OCI_INDEX);
    expect(idx.manifests[0]!.annotations?.['org.opencontainers.image.ref.name']).toBe('v1');
    expect(idx.manifests[0]!.annotations?.['io.containerd.image.name']).toBe('docker.io/library/ocifix-repro3:v1');
    const built = (JSON.parse(readFileSync(meta, 'utf8')) as Record<string, string>)['containerimage.digest'];
    expect(idx.manifests[0]!.digest).toBe(built);

    const sk = await skopeo(['inspect', '--raw', `oci:${dest}`]);
    expect(sk.exitCode, describeResult(sk)).toBe(0);
    expect(JSON.parse(sk.stdout).mediaType).toBe(OCI_INDEX);

    const repo = uniqueRepo('f3-dir');
    const cr = await crane(['push', dest, ref(repo), '--insecure']);
    expect(cr.exitCode, describeResult(cr)).toBe(0);
    expect((await getManifest(repo, 'v1')).digest).toBe(built);

    const repo2 = uniqueRepo('f3-dir-skopeo');
    const cp = await skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${dest}`, `docker://${ref(repo2)}`]);
    expect(cp.exitCode, describeResult(cp)).toBe(0);
    expect((await getManifest(repo2, 'v1')).digest).toBe(built);
  });

  it('tarball, keeping the second tag: one entry; skopeo reads oci-archive:, crane pushes it', async () => {
    const dest = join(workDir('f3-tar'), 'out.tar');
    const r = await ocifixBuild([
      '--builder',
      'single',
      '--platform',
      'linux/amd64,linux/arm64',
      ...TAGS,
      '--ocifix-keep-tag=latest',
      '-o',
      `type=oci,dest=${dest}`,
      fixture('scratch'),
    ]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const idx = await readLayoutIndex(dest);
    expect(idx.manifests).toHaveLength(1);
    expect(idx.manifests[0]!.annotations?.['org.opencontainers.image.ref.name']).toBe('latest');

    const sk = await skopeo(['inspect', '--raw', `oci-archive:${dest}`]);
    expect(sk.exitCode, describeResult(sk)).toBe(0);
    const dir = await extractTar(dest);
    const repo = uniqueRepo('f3-tar');
    const cr = await crane(['push', dir, ref(repo), '--insecure']);
    expect(cr.exitCode, describeResult(cr)).toBe(0);
    expect((await getManifest(repo, 'v1')).digest).toBe(idx.manifests[0]!.digest);
  });

  it('buildx v0.15.1 directory layout (comma-joined ref name, no oci-layout file) is normalized too', async () => {
    const dest = join(workDir('f3-v015'), 'layout');
    const r = await ocifixBuild(
      ['--builder', 'single', '--platform', 'linux/amd64,linux/arm64', ...TAGS, '-o', `type=oci,dest=${dest},tar=false`, fixture('scratch')],
      { version: 'v0.15.1' },
    );
    expect(r.exitCode, describeResult(r)).toBe(0);
    const idx = await readLayoutIndex(dest);
    expect(idx.manifests).toHaveLength(1);
    expect(existsSync(join(dest, 'oci-layout'))).toBe(true);
    const sk = await skopeo(['inspect', '--raw', `oci:${dest}`]);
    expect(sk.exitCode, describeResult(sk)).toBe(0);
  });

  it('a multi-node builder cannot write type=oci: refused before running, nothing written', async () => {
    const dest = join(workDir('f3-multi'), 'out.tar');
    const r = await ocifixBuild(['--builder', 'multi', '--platform', 'linux/amd64,linux/arm64', ...TAGS, '-o', `type=oci,dest=${dest}`, fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain(
      'docker ocifix: builder "multi" would build linux/amd64 on multi-amd64, linux/arm64 on multi-arm64, and buildx cannot write --output type=oci from a multi-node build ("oci for multi-node builds currently not supported")',
    );
    expect(r.stderr).not.toContain('#1 ');
    expect(existsSync(dest)).toBe(false);
  });
});
