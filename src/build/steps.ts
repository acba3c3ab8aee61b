/**
 * The one description of a post-build step: short (error messages of the executor: "docker
 * ocifix: check tags r/a:1: …") and in full (explain, with the command a person could run). Pure.
 */
import { shellQuote } from '../buildflags/args.js';
import type { PostStep } from './types.js';

export function describeStep(s: PostStep, full?: { globals: readonly string[] }): string {
  const d = describe(s, full);
  return 'target' in s && s.target !== undefined ? `target "${s.target}": ${d}` : d;
}

function describe(s: PostStep, full?: { globals: readonly string[] }): string {
  switch (s.kind) {
    case 'buildx':
      return full ? `${s.why}: ${shellQuote(['docker', ...full.globals, 'buildx', ...s.args])}${s.stdinFile ? ` < ${s.stdinFile}` : ''}` : s.why;
    case 'normalize':
      return full
        ? `normalize the OCI layout ${s.path} to one index.json entry named ${s.ref} (docker ocifix normalize ${shellQuote([s.path])} --ref ${shellQuote([s.ref])})`
        : `normalize ${s.path}`;
    case 'annotate':
      return full ? `add ${s.annotations.join(', ')} to the pushed index and write it to ${s.refs.join(', ')} (docker ocifix annotate)` : `annotate ${s.refs[0]}`;
    case 'verify-annotations':
      return full ? `read ${s.refs.join(', ')} back and check ${s.annotations.join(', ')} (docker ocifix verify)` : `check annotations of ${s.refs[0]}`;
    case 'verify-tags':
      return full
        ? `check that ${s.refs.join(', ')} resolve${s.refs.length === 1 ? 's' : ''} to the pushed digest; re-point any that does not (docker ocifix verify --fix)`
        : `check tags ${s.refs.join(', ')}`;
    case 'remove-empty-output':
      return full ? `remove ${s.path} if the failed build left it empty and it did not exist before` : `remove empty ${s.path}`;
    case 'remove-temp':
      return full ? `remove the temporary ${s.path}` : `remove ${s.path}`;
  }
}
