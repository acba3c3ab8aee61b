/** What a build pushes, read from its request: the image exports that push and the tags they write. Pure. */
import { parseBoolValue } from '../buildflags/args.js';
import { pushedTag } from './derive.js';
import type { RequestOutput } from './request.js';

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** Image exports with push=true. */
export function pushOutputs(outputs: readonly RequestOutput[]): RequestOutput[] {
  return outputs.filter((o) => o.type === 'image' && o.push);
}

/**
 * The tags the push writes: every name of a pushing export that is not push-by-digest
 * (`NAME:TAG@DIGEST` goes to NAME:TAG, `NAME@DIGEST` to no tag).
 */
export function pushRefs(outputs: readonly RequestOutput[]): string[] {
  const byDigest = (o: RequestOutput) => o.entry.attrs['push-by-digest'] !== undefined && parseBoolValue(o.entry.attrs['push-by-digest']) === true;
  return unique(
    pushOutputs(outputs)
      .filter((o) => !byDigest(o))
      .flatMap((o) => o.names)
      .map(pushedTag)
      .filter((n): n is string => n !== undefined),
  );
}
