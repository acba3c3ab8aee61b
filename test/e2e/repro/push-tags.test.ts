// Pitfall 5: a tag that ends up on a platform manifest instead of the index (buildx issue #2959
// symptom). Reproduced at the registry level: push a 2-platform index, then re-push one child under
// the same tag. Reading the tag must show a manifest media type and the child digest.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildx, crane, describeResult, fixture, getManifest, putManifest, ref, requireStack, uniqueRepo } from '../helpers/stack.js';

async function pushIndex(repo: string) {
  const r = await buildx(['build', '--builder', 'single', '--platform', 'linux/amd64,linux/arm64', '--push', '-t', ref(repo), fixture('scratch')]);
  expect(r.exitCode, describeResult(r)).toBe(0);
  const index = await getManifest(repo, 'v1');
  expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
  const child = index.body.manifests?.find((d) => d.platform?.architecture === 'arm64');
  expect(child, JSON.stringify(index.body)).toBeDefined();
  return { index, child: child! };
}

describe('repro 5: tag moved onto a platform manifest', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it('crane copy REPO@child REPO:tag moves the tag; reading it shows the child manifest', async () => {
    const repo = uniqueRepo('r5-crane');
    const { index, child } = await pushIndex(repo);
    const cp = await crane(['copy', `${ref(repo).replace(/:v1$/, '')}@${child.digest}`, ref(repo), '--insecure']);
    expect(cp.exitCode, describeResult(cp)).toBe(0);
    const tagged = await getManifest(repo, 'v1');
    expect(tagged.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(tagged.digest).toBe(child.digest);
    expect(tagged.digest).not.toBe(index.digest);
    // the index itself is still there by digest
    expect((await getManifest(repo, index.digest)).mediaType).toBe('application/vnd.oci.image.index.v1+json');
  });

  it('a plain manifest PUT of the child under the tag does the same', async () => {
    const repo = uniqueRepo('r5-put');
    const { child } = await pushIndex(repo);
    const m = await getManifest(repo, child.digest);
    expect(await putManifest(repo, 'v1', m.raw, m.mediaType)).toBe(child.digest);
    const tagged = await getManifest(repo, 'v1');
    expect(tagged.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(tagged.digest).toBe(child.digest);
    const insp = await buildx(['imagetools', 'inspect', '--raw', ref(repo)]);
    expect(insp.exitCode, describeResult(insp)).toBe(0);
    expect(JSON.parse(insp.stdout).mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  });
});
