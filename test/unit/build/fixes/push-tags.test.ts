import { describe, expect, it } from 'vitest';
import { pushTags } from '../../../../src/build/fixes/push-tags.js';
import { applyFix, TMP } from './support.js';

describe('push-tags', () => {
  it('a temporary metadata file when none is given (provenance off in it), a tag check, and its removal', () => {
    const r = applyFix(pushTags, ['--push', '-t', 'r/a:1', '.']);
    expect(r.argv).toEqual([`--metadata-file=${TMP}`, '--push', '-t', 'r/a:1', '.']);
    expect(r.env).toEqual({ BUILDX_METADATA_PROVENANCE: 'disabled' });
    expect(r.steps).toEqual([
      { kind: 'verify-tags', when: 'success', refs: ['r/a:1'] },
      { kind: 'remove-temp', when: 'always', path: TMP },
    ]);
    expect(r.decided.metadataFile).toEqual({ path: TMP, temporary: true });
  });

  it("the user's metadata file is read, not replaced; BUILDX_METADATA_PROVENANCE set by the user is theirs", () => {
    const r = applyFix(pushTags, ['--push', '--metadata-file', 'm.json', '-t', 'r/a:1', '.']);
    expect(r.argv).toEqual(['--push', '--metadata-file', 'm.json', '-t', 'r/a:1', '.']);
    expect(r.decided.metadataFile).toEqual({ path: 'm.json', temporary: false });
    expect(applyFix(pushTags, ['--push', '-t', 'r/a:1', '.'], {}, {}, { BUILDX_METADATA_PROVENANCE: 'max' }).env).toEqual({});
  });

  it('push-by-digest, NAME@DIGEST and no push: no tag to check', () => {
    for (const args of [['-o', 'type=image,push=true,push-by-digest=true', '-t', 'r/a:1', '.'], ['--push', '-t', `r/a@sha256:${'1'.repeat(64)}`, '.'], ['-t', 'r/a:1', '.']]) {
      expect(applyFix(pushTags, args).steps, args.join(' ')).toEqual([]);
    }
  });
});
