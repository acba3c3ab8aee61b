import { describe, expect, it } from 'vitest';
import { legacyAnnotationGrammar } from '../../../../src/build/fixes/legacy-annotation-grammar.js';
import { applyFix, SINGLE } from './support.js';

const ARGS = ['--platform', 'linux/amd64,linux/arm64', '--annotation', 'index,manifest:k=v', '--push', '-t', 'r/a', '.'];

describe('legacy-annotation-grammar', () => {
  it('asks for the buildx version only when a flag has several types', () => {
    expect(applyFix(legacyAnnotationGrammar, ARGS).needs).toContain('buildx-version');
    expect(applyFix(legacyAnnotationGrammar, ['--annotation', 'index:k=v', '--push', '-t', 'r/a', '.'], { builder: SINGLE }).needs).toEqual([]);
  });

  it('buildx 0.15: decides legacy and says it splits the flag (the edit itself: annotation-edits.ts)', () => {
    const r = applyFix(legacyAnnotationGrammar, ARGS, { buildxVersion: '0.15.1', builder: SINGLE });
    expect(r.decided.legacyAnnotations).toBe(true);
    expect(r.notices).toEqual(['ocifix: split --annotation index,manifest:k=v into one flag per type (buildx 0.15.1 predates 0.16)']);
  });

  it('buildx 0.16+: the new grammar, nothing said', () => {
    const r = applyFix(legacyAnnotationGrammar, ARGS, { buildxVersion: '0.36.1', builder: SINGLE });
    expect(r.decided.legacyAnnotations).toBe(false);
    expect(r.notices).toEqual([]);
  });
});
