// Matrix, pitfall 2: index annotations through a multi-node merge (builder `multi`: bk-a amd64 +
// bk-b arm64, --push). buildx < 0.16 drops them (issue #2540, PR #2546); from 0.16 they land.
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, getManifest, fixture, ref, requireStack, uniqueRepo } from '../e2e/helpers/stack.js';
import { before, begin, matrixVersions, notices, ocifixBuild, ok, rawBuild, record } from './helpers.js';

const ANNOTATION = 'index:org.example.ocifix=p2';
const args = (name: string) => ['--builder', 'multi', '--platform', 'linux/amd64,linux/arm64', '--annotation', ANNOTATION, '--push', '-t', name, fixture('scratch')];

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
    const n = notices(o);
    if (exists) {
      expect(n[0], describeResult(o)).toMatch(new RegExp(`^ocifix: buildx ${v.slice(1).replace(/\./g, '\\.')} drops index annotations when it merges a multi-node build`));
      expect(n.some((l) => /^ocifix: added index:org\.example\.ocifix=p2 to /.test(l)), describeResult(o)).toBe(true);
    } else {
      expect(n[0], describeResult(o)).toMatch(/^ocifix: builder "multi" merges a multi-node build: after the push ocifix reads the index back/);
      expect(n.some((l) => /^ocifix: added /.test(l)), describeResult(o)).toBe(false);
    }
    const index = await getManifest(repo, 'v1');
    expect(index.body.annotations).toEqual({ 'org.example.ocifix': 'p2' });
    const platforms = (index.body.manifests ?? []).map((d) => `${d.platform?.os}/${d.platform?.architecture}`);
    expect(platforms).toEqual(expect.arrayContaining(['linux/amd64', 'linux/arm64']));
    record({
      pitfall, version: v, exists,
      raw: exists ? 'pushed index lacks the annotation' : 'pushed index carries the annotation',
      ocifix: exists ? 'adds it after the push (imagetools create), reads it back' : 'unchanged build; reads the annotation back',
    });
  });
});
