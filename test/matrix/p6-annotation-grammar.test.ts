// Matrix, fix 6: a multi-type annotation prefix (`index,manifest:k=v`). buildx < 0.16 does not split
// it: the whole `index,manifest:k` becomes a manifest annotation key (PR #2522); from 0.16 each type
// gets it. ocifix splits it into one flag per type before 0.16 and leaves it alone from 0.16.
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, getManifest, fixture, ref, requireStack, uniqueRepo } from '../e2e/helpers/stack.js';
import { before, begin, matrixVersions, notices, ocifixBuild, ok, rawBuild, record } from './helpers.js';

const args = (name: string) => [
  '--builder',
  'single',
  '--platform',
  'linux/amd64,linux/arm64',
  '--annotation',
  'index,manifest:org.example.both=p6',
  '--push',
  '-t',
  name,
  fixture('scratch'),
];

async function annotations(repo: string) {
  const index = await getManifest(repo, 'v1');
  const amd = index.body.manifests!.find((d) => d.platform?.architecture === 'amd64')!;
  const child = await getManifest(repo, amd.digest);
  return { index: index.body.annotations ?? {}, manifest: child.body.annotations ?? {} };
}

describe.each(matrixVersions())('fix 6 (multi-type annotation prefix), buildx %s', (v) => {
  beforeAll(async () => {
    await requireStack();
  });

  it('raw applies `index,manifest:` as part of a manifest key before 0.16; ocifix splits it there only', async () => {
    const pitfall = '6 annotation index,manifest:k=v';
    begin(pitfall, v);
    const exists = before(v, '0.16.0');
    const rawRepo = uniqueRepo(`mx6-raw-${v}`);
    const r = await rawBuild(v, args(ref(rawRepo)));
    ok(r);
    const raw = await annotations(rawRepo);
    if (exists) {
      expect(raw.index['org.example.both']).toBeUndefined();
      expect(raw.manifest['index,manifest:org.example.both']).toBe('p6');
    } else {
      expect(raw.index['org.example.both']).toBe('p6');
      expect(raw.manifest['org.example.both']).toBe('p6');
    }

    const repo = uniqueRepo(`mx6-fix-${v}`);
    const o = await ocifixBuild(v, args(ref(repo)));
    ok(o);
    expect(notices(o), describeResult(o)).toEqual(
      exists ? [`ocifix: split --annotation index,manifest:org.example.both=p6 into one flag per type (buildx ${v.slice(1)} predates 0.16)`] : [],
    );
    const fixed = await annotations(repo);
    expect(fixed.index['org.example.both']).toBe('p6');
    expect(fixed.manifest['org.example.both']).toBe('p6');
    expect(fixed.manifest['index,manifest:org.example.both']).toBeUndefined();
    record({
      pitfall,
      version: v,
      exists,
      raw: exists ? 'manifest key "index,manifest:org.example.both"; index unannotated' : 'index and manifests annotated',
      ocifix: exists ? 'one flag per type: index and manifests annotated' : 'unchanged (no rewrite)',
    });
  });
});
