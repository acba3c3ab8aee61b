import { describe, expect, it } from 'vitest';
import { ociMultipleTags } from '../../../../src/build/fixes/oci-multiple-tags.js';
import { applyFix, MULTI, SINGLE } from './support.js';

describe('oci-multiple-tags', () => {
  it('two tags: a normalize step keeping the first (or --ocifix-keep-tag), nothing said before the build', () => {
    const args = ['-o', 'type=oci,dest=out', '-t', 'a:1', '-t', 'a:2', '.'];
    expect(applyFix(ociMultipleTags, args).steps).toEqual([{ kind: 'normalize', when: 'success', path: 'out', ref: 'a:1', mode: 'single' }]);
    expect(applyFix(ociMultipleTags, args, {}, { keepTag: '2' }).steps).toEqual([{ kind: 'normalize', when: 'success', path: 'out', ref: 'a:2', mode: 'single' }]);
    expect(applyFix(ociMultipleTags, args).notices).toEqual([]);
    expect(applyFix(ociMultipleTags, args, {}, { keepTag: 'nope' }).refusal).toMatch(/names none of the tags/);
  });

  it('one tag: nothing; on stdout: a warning, no step', () => {
    expect(applyFix(ociMultipleTags, ['-o', 'type=oci,dest=out', '-t', 'a:1', '.']).steps).toEqual([]);
    const s = applyFix(ociMultipleTags, ['-o', 'type=oci,dest=-', '-t', 'a:1', '-t', 'a:2', '.']);
    expect(s.steps).toEqual([]);
    expect(s.notices).toEqual(['ocifix: an OCI layout on stdout keeps its 2 index.json entries: crane and skopeo refuse that']);
  });

  it('a multi-node builder cannot write oci: refused; a single-node one can', () => {
    const args = ['--platform', 'linux/amd64,linux/arm64', '-o', 'type=oci,dest=out.tar', '.'];
    expect(applyFix(ociMultipleTags, args, { builder: MULTI }).refusal).toMatch(/^builder "multi" would build linux\/amd64 on multi-amd64, linux\/arm64 on multi-arm64/);
    expect(applyFix(ociMultipleTags, args, { builder: SINGLE }).refusal).toBeUndefined();
  });
});
