// legacy-annotation-grammar on the real stack: on buildx < 0.16 a multi-type prefix is split into
// one flag per type (the inputs of test/e2e/repro/legacy-annotation-grammar.test.ts); and what
// buildx itself decides stays buildx's decision.
// A typeless key holding ":" (`com.example:build=42`) is refused by buildx ≥ 0.16 ("invalid
// annotation type") and taken as the key `com.example:build` by 0.15; through ocifix it is the
// same on both. (The split on a multi-node push: multi-node-index-annotation.test.ts.)
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, fixture, getManifest, readLayoutIndex, readLayoutJson, ref, requireStack, uniqueRepo, workDir } from '../helpers/stack.js';
import { notices, ocifixBuild, rawBuildx } from '../build/helpers.js';

describe('annotation grammar: buildx judges a key holding ":"', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it.each(['v0.36.1', 'v0.15.1'] as const)('buildx %s: same exit code and same manifest through ocifix as without it', async (version) => {
    const args = ['--builder', 'single', '--annotation', 'com.example:build=42', '--provenance=false', '--push'];
    const rawRepo = uniqueRepo('grammar-raw');
    const raw = await rawBuildx(['build', ...args, '-t', ref(rawRepo), fixture('scratch')], { version });
    const repo = uniqueRepo('grammar');
    const r = await ocifixBuild([...args, '-t', ref(repo), fixture('scratch')], { version });
    expect(r.exitCode, describeResult(r)).toBe(raw.exitCode);
    expect(notices(r)).toEqual([]);
    if (version === 'v0.36.1') {
      expect(raw.exitCode).not.toBe(0);
      expect(r.stderr).toContain('invalid annotation type "com.example"');
    } else {
      expect(raw.exitCode, describeResult(raw)).toBe(0);
      expect((await getManifest(repo, 'v1')).body.annotations).toEqual((await getManifest(rawRepo, 'v1')).body.annotations);
    }
  });
});

describe('legacy-annotation-grammar: index,manifest:k=v on buildx v0.15.1 through ocifix', () => {
  it('the same inputs as the repro: both the index and the manifest carry org.example.both', async () => {
    const dest = join(workDir('legacy-fix'), 'layout');
    const r = await ocifixBuild(
      [
        '--builder',
        'single',
        '--annotation',
        'index,manifest:org.example.both=yes',
        '--build-arg',
        'BUILDKIT_MULTI_PLATFORM=1',
        '-o',
        `type=oci,dest=${dest},tar=false`,
        fixture('scratch'),
      ],
      {
        version: 'v0.15.1',
      },
    );
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(notices(r)).toEqual(['ocifix: split --annotation index,manifest:org.example.both=yes into one flag per type (buildx 0.15.1 predates 0.16)']);
    const index = readLayoutJson(dest, (await readLayoutIndex(dest)).manifests[0]!.digest);
    expect(index.annotations).toEqual({ 'org.example.both': 'yes' });
    expect(readLayoutJson(dest, index.manifests![0]!.digest).annotations).toEqual({ 'org.example.both': 'yes' });
  });
});
