/**
 * The rewrite planner: a build request + probed facts + policy → BuildPlan. Pure and
 * deterministic (the temporary metadata path is an input). Each fix is a module of
 * src/build/fixes/, applied in FIXES order to one shared Draft; this file only reads the request,
 * runs the loop and renders the draft back onto the argv.
 *
 * It is called repeatedly: when a fix needs a fact that was not probed yet, it answers
 * `{ kind: 'need', probes }`; the caller probes and calls again. A build that meets no pitfall
 * never asks for anything (`docker ocifix build .` runs no probe).
 */
import type { ParsedBuildArgs } from '../buildflags/args.js';
import { annotationEdits } from './annotation-edits.js';
import type { BuildEnv } from './derive.js';
import { Draft, FactReader } from './draft.js';
import { renderArgv } from './edits.js';
import { FIXES } from './fixes/index.js';
import { readRequest } from './request.js';
import type { BuildPlan, Facts, PlanResult, Policy, PostStep } from './types.js';

export interface PlanInput {
  /** The arguments after `build` (ocifix's own options already taken out). */
  args: readonly string[];
  /** `args` already parsed (the caller plans several rounds on the same argv); parsed here when absent. */
  parsed?: ParsedBuildArgs;
  /** `build` or its alias `b`. */
  command?: string;
  env: BuildEnv;
  policy: Policy;
  facts: Facts;
  /** Where a temporary metadata file would go, if the plan needs one. */
  tempMetadataFile: string;
}

export function planBuild(input: PlanInput): PlanResult {
  const cmd = input.command ?? 'build';
  const { request, source } = readRequest(input.args, input.env, cmd, input.parsed);
  const draft = new Draft();
  const facts = new FactReader(input.facts, (line) => draft.notice(line));
  const unchanged = [cmd, ...input.args];

  const ctx = { policy: input.policy, tempMetadataFile: input.tempMetadataFile };
  const applied: string[] = [];
  if (request.handOff?.reason === 'uncertain') {
    const f = request.handOff.flag;
    draft.notice(`ocifix: ${f} is a flag ocifix does not know: build passed on unchanged (write ${f}=VALUE)`);
  } else if (!request.handOff) {
    for (const fix of FIXES) {
      const before = [draft.edits.length, draft.notices.length, draft.postSteps.length, draft.refusal];
      fix.apply(request, draft, facts, ctx);
      if (before.join() !== [draft.edits.length, draft.notices.length, draft.postSteps.length, draft.refusal].join()) applied.push(fix.id);
    }
    for (const fix of FIXES) fix.finish?.(request, draft, facts, ctx);
  }
  const needs = facts.needs();
  if (needs.length > 0) return { kind: 'need', probes: needs };

  // the annotation flags: one edit each, from the two decisions that shape them
  const annotations = request.handOff
    ? []
    : annotationEdits(request, { dropIndex: draft.decision('indexAnnotationsDropped') ?? false, legacy: draft.decision('legacyAnnotations') ?? false }).edits;
  const buildxArgs = request.handOff ? unchanged : [cmd, ...renderArgv(source, [...draft.edits, ...annotations])];
  const postSteps: PostStep[] = draft.postSteps.map((s) =>
    s.kind === 'variant' ? { kind: 'buildx', when: 'success', args: [cmd, ...renderArgv(source, s.edits)], why: s.why, stdout: s.stdout } : s,
  );

  // what the builds read and print, so that a drop-in stays one
  const load = draft.decision('load');
  const carrier = load?.carrier ?? -1;
  const annotates = postSteps.some((s) => s.kind === 'annotate');
  /** -q: the loaded image's ID, not the cache-only build's empty line; the annotated index's digest, not buildx's. */
  const mainStdout: BuildPlan['mainStdout'] = request.quiet && carrier >= 0 ? 'ignore' : request.quiet && annotates ? 'capture' : 'inherit';
  /** `-f -` or a context on `-`: stdin is read once and given to every build of the plan. */
  const stdin: BuildPlan['stdin'] = request.readsStdin && (load?.builds.length ?? 0) > 0 ? 'shared' : 'inherit';
  const metadataFile = draft.decision('metadataFile');
  const passthrough =
    !draft.refusal && postSteps.length === 0 && Object.keys(draft.buildxEnv).length === 0 && mainStdout === 'inherit' &&
    buildxArgs.length === unchanged.length && buildxArgs.every((a, i) => a === unchanged[i]);
  return {
    kind: 'plan',
    plan: {
      buildxArgs,
      buildxEnv: { ...draft.buildxEnv },
      notices: [...draft.notices],
      postSteps,
      mainStdout,
      stdin,
      ...(annotates && request.iidFile ? { iidFile: request.iidFile } : {}),
      ...(metadataFile ? { metadataFile } : {}),
      fixes: applied,
      probesUsed: facts.used(),
      facts: input.facts,
      ...(draft.refusal ? { refusal: draft.refusal } : {}),
      passthrough,
    },
  };
}
