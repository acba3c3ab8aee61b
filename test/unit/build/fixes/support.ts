/** Run fixes of FIXES on an argv the way the planner does, and show the draft they leave. */
import { Draft, FactReader, type Decisions } from '../../../../src/build/draft.js';
import { renderArgv } from '../../../../src/build/edits.js';
import { FIXES, type Fix } from '../../../../src/build/fixes/index.js';
import { readRequest } from '../../../../src/build/request.js';
import { DEFAULT_POLICY, type BuilderFacts, type DaemonFacts, type Facts, type Policy } from '../../../../src/build/types.js';

export const SINGLE: BuilderFacts = { name: 'single', driver: 'remote', nodes: [{ name: 'single0', configured: [], platforms: ['linux/amd64', 'linux/386'] }] };
export const MULTI: BuilderFacts = {
  name: 'multi',
  driver: 'remote',
  nodes: [
    { name: 'multi-amd64', configured: ['linux/amd64'], platforms: ['linux/amd64'] },
    { name: 'multi-arm64', configured: ['linux/arm64'], platforms: ['linux/arm64'] },
  ],
};
export const DOCKERD: BuilderFacts = { name: 'dockerd', driver: 'docker', nodes: [{ name: 'dockerd', configured: [], platforms: ['linux/amd64'] }] };
export const CLASSIC: DaemonFacts = { containerdStore: false, platform: 'linux/amd64' };
export const CONTAINERD: DaemonFacts = { containerdStore: true, platform: 'linux/amd64' };
export const TMP = '/tmp/ocifix-meta.json';

/**
 * Apply `fix` (and, first, the fixes before it in FIXES, so that the decisions it reads exist) to
 * `args`; returns what the fix itself added, the argv its edits give, and the decisions.
 */
export function applyFix(fix: Fix, args: string[], facts: Facts = {}, policy: Partial<Policy> = {}, env: Record<string, string> = {}) {
  const { request, source } = readRequest(args, env);
  const draft = new Draft();
  const reader = new FactReader(facts, (l) => draft.notice(l));
  const ctx = { policy: { ...DEFAULT_POLICY, ...policy }, tempMetadataFile: TMP };
  const upTo = FIXES.indexOf(fix);
  if (upTo < 0) throw new Error(`${fix.id} is not in FIXES`);
  for (const f of FIXES.slice(0, upTo)) f.apply(request, draft, reader, ctx);
  const mark = { edits: draft.edits.length, notices: draft.notices.length, steps: draft.postSteps.length };
  fix.apply(request, draft, reader, ctx);
  fix.finish?.(request, draft, reader, ctx);
  const decided = draft.decided() as Partial<Decisions>;
  return {
    edits: draft.edits.slice(mark.edits),
    notices: draft.notices.slice(mark.notices),
    steps: draft.postSteps.slice(mark.steps),
    refusal: draft.refusal,
    needs: reader.needs(),
    decided,
    argv: renderArgv(source, draft.edits.slice(mark.edits)),
    env: draft.buildxEnv,
  };
}
