// Pitfall 2: a multi-node builder (`multi`: node A linux/amd64, node B linux/arm64) pushes one image
// per node and buildx merges them into an index. buildx <= v0.15 dropped `--annotation index:…` in
// that merge (buildx issue #2540, fixed by PR #2546 in v0.16.0). Raw buildx, no docker-ocifix.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BuildxVersion } from '../helpers/stack.js';
import { buildx, describeResult, fixture, getManifest, ref, requireStack, uniqueRepo, workDir } from '../helpers/stack.js';

const ANNOTATION = 'index:org.example.ocifix=repro2';

async function multiNodePush(version: BuildxVersion) {
  const repo = uniqueRepo(`r2-${version}`);
  const meta = join(workDir('r2-meta'), 'metadata.json');
  const r = await buildx(
    [
      'build',
      '--builder',
      'multi',
      '--platform',
      'linux/amd64,linux/arm64',
      '--annotation',
      ANNOTATION,
      '--push',
      '-t',
      ref(repo),
      '--metadata-file',
      meta,
      fixture('scratch'),
    ],
    { buildxVersion: version },
  );
  expect(r.exitCode, describeResult(r)).toBe(0);
  expect(r.stderr).toContain(`merging manifest list ${ref(repo)}`);
  const index = await getManifest(repo, 'v1');
  const metadata = JSON.parse(readFileSync(meta, 'utf8')) as Record<string, unknown>;
  return { repo, index, metadata };
}

describe('repro 2: index annotation through a multi-node merge (raw buildx)', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it('buildx v0.15.1: the merged index lacks the annotation', async () => {
    const { index, metadata } = await multiNodePush('v0.15.1');
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const platforms = (index.body.manifests ?? []).map((d) => `${d.platform?.os}/${d.platform?.architecture}`);
    expect(platforms).toEqual(expect.arrayContaining(['linux/amd64', 'linux/arm64']));
    expect(index.body.annotations?.['org.example.ocifix']).toBeUndefined();
    // after a multi-node merge the metadata file holds only the index digest
    expect(metadata).toEqual({ 'containerimage.digest': index.digest });
  });

  it('buildx v0.36.1: the merged index carries the annotation', async () => {
    const { index, metadata } = await multiNodePush('v0.36.1');
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.body.annotations).toEqual({ 'org.example.ocifix': 'repro2' });
    expect(metadata).toEqual({ 'containerimage.digest': index.digest });
  });
});
