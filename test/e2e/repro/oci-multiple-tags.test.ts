// Pitfall 3: `--output type=oci` with two `-t` writes one index.json entry per tag (buildx >= v0.20,
// by the OCI spec); skopeo and crane then refuse the layout unless told which entry to use
// (moby/buildkit#5589 in BuildKit 0.19, vendored by buildx 0.20; docker/buildx#2952). Raw buildx, no docker-ocifix.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OciIndexJson } from '../helpers/stack.js';
import { buildx, crane, describeResult, extractTar, fixture, readLayoutIndex, ref, requireStack, skopeo, uniqueRepo, workDir } from '../helpers/stack.js';

const TAGS = ['-t', 'ocifix-repro3:v1', '-t', 'ocifix-repro3:latest'];

function expectTwoEntries(idx: OciIndexJson): void {
  expect(idx.manifests).toHaveLength(2);
  const [a, b] = idx.manifests;
  expect(a!.digest).toBe(b!.digest);
  expect(a!.mediaType).toBe('application/vnd.oci.image.index.v1+json');
  expect(idx.manifests.map((d) => d.annotations?.['org.opencontainers.image.ref.name'])).toEqual(['v1', 'latest']);
  expect(idx.manifests.map((d) => d.annotations?.['io.containerd.image.name'])).toEqual([
    'docker.io/library/ocifix-repro3:v1',
    'docker.io/library/ocifix-repro3:latest',
  ]);
}

describe('repro 3: type=oci with two tags (raw buildx)', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it('directory layout (tar=false): two index.json entries; skopeo and crane refuse it', async () => {
    const dest = join(workDir('r3-dir'), 'layout');
    const r = await buildx([
      'build',
      '--builder',
      'single',
      '--platform',
      'linux/amd64,linux/arm64',
      ...TAGS,
      '-o',
      `type=oci,dest=${dest},tar=false`,
      fixture('scratch'),
    ]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expectTwoEntries(await readLayoutIndex(dest));

    const sk = await skopeo(['inspect', '--raw', `oci:${dest}`]);
    expect(sk.exitCode).not.toBe(0);
    expect(sk.stderr).toContain(`Error parsing image name \\"oci:${dest}\\": more than one image in oci, choose an image`);

    const repo = uniqueRepo('r3-dir');
    const cr = await crane(['push', dest, ref(repo), '--insecure']);
    expect(cr.exitCode).not.toBe(0);
    expect(cr.stderr).toContain('Error: layout contains 2 entries, consider --index');

    // workaround that works: name the entry
    const ok = await skopeo(['inspect', '--raw', `oci:${dest}:v1`]);
    expect(ok.exitCode, describeResult(ok)).toBe(0);
    expect(JSON.parse(ok.stdout).mediaType).toBe('application/vnd.oci.image.index.v1+json');
  });

  it('tarball: two index.json entries; skopeo (oci-archive:) and crane (extracted layout) refuse it', async () => {
    const dest = join(workDir('r3-tar'), 'out.tar');
    const r = await buildx([
      'build',
      '--builder',
      'single',
      '--platform',
      'linux/amd64,linux/arm64',
      ...TAGS,
      '-o',
      `type=oci,dest=${dest}`,
      fixture('scratch'),
    ]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expectTwoEntries(await readLayoutIndex(dest));

    const sk = await skopeo(['inspect', '--raw', `oci-archive:${dest}`]);
    expect(sk.exitCode).not.toBe(0);
    expect(sk.stderr).toContain('more than one image in oci, choose an image');

    // crane reads layouts only as directories (`crane push x.tar` treats it as a docker tarball)
    const dir = await extractTar(dest);
    const cr = await crane(['push', dir, ref(uniqueRepo('r3-tar')), '--insecure']);
    expect(cr.exitCode).not.toBe(0);
    expect(cr.stderr).toContain('Error: layout contains 2 entries, consider --index');
  });
});
