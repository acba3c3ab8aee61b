// docker ocifix retag on the real stack: targets end on exactly the source digest (byte-identical).
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, getManifest, listTags, ref, requireStack, stack, tryGetManifest, uniqueRepo } from '../helpers/stack.js';
import { childOf, dockerWrapper, ocifix, ocifixVia, pushIndex } from './support.js';

describe('docker ocifix retag', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it('two targets (one in another repository) end on the source index digest, byte for byte', async () => {
    const repo = uniqueRepo('retag');
    const other = uniqueRepo('retag-other');
    const src = await pushIndex(ref(repo, 'rc1'));
    // an annotated index: a rebuild would lose these, a carbon copy keeps them
    let r = await ocifix(['annotate', ref(repo, 'rc1'), '--annotation', 'index:org.example.keep=1']);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const annotated = await getManifest(repo, 'rc1');
    expect(annotated.digest).not.toBe(src.digest);

    r = await ocifix(['retag', ref(repo, 'rc1'), ref(repo, 'v1'), ref(other, 'stable')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(r.stdout).toContain(`${ref(repo, 'v1')}@${annotated.digest}`);
    for (const [rp, tag] of [
      [repo, 'v1'],
      [other, 'stable'],
    ] as const) {
      const m = await getManifest(rp, tag);
      expect(m.digest).toBe(annotated.digest);
      expect(m.raw.equals(annotated.raw)).toBe(true);
    }
    // children were copied to the other repository
    for (const d of annotated.body.manifests!) expect(await tryGetManifest(other, d.digest), d.digest).not.toBeNull();

    // again: nothing to write
    r = await ocifix(['retag', ref(repo, 'rc1'), ref(repo, 'v1'), ref(other, 'stable')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(r.stderr).toContain('already at');
  });

  it('SOURCE by @sha256: digest', async () => {
    const repo = uniqueRepo('retag-digest');
    const src = await pushIndex(ref(repo));
    const bare = ref(repo).replace(/:v1$/, '');
    const r = await ocifix(['retag', `${bare}@${src.digest}`, ref(repo, 'pinned')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect((await getManifest(repo, 'pinned')).digest).toBe(src.digest);
  });

  it('a platform manifest source is refused unless --allow-manifest (then copied as it is, not wrapped)', async () => {
    const repo = uniqueRepo('retag-manifest');
    const idx = await pushIndex(ref(repo));
    const child = childOf(idx, 'arm64');
    const bare = ref(repo).replace(/:v1$/, '');
    let r = await ocifix(['retag', `${bare}@${child}`, ref(repo, 'arm')]);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain('--allow-manifest');
    expect(await listTags(repo)).toEqual(['v1']);
    r = await ocifix(['retag', '--allow-manifest', `${bare}@${child}`, ref(repo, 'arm')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const m = await getManifest(repo, 'arm');
    expect(m.digest).toBe(child);
    expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  });

  it('--dry-run writes nothing and prints the carbon-copy command', async () => {
    const repo = uniqueRepo('retag-dry');
    const src = await pushIndex(ref(repo));
    const r = await ocifix(['retag', ref(repo), ref(repo, 'x'), '--dry-run']);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(r.stdout).toContain(`docker buildx imagetools create --progress plain -t ${ref(repo, 'x')} ${ref(repo).replace(/:v1$/, '')}@${src.digest}`);
    expect(await listTags(repo)).toEqual(['v1']);
  });

  it('compare-and-swap on the target: a target that moved after planning is not overwritten', async () => {
    const repo = uniqueRepo('retag-cas');
    const a = await pushIndex(ref(repo, 'a'));
    const child = childOf(a, 'amd64');
    const bare = ref(repo).replace(/:v1$/, '');
    const w = dockerWrapper(`${stack().crane} copy --insecure ${bare}@${child} ${ref(repo, 'target')}`);
    const r = await ocifixVia(w.path, ['retag', ref(repo, 'a'), ref(repo, 'target')]);
    expect(w.fired()).toBe(true);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain(`${ref(repo, 'target')} was (absent) when planned, is now ${child}`);
    expect((await getManifest(repo, 'target')).digest).toBe(child);
  });

  it("bad input: malformed references exit 125 with buildx's message", async () => {
    const repo = uniqueRepo('retag-bad');
    await pushIndex(ref(repo));
    for (const [args, msg] of [
      [['retag', 'x/UPPER:1', ref(repo, 'y')], 'invalid reference format: repository name (x/UPPER) must be lowercase'],
      [['retag', ref(repo), `${stack().registry}/${repo}:bad tag`], 'invalid reference format'],
      [['retag', ref(repo), `${ref(repo).replace(/:v1$/, '')}@sha256:1234`], 'invalid reference format'],
    ] as Array<[string[], string]>) {
      const r = await ocifix(args);
      expect(r.exitCode, describeResult(r)).toBe(125);
      expect(r.stderr).toContain(msg);
    }
    const r = await ocifix(['retag', ref(repo)]);
    expect(r.exitCode, describeResult(r)).toBe(125);
    expect(await listTags(repo)).toEqual(['v1']);
  });
});
