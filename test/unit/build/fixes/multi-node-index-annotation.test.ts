import { describe, expect, it } from 'vitest';
import { multiNodeIndexAnnotation } from '../../../../src/build/fixes/multi-node-index-annotation.js';
import { applyFix, MULTI, SINGLE } from './support.js';

const ARGS = ['--builder', 'multi', '--platform', 'linux/amd64,linux/arm64', '--annotation', 'index:k=v', '--push', '-t', 'r/a:1', '.'];

describe('multi-node-index-annotation', () => {
  it('buildx 0.15 on a multi-node builder: annotate after the push, then read back', () => {
    const r = applyFix(multiNodeIndexAnnotation, ARGS, { builder: MULTI, buildxVersion: '0.15.1' });
    expect(r.steps).toEqual([
      { kind: 'annotate', when: 'success', refs: ['r/a:1'], annotations: ['index:k=v'], buildxVersion: '0.15.1' },
      { kind: 'verify-annotations', when: 'success', refs: ['r/a:1'], annotations: ['index:k=v'] },
    ]);
    expect(r.notices).toEqual([]);
  });

  it('buildx 0.16+: only the read-back; a single-node builder or no push: nothing', () => {
    expect(applyFix(multiNodeIndexAnnotation, ARGS, { builder: MULTI, buildxVersion: '0.36.1' }).steps.map((s) => s.kind)).toEqual(['verify-annotations']);
    expect(applyFix(multiNodeIndexAnnotation, ARGS, { builder: SINGLE, buildxVersion: '0.15.1' }).steps).toEqual([]);
    expect(applyFix(multiNodeIndexAnnotation, ARGS.filter((a) => a !== '--push'), { builder: MULTI }).needs).toEqual([]);
  });

  it('manifest annotations are left to buildx; a manifest-descriptor one is carried', () => {
    const args = ARGS.map((a) => (a === 'index:k=v' ? 'manifest-descriptor[linux/arm64]:d=1' : a));
    expect(applyFix(multiNodeIndexAnnotation, args, { builder: MULTI, buildxVersion: '0.15.1' }).steps[0]).toMatchObject({ annotations: ['manifest-descriptor[linux/arm64]:d=1'] });
    const manifestOnly = ARGS.map((a) => (a === 'index:k=v' ? 'manifest:k=v' : a));
    expect(applyFix(multiNodeIndexAnnotation, manifestOnly, { builder: MULTI }).steps).toEqual([]);
  });
});
