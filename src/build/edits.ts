/**
 * What a fix may change in a build, said without argv positions (outputs and annotations by id),
 * and its rendering back onto the user's argv with the byte-preserving ArgEdit model: tokens no
 * edit names come out identical and in place. A bake source renders the same edits as `--set`
 * overrides. Pure.
 */
import { applyEdits, uses, type ArgEdit } from '../buildflags/args.js';
import type { ArgvSource } from './request.js';

export type RequestEdit =
  /** A build arg in front of the user's flags (theirs, later, would win: fixes add only what is not set). */
  | { op: 'add-build-arg'; key: string; value: string }
  /** An extra `--output`. */
  | { op: 'add-output'; value: string }
  /** Give one `--output` another value. */
  | { op: 'set-output'; id: number; value: string }
  | { op: 'drop-output'; id: number }
  /** Every `--load`. */
  | { op: 'drop-load' }
  /** Every `--push`. */
  | { op: 'drop-push' }
  /** Every `--cache-to`. */
  | { op: 'drop-cache-to' }
  /** Every `--attest`, `--sbom`, `--provenance`. */
  | { op: 'drop-attestations' }
  /** One `--annotation` becomes these values (none: removed; several: one flag each, where it was). */
  | { op: 'set-annotation'; id: number; values: string[] }
  /** Every `--metadata-file` and `--iidfile`. */
  | { op: 'drop-metadata-and-iidfile' }
  /** Every `--metadata-file` gives way to this one. */
  | { op: 'set-metadata-file'; path: string }
  /** Every `--platform` gives way to this one. */
  | { op: 'set-platform'; value: string }
  /** The `-t` values, one for one (same count as the request's tags). */
  | { op: 'set-tags'; values: string[] };

function toArgEdits(source: ArgvSource, e: RequestEdit): ArgEdit[] {
  const p = source.parsed;
  const removeAll = (...names: string[]): ArgEdit[] => names.flatMap((n) => uses(p, n)).map((use) => ({ op: 'remove' as const, use }));
  switch (e.op) {
    case 'add-build-arg':
      return [{ op: 'insert', at: 0, tokens: ['--build-arg', `${e.key}=${e.value}`] }];
    case 'add-output':
      return [{ op: 'insert', at: 0, tokens: [`--output=${e.value}`] }];
    case 'set-output':
      return [{ op: 'set-value', use: source.outputUses[e.id]!, value: e.value }];
    case 'drop-output':
      return [{ op: 'remove', use: source.outputUses[e.id]! }];
    case 'drop-load':
      return removeAll('load');
    case 'drop-push':
      return removeAll('push');
    case 'drop-cache-to':
      return removeAll('cache-to');
    case 'drop-attestations':
      return removeAll('attest', 'sbom', 'provenance');
    case 'set-annotation': {
      const use = source.annotationUses[e.id]!;
      if (e.values.length === 0) return [{ op: 'remove', use }];
      if (e.values.length === 1) return [{ op: 'set-value', use, value: e.values[0]! }];
      return [{ op: 'replace', use, tokens: e.values.map((v) => `--annotation=${v}`) }];
    }
    case 'drop-metadata-and-iidfile':
      return removeAll('metadata-file', 'iidfile');
    case 'set-metadata-file':
      // `--metadata-file=""` given last means none (pflag: the last wins, and it would override ours): drop them all
      return [...removeAll('metadata-file'), { op: 'insert', at: 0, tokens: [`--metadata-file=${e.path}`] }];
    case 'set-platform':
      return [...removeAll('platform'), { op: 'insert', at: 0, tokens: [`--platform=${e.value}`] }];
    case 'set-tags':
      return uses(p, 'tag').map((use, i) => ({ op: 'set-value' as const, use, value: e.values[i] ?? use.value ?? '' }));
  }
}

/** The argv after `build` with the edits applied. */
export function renderArgv(source: ArgvSource, edits: readonly RequestEdit[]): string[] {
  return applyEdits(source.args, edits.flatMap((e) => toArgEdits(source, e)));
}
