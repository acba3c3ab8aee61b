/**
 * The final value of every `--annotation` flag, given two decisions: index annotations dropped
 * (single-platform-index-annotation, and always in the --load builds) and the legacy grammar of
 * buildx < 0.16 (one flag per type). One function so that a flag gets exactly one edit. Pure.
 */
import { AnnotationSyntaxError, formatAnnotation, toLegacyFlags } from '../buildflags/annotations.js';
import { INDEX_TYPES } from './derive.js';
import type { RequestEdit } from './edits.js';
import type { BuildRequest } from './request.js';

export interface AnnotationRewrite {
  edits: RequestEdit[];
  /** The values of the flags split into one flag per type for the legacy grammar (as the user wrote them). */
  split: string[];
  /** A flag buildx < 0.16 cannot parse even split: the reason. */
  refusal?: string;
}

export function annotationEdits(r: BuildRequest, opts: { dropIndex: boolean; legacy: boolean }): AnnotationRewrite {
  const out: AnnotationRewrite = { edits: [], split: [] };
  for (const f of r.annotations) {
    if (!f.parsed) continue; // buildx reports the syntax error itself
    const all = f.parsed;
    const kept = opts.dropIndex ? all.filter((a) => !INDEX_TYPES.has(a.type)) : all;
    if (kept.length === 0) {
      out.edits.push({ op: 'set-annotation', id: f.id, values: [] });
      continue;
    }
    const legacySplit = opts.legacy && f.multiType && kept.length > 1;
    if (!legacySplit && kept.length === all.length) continue;
    let flags = kept.map((a) => formatAnnotation(a));
    if (opts.legacy) {
      // one flag per type, checked against what buildx < 0.16 can parse
      try {
        flags = toLegacyFlags(flags);
      } catch (error) {
        if (!(error instanceof AnnotationSyntaxError)) throw error;
        out.refusal ??= `--annotation ${f.raw}: ${error.message}`;
        continue;
      }
    }
    if (legacySplit) out.split.push(f.raw);
    out.edits.push({ op: 'set-annotation', id: f.id, values: flags });
  }
  return out;
}
