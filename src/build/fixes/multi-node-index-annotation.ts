/**
 * multi-node-index-annotation — a multi-node builder merges the per-node results after the push,
 * and buildx < 0.16 drops the index annotations in that merge (docker/buildx#2540, fixed by
 * docker/buildx#2546 in 0.16): after the push they are added to the index through `docker buildx imagetools create`.
 * On every version they are read back, so an index that lacks them fails the command.
 */
import semverLt from 'semver/functions/lt.js';
import semverValid from 'semver/functions/valid.js';
import { formatAnnotation, type AnnotationType } from '../../buildflags/annotations.js';
import { outputAnnotations } from '../../buildflags/outputs.js';
import { isMultiNodeSplit } from '../derive.js';
import { pushOutputs, pushRefs } from '../pushed.js';
import type { Fix } from './fix.js';

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

const REGISTRY_TYPES = new Set(['index', 'manifest-descriptor']);

export const multiNodeIndexAnnotation: Fix = {
  id: 'multi-node-index-annotation',
  title: 'index annotations lost by a multi-node merge (buildx < 0.16)',
  help: 'After the push the index annotations are added to the merged index (docker buildx imagetools create) and every tag is moved to it; on every buildx version they are read back and a missing one fails the build.',
  reads: ['load', 'indexAnnotationsDropped'],
  writes: [],

  apply(r, d, facts) {
    const main = d.mainOutputs(r.outputs);
    const refs = pushRefs(main);
    if (refs.length === 0 || r.platforms.length <= 1) return;
    const dropped = d.decision('indexAnnotationsDropped') ?? false;
    const annotations = unique([
      ...r.annotations.flatMap((a) => a.parsed ?? []).filter((a) => REGISTRY_TYPES.has(a.type)).map((a) => formatAnnotation(a)),
      ...pushOutputs(main).flatMap((o) =>
        outputAnnotations(o.entry)
          .filter((a) => REGISTRY_TYPES.has(a.type))
          .map((a) => formatAnnotation({ type: a.type as AnnotationType, ...(a.platform ? { platformSpec: a.platform } : {}), key: a.key, value: a.value })),
      ),
    ]).filter((a) => !(dropped && a.startsWith('index')));
    if (annotations.length === 0) return;
    const b = facts.builder();
    if (!b || !isMultiNodeSplit(b, r.platforms)) return;
    const v = facts.buildxVersion();
    if (v === undefined && !facts.failed('buildx-version')) return;
    const old = v !== undefined && semverValid(v) !== null && semverLt(v, '0.16.0');
    // its one line comes after the push, from the annotate step; the read-back is silent unless it fails
    if (old && v !== undefined) d.step({ kind: 'annotate', when: 'success', refs, annotations, buildxVersion: v });
    d.step({ kind: 'verify-annotations', when: 'success', refs, annotations });
  },
};
