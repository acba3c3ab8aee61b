// Matrix, pitfall 2: index annotations through a multi-node merge (builder `multi`: bk-a amd64 +
// bk-b arm64, --push). buildx < 0.16 drops them (issue #2540, PR #2546); from 0.16 they land.
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, getManifest, fixture, ref, requireStack, uniqueRepo } from '../e2e/helpers/stack.js';
import { before, begin, matrixVersions, notices, ocifixBuild, ok, rawBuild, record } from './helpers.js';

const ANNOTATION = 'index:org.example.ocifix=p2';
const args = (name: string) => [
  '--builder',
  'multi',
  '--platform',
  'linux/amd64,linux/arm64',
  '--annotation',
  ANNOTATION,
  '--push',
  '-t',
  name,
  fixture('scratch'),
];

describe.each(matrixVersions())('pitfall 2 (multi-node merge), buildx %s', (v) => {
  beforeAll(async () => {
    await requireStack();
  });

  it('raw loses the index annotation before 0.16; ocifix adds it there and only reads it back from 0.16', async () => {
    const pitfall = '2 index annotation, multi-node push';
    begin(pitfall, v);
    const exists = before(v, '0.16.0');
    const rawRepo = uniqueRepo(`mx2-raw-${v}`);
    const r = await rawBuild(v, args(ref(rawRepo)));
    ok(r);
    expect(r.stderr).toContain(`merging manifest list ${ref(rawRepo)}`);
    const rawIndex = await getManifest(rawRepo, 'v1');
    expect(rawIndex.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    if (exists) expect(rawIndex.body.annotations?.['org.example.ocifix']).toBeUndefined();
    else expect(rawIndex.body.annotations).toEqual({ 'org.example.ocifix': 'p2' });

    const repo = uniqueRepo(`mx2-fix-${v}`);
    const o = await ocifixBuild(v, args(ref(repo)));
    ok(o);
    const index = await getManifest(repo, 'v1');
    expect(index.body.annotations).toEqual({ 'org.example.ocifix': 'p2' });
    // one line after the push where ocifix re-annotated (naming the index the tag is on now);
    // nothing from 0.16 on, where it only reads the annotation back
    if (exists)
      expect(notices(o), describeResult(o)).toEqual([
        `ocifix: added 1 annotation lost in buildx ${v.slice(1)}'s multi-node merge: index ${index.digest.slice(0, 'sha256:'.length + 12)}`,
      ]);
    else expect(notices(o), describeResult(o)).toEqual([]);
    const platforms = (index.body.manifests ?? []).map((d) => `${d.platform?.os}/${d.platform?.architecture}`);
    expect(platforms).toEqual(expect.arrayContaining(['linux/amd64', 'linux/arm64']));
    record({
      pitfall,
      version: v,
      exists,
      raw: exists ? 'pushed index lacks the annotation' : 'pushed index carries the annotation',
      ocifix: exists ? 'adds it after the push (imagetools create), reads it back' : 'unchanged build; reads the annotation back',
    });
  });
});
