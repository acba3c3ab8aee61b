// The annotation grammar on the real stack: what buildx itself decides stays buildx's decision.
// A typeless key holding ":" (`com.example:build=42`) is refused by buildx ≥ 0.16 ("invalid
// annotation type") and taken as the key `com.example:build` by 0.15; through ocifix it is the
// same on both. (The legacy multi-type fix, one flag per type on buildx < 0.16, is proven in
// multi-node-index-annotation.test.ts.)
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, fixture, getManifest, ref, requireStack, uniqueRepo } from '../helpers/stack.js';
import { notices, ocifixBuild, rawBuildx } from './helpers.js';

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
