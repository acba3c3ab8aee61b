// Fix 5 on the real stack: after a push every tag must be on the pushed digest. The tag-on-a-
// platform-manifest bug (buildx #2959, test/e2e/repro/tag-on-platform-manifest.test.ts) is
// reproduced by a `docker` wrapper that moves a tag onto a child right after buildx pushed;
// ocifix notices and re-points it. Also: a plain build costs exactly one docker call.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { describeResult, fixture, getManifest, ref, requireStack, uniqueRepo, workDir } from '../helpers/stack.js';
import { dockerWrapper, notices, ocifixBuild, ocifixBuildVia } from './helpers.js';

let s: Stack;
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

describe('fix 5: tags on the pushed digest', () => {
  beforeAll(async () => {
    s = await requireStack();
  });

  it('a tag moved onto a platform manifest right after the push is re-pointed to the index', async () => {
    const repo = uniqueRepo('f5-move');
    const latest = ref(repo, 'latest');
    // crane: resolve the arm64 child of :latest and copy it over :latest (what #2959 leaves behind)
    const hook = `child=$(${s.crane} manifest --insecure ${latest} | python3 -c 'import json,sys; print([m["digest"] for m in json.load(sys.stdin)["manifests"] if m.get("platform",{}).get("architecture")=="arm64"][0])'); ${s.crane} copy --insecure ${ref(repo).replace(/:v1$/, '')}@$child ${latest}`;
    const w = dockerWrapper(hook);
    const r = await ocifixBuildVia(w, ['--builder', 'single', '--platform', 'linux/amd64,linux/arm64', '--push', '-t', ref(repo), '-t', latest, fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const index = await getManifest(repo, 'v1');
    expect(index.mediaType).toBe(OCI_INDEX);
    const moved = r.stderr.split('\n').find((l) => l.startsWith(`ocifix: re-pointed ${latest} to ${index.digest} (it was on sha256:`));
    expect(moved, describeResult(r)).toBeDefined();
    const after = await getManifest(repo, 'latest');
    expect(after.digest).toBe(index.digest);
    expect(after.mediaType).toBe(OCI_INDEX);
    // the temporary metadata file was used and removed
    const build = w.calls().find((c) => c.includes('build'))!;
    const metaArg = build.find((a) => a.startsWith('--metadata-file='))!;
    expect(metaArg).toBeDefined();
    expect(() => readFileSync(metaArg.slice('--metadata-file='.length))).toThrow();
  });

  it("the user's --metadata-file is still written and used; tags already right are left alone", async () => {
    const repo = uniqueRepo('f5-meta');
    const meta = join(workDir('f5-meta'), 'm.json');
    const w = dockerWrapper();
    const r = await ocifixBuildVia(w, ['--builder', 'single', '--platform', 'linux/amd64,linux/arm64', '--push', '-t', ref(repo), '--metadata-file', meta, fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(notices(r)).toEqual([`ocifix: after the push, the tag ${ref(repo)} is checked against the pushed digest (read from ${meta}) and re-pointed if it is not on it`]);
    const digest = (JSON.parse(readFileSync(meta, 'utf8')) as Record<string, string>)['containerimage.digest'];
    expect((await getManifest(repo, 'v1')).digest).toBe(digest);
    // no write: only reads after the build
    expect(w.calls().filter((c) => c.includes('create'))).toEqual([]);
    expect(w.calls()[0]).toEqual(['buildx', 'build', '--builder', 'single', '--platform', 'linux/amd64,linux/arm64', '--push', '-t', ref(repo), '--metadata-file', meta, fixture('scratch')]);
  });

  it('a plain build is exactly one `docker buildx build` with the same argv: no probe, no extra step', async () => {
    const w = dockerWrapper();
    const args = ['--builder', 'single', '-t', 'ocifix-plain:1', '--build-arg', 'A=a b', fixture('scratch')];
    const r = await ocifixBuildVia(w, args);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(notices(r)).toEqual([]);
    expect(w.calls()).toEqual([['buildx', 'build', ...args]]);
  });

  it("buildx's exit code is passed through", async () => {
    const r = await ocifixBuild(['--builder', 'single', '--target', 'nope', fixture('scratch')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('target stage "nope" could not be found');
  });
});
