// Fix 6 on the real stack: a typeless annotation key holding ":" (buildx reads the part before the
// first ":" as a type and fails) is given an explicit manifest: type.
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, fixture, getManifest, ref, requireStack, uniqueRepo } from '../helpers/stack.js';
import { notices, ocifixBuild, rawBuildx } from './helpers.js';

describe('fix 6: annotation grammar', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it('a typeless key with ":" becomes a manifest annotation (raw buildx refuses it)', async () => {
    const args = ['--builder', 'single', '--annotation', 'com.example:build=42', '--provenance=false', '--push'];
    const raw = await rawBuildx(['build', ...args, '-t', ref(uniqueRepo('f6-raw')), fixture('scratch')]);
    expect(raw.exitCode).not.toBe(0);
    expect(raw.stderr).toContain('invalid annotation type "com.example"');

    const repo = uniqueRepo('f6');
    const r = await ocifixBuild([...args, '-t', ref(repo), fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(notices(r)[0]).toBe('ocifix: rewrote annotations: --annotation com.example:build=42 → manifest:com.example:build=42 (a key holding ":" needs an explicit type)');
    const m = await getManifest(repo, 'v1');
    expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(m.body.annotations).toEqual({ 'com.example:build': '42' });
  });
});
