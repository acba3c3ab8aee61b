/**
 * FIXES: every fix, in the order the planner applies them. The order is the contract between
 * them — a fix reads only decisions written earlier (checked by test/unit/build/fixes/order.test.ts)
 * — and it is also the order of their notices and of the edits they make.
 */
import { emptyOutput } from './empty-output.js';
import type { Fix } from './fix.js';
import { legacyAnnotationGrammar } from './legacy-annotation-grammar.js';
import { loadMultiPlatform } from './load-multi-platform.js';
import { multiNodeIndexAnnotation } from './multi-node-index-annotation.js';
import { ociMultipleTags } from './oci-multiple-tags.js';
import { pushTags } from './push-tags.js';
import { singlePlatformIndexAnnotation } from './single-platform-index-annotation.js';

export type { Fix, FixContext } from './fix.js';

export const FIXES: readonly Fix[] = [
  // First: it decides which outputs the main build keeps (--load goes to the extra builds), and
  // every later fix looks at the main build's outputs only.
  loadMultiPlatform,
  // Needs the main outputs (a load taken over is not a single-platform export of the main build);
  // decides whether index annotations are dropped, which the grammar and the annotate step read.
  singlePlatformIndexAnnotation,
  // Rewrites the annotation flags that remain after the drop into the old grammar.
  legacyAnnotationGrammar,
  // Independent of the annotations; before the push fixes so its step (normalize) runs first.
  ociMultipleTags,
  // Reads the dropped index annotations (they are not added back after the push).
  multiNodeIndexAnnotation,
  // Last of the registry fixes: the tag check runs after the annotate step moved the tags.
  pushTags,
  // Cleanup of a failed build; needs the final main outputs.
  emptyOutput,
];

export function fixById(id: string): Fix | undefined {
  return FIXES.find((f) => f.id === id);
}
