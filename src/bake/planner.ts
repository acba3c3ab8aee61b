/**
 * The bake planner: the resolved definition (`bake --print`) + probed facts + policy → a plan in
 * the same BuildPlan shape the build executor runs. Every target is read into a BuildRequest and
 * goes through the same FIXES as a build, each with its own Draft; the edits they make are then
 * rendered for bake:
 *
 *  - as `--set TARGET.key=value` overrides appended to the user's own command (their files stay
 *    authoritative): `args.K` per target; `output` and `tags` with the full list of every target
 *    (a `--set` of a key replaces the file's value but adds to other `--set`s of it, and buildx
 *    applies `--push`/`--load` in an unspecified order with an `output` override — so the user's
 *    `--set *.output`/`--push`/`--load` give way to the resolved lists, which already hold them);
 *  - as a rewritten definition fed with `--file -` when an edit cannot be an override:
 *    `annotations` and `attest` only ever append, so dropping or splitting an annotation needs it;
 *  - the --load fix's extra builds as one more bake (`--file -`) of one target per loaded
 *    platform, after one main bake of everything.
 * Pure and deterministic (the temporary paths are inputs).
 */
import { applyEdits, uses, type ArgEdit, type ParsedBuildArgs } from '../buildflags/args.js';
import { formatOutput } from '../buildflags/outputs.js';
import { annotationEdits } from '../build/annotation-edits.js';
import type { BuildEnv } from '../build/derive.js';
import { Draft, FactReader, type BuildVariant, type NoticeWords } from '../build/draft.js';
import type { RequestEdit } from '../build/edits.js';
import { FIXES } from '../build/fixes/index.js';
import type { BuildRequest } from '../build/request.js';
import type { BuildPlan, Facts, Policy, PostStep, ProbeName } from '../build/types.js';
import { setUses, type BakeArgs } from './args.js';
import { entryCsv, targetNames, targetRequest, type BakeDefinition, type BakeTarget } from './definition.js';

export interface BakePlanInput {
  /** The arguments after `bake` (ocifix's own options taken out), parsed with the bake grammar. */
  bake: BakeArgs;
  definition: BakeDefinition;
  env: BuildEnv;
  policy: Policy;
  facts: Facts;
  /** A private directory for the temporary metadata file and the definitions fed on stdin. */
  tempDir: string;
}

/** What happened to one target. */
export interface TargetPlan {
  name: string;
  request: BuildRequest;
  fixes: string[];
  notices: string[];
  /** The `--set` overrides for this target (overrides mode) or the keys its definition changes (definition mode). */
  overrides: string[];
  refusal?: string;
}

export interface BakePlan extends BuildPlan {
  /** 'overrides': the user's command plus --set; 'definition': a rewritten definition on stdin. */
  mode: 'unchanged' | 'overrides' | 'definition';
  targets: TargetPlan[];
  /** Files to write (0600, in tempDir) before running: definitions fed on stdin. */
  files: Record<string, string>;
  /** The main bake reads this file as stdin (definition mode). */
  stdinFile?: string;
}

export type BakePlanResult = { kind: 'need'; probes: ProbeName[] } | { kind: 'plan'; plan: BakePlan };

/** Keys a `--set` can change without a rewritten definition. */
type Changes = {
  output?: string[];
  tags?: string[];
  args?: Record<string, string>;
  annotations?: string[];
  attest?: 'drop';
  'cache-to'?: 'drop';
  platforms?: string[];
};

const NEEDS_DEFINITION: ReadonlyArray<keyof Changes> = ['annotations', 'attest', 'cache-to', 'platforms'];

/** The target's values after `edits` (only the keys they change). */
function changesOf(t: BakeTarget, r: BuildRequest, edits: readonly RequestEdit[]): Changes {
  const c: Changes = {};
  let outputs: Array<string | undefined> = r.outputs.map((o) => o.raw ?? formatOutput(o.entry));
  let added: string[] = [];
  let outputsChanged = false;
  let annotations: Array<string[] | undefined> = r.annotations.map(() => undefined);
  for (const e of edits) {
    switch (e.op) {
      case 'add-build-arg':
        c.args = { ...c.args, [e.key]: e.value };
        break;
      case 'add-output':
        added = [...added, e.value];
        outputsChanged = true;
        break;
      case 'set-output':
        outputs = outputs.map((v, i) => (i === e.id ? e.value : v));
        outputsChanged = true;
        break;
      case 'drop-output':
        outputs = outputs.map((v, i) => (i === e.id ? undefined : v));
        outputsChanged = true;
        break;
      case 'set-tags':
        c.tags = [...e.values];
        break;
      case 'set-platform':
        c.platforms = [e.value];
        break;
      case 'set-annotation':
        annotations = annotations.map((v, i) => (i === e.id ? e.values : v));
        break;
      case 'drop-attestations':
        if ((t.attest ?? []).length > 0) c.attest = 'drop';
        break;
      case 'drop-cache-to':
        if ((t['cache-to'] ?? []).length > 0) c['cache-to'] = 'drop';
        break;
      // every export of a resolved target is an entry of its own (push/load are folded in), and
      // the metadata file is the bake's: nothing to do per target
      case 'drop-load':
      case 'drop-push':
      case 'drop-metadata-and-iidfile':
      case 'set-metadata-file':
        break;
    }
  }
  if (outputsChanged) c.output = [...outputs.filter((v): v is string => v !== undefined), ...added];
  if (annotations.some((a) => a !== undefined)) c.annotations = r.annotations.flatMap((a, i) => annotations[i] ?? [a.raw]);
  return c;
}

/** A target of the definition with the changes applied. */
function patched(t: BakeTarget, c: Changes): BakeTarget {
  const out: BakeTarget = { ...t };
  if (c.output) out.output = c.output;
  if (c.tags) out.tags = c.tags;
  if (c.args) out.args = { ...(t.args ?? {}), ...c.args };
  if (c.annotations) out.annotations = c.annotations;
  if (c.attest) delete out.attest;
  if (c['cache-to']) delete out['cache-to'];
  if (c.platforms) out.platforms = c.platforms;
  return out;
}

/** `ocifix: …` → `ocifix: target "T": …` */
function targetNotice(name: string, line: string): string {
  return `ocifix: target "${name}": ${line.startsWith('ocifix: ') ? line.slice('ocifix: '.length) : line}`;
}

/** A bake target's words for the flags its fixes change (`--set T.args.K=V`, `annotation A`). */
function targetWords(name: string): NoticeWords {
  return { buildArg: (key, value) => `--set ${name}.args.${key}=${value}`, annotation: (value) => `annotation ${value}` };
}

interface Planned {
  target: TargetPlan;
  draft: Draft;
  edits: RequestEdit[];
}

function planTarget(name: string, t: BakeTarget, input: BakePlanInput, facts: FactReader, tempMetadataFile: string): Planned {
  const request = targetRequest(
    name,
    t,
    {
      ...(input.bake.metadataFile ? { metadataFile: input.bake.metadataFile } : {}),
      ...(input.bake.builder ? { builder: input.bake.builder } : {}),
      readsStdin: input.bake.readsStdin,
    },
    input.env,
  );
  const draft = new Draft(targetWords(name));
  const applied: string[] = [];
  const ctx = { policy: input.policy, tempMetadataFile };
  if (!request.handOff) {
    for (const fix of FIXES) {
      const before = [draft.edits.length, draft.notices.length, draft.postSteps.length, draft.refusal].join();
      fix.apply(request, draft, facts, ctx);
      if (before !== [draft.edits.length, draft.notices.length, draft.postSteps.length, draft.refusal].join()) applied.push(fix.id);
    }
    for (const fix of FIXES) fix.finish?.(request, draft, facts, ctx);
  }
  const annotations = request.handOff
    ? []
    : annotationEdits(request, { dropIndex: draft.decision('indexAnnotationsDropped') ?? false, legacy: draft.decision('legacyAnnotations') ?? false }).edits;
  return {
    target: {
      name,
      request,
      fixes: applied,
      notices: draft.notices.map((n) => targetNotice(name, n)),
      overrides: [],
      ...(draft.refusal ? { refusal: `target "${name}": ${draft.refusal}` } : {}),
    },
    draft,
    edits: [...draft.edits, ...annotations],
  };
}

/** Where new tokens go: at the end, or before `--`. */
function appendAt(p: ParsedBuildArgs): number {
  return p.terminator ?? p.argv.length;
}

/** The flags a rewritten definition already holds (the files, the overrides, the shorthands): they go. */
function definitionRemovals(p: ParsedBuildArgs): ArgEdit[] {
  return ['file', 'set', 'push', 'load', 'sbom', 'provenance', 'var'].flatMap((n) => uses(p, n)).map((use) => ({ op: 'remove' as const, use }));
}

function metadataEdits(p: ParsedBuildArgs, path: string): ArgEdit[] {
  return [...uses(p, 'metadata-file').map((use) => ({ op: 'remove' as const, use })), { op: 'insert' as const, at: 0, tokens: [`--metadata-file=${path}`] }];
}

/** The bake flags that matter to a load bake of ocifix's own targets (how to build, not what). */
const LOAD_BAKE_FLAGS = new Set(['builder', 'progress', 'no-cache', 'pull', 'allow', 'debug', 'policy']);

function loadBakeArgs(p: ParsedBuildArgs, names: readonly string[]): string[] {
  const kept = p.flags.filter((f) => LOAD_BAKE_FLAGS.has(f.name) && (p.terminator === undefined || f.index < p.terminator));
  return ['bake', '--file=-', ...kept.map((f) => (f.value === undefined ? `--${f.name}` : `--${f.name}=${f.value}`)), ...names];
}

/** The target of one --load build: the resolved target with the variant's edits, under its own name. */
function loadTargets(planned: readonly Planned[], def: BakeDefinition): { targets: Record<string, BakeTarget>; why: string[] } {
  const targets: Record<string, BakeTarget> = {};
  const why: string[] = [];
  const taken = new Set(Object.keys(def.target));
  for (const p of planned) {
    const variants = p.draft.postSteps.filter((s): s is BuildVariant => 'kind' in s && s.kind === 'variant');
    variants.forEach((v, i) => {
      const t = def.target[p.target.name]!;
      const set = v.edits.find((e) => e.op === 'set-platform');
      let name =
        variants.length === 1 ? p.target.name : `${p.target.name}-${(set?.op === 'set-platform' ? set.value : String(i)).replace(/[^A-Za-z0-9_-]+/g, '-')}`;
      while (variants.length > 1 && taken.has(name)) name = `${name}-load`;
      taken.add(name);
      targets[name] = patched(t, changesOf(t, p.target.request, [...v.edits]));
      why.push(`target "${p.target.name}": ${v.why}`);
    });
  }
  return { targets, why };
}

export function planBake(input: BakePlanInput): BakePlanResult {
  const p = input.bake.parsed;
  const notices: string[] = [];
  const facts = new FactReader(input.facts, (line) => notices.push(line));
  const tempMetadataFile = `${input.tempDir}/metadata.json`;
  const planned = targetNames(input.definition).map((name) => planTarget(name, input.definition.target[name]!, input, facts, tempMetadataFile));
  const needs = facts.needs();
  if (needs.length > 0) return { kind: 'need', probes: needs };

  const changes = new Map(planned.map((x) => [x.target.name, changesOf(input.definition.target[x.target.name]!, x.target.request, x.edits)]));
  const changed = (key: keyof Changes) => [...changes.values()].some((c) => c[key] !== undefined);
  // `T.key` for every change a --set override cannot make: they choose the definition mode
  const definitionOnly = planned.flatMap((x) =>
    NEEDS_DEFINITION.filter((k) => changes.get(x.target.name)![k] !== undefined).map((k) => ({ target: x.target.name, key: k })),
  );
  const needsDefinition = definitionOnly.length > 0;
  const buildxEnv: Record<string, string> = {};
  for (const x of planned) Object.assign(buildxEnv, x.draft.buildxEnv);
  const metadata = planned.map((x) => x.draft.decision('metadataFile')).find((m) => m !== undefined);
  const anyChange = [...changes.values()].some((c) => Object.keys(c).length > 0) || metadata?.temporary === true;

  const files: Record<string, string> = {};
  const mode: BakePlan['mode'] = anyChange ? (needsDefinition ? 'definition' : 'overrides') : 'unchanged';
  const argEdits: ArgEdit[] = metadata?.temporary ? metadataEdits(p, metadata.path) : [];
  let stdinFile: string | undefined;
  if (mode === 'overrides') {
    const sets: string[] = [];
    const lists = (['output', 'tags'] as const).filter((k) => changed(k));
    // the user's own overrides of a list key (and --push/--load for output) give way to the full lists
    for (const s of setUses(p)) if ((lists as readonly string[]).includes(s.key)) argEdits.push({ op: 'remove', use: s.use });
    if (lists.includes('output')) for (const use of [...uses(p, 'push'), ...uses(p, 'load')]) argEdits.push({ op: 'remove', use });
    for (const x of planned) {
      const t = input.definition.target[x.target.name]!;
      const c = changes.get(x.target.name)!;
      const own: string[] = [];
      for (const [k, v] of Object.entries(c.args ?? {})) own.push(`${x.target.name}.args.${k}=${v}`);
      if (lists.includes('output')) for (const o of c.output ?? (t.output ?? []).map(entryCsv)) own.push(`${x.target.name}.output=${o}`);
      if (lists.includes('tags')) for (const tag of c.tags ?? t.tags ?? []) own.push(`${x.target.name}.tags=${tag}`);
      x.target.overrides = own;
      sets.push(...own);
    }
    argEdits.push({ op: 'insert', at: appendAt(p), tokens: sets.flatMap((s) => ['--set', s]) });
  } else if (mode === 'definition') {
    const def: BakeDefinition = {
      ...(input.definition.group ? { group: input.definition.group } : {}),
      target: Object.fromEntries(planned.map((x) => [x.target.name, patched(input.definition.target[x.target.name]!, changes.get(x.target.name)!)])),
    };
    for (const x of planned) x.target.overrides = Object.keys(changes.get(x.target.name)!).map((k) => `${x.target.name}.${k}`);
    notices.push(
      `ocifix: the bake runs from its resolved definition, rewritten (--file -): ${[...new Set(definitionOnly.map((c) => c.key))].join(', ')} cannot be changed with --set`,
    );
    stdinFile = `${input.tempDir}/bake.json`;
    files[stdinFile] = `${JSON.stringify(def, null, 2)}\n`;
    argEdits.push(...definitionRemovals(p), { op: 'insert', at: 0, tokens: ['--file=-'] });
  }
  const buildxArgs = ['bake', ...(mode === 'unchanged' ? p.argv : applyEdits(p.argv, argEdits))];

  // after the main bake: each target's steps in order, then one load bake, then cleanup
  const postSteps: PostStep[] = [];
  for (const x of planned) {
    for (const s of x.draft.postSteps) {
      if ('kind' in s && s.kind === 'variant') continue;
      const step = s as PostStep;
      if (step.kind === 'remove-temp') continue;
      postSteps.push(
        step.kind === 'normalize' || step.kind === 'annotate' || step.kind === 'verify-annotations' || step.kind === 'verify-tags'
          ? { ...step, target: x.target.name }
          : step,
      );
    }
  }
  const load = loadTargets(planned, input.definition);
  if (Object.keys(load.targets).length > 0) {
    const path = `${input.tempDir}/load.json`;
    files[path] = `${JSON.stringify({ target: load.targets }, null, 2)}\n`;
    postSteps.push({
      kind: 'buildx',
      when: 'success',
      args: loadBakeArgs(p, Object.keys(load.targets)),
      why: `load into the daemon: ${load.why.join('; ')}`,
      stdout: 'inherit',
      stdinFile: path,
    });
  }
  if (metadata?.temporary) postSteps.push({ kind: 'remove-temp', when: 'always', path: metadata.path });

  const refusal = planned.map((x) => x.target.refusal).find((r) => r !== undefined);
  const passthrough = mode === 'unchanged' && !refusal && postSteps.length === 0 && Object.keys(buildxEnv).length === 0;
  return {
    kind: 'plan',
    plan: remoteLimits(input.bake, definitionOnly, {
      mode,
      targets: planned.map((x) => x.target),
      files,
      ...(stdinFile ? { stdinFile } : {}),
      buildxArgs,
      buildxEnv,
      notices: [...notices, ...planned.flatMap((x) => x.target.notices)],
      postSteps,
      mainStdout: 'inherit',
      stdin: 'inherit',
      ...(metadata ? { metadataFile: metadata } : {}),
      fixes: FIXES.map((f) => f.id).filter((id) => planned.some((x) => x.target.fixes.includes(id))),
      probesUsed: facts.used(),
      facts: input.facts,
      ...(refusal ? { refusal } : {}),
      passthrough,
    }),
  };
}

/**
 * A remote definition takes only the `--set` overrides: its contexts (a subdirectory, named
 * contexts, which older buildx prints unresolved) and its git credentials and SSH belong to the
 * URL, so a bake fed a rewritten definition (`--file -`, the main bake's or the load bake's) would
 * build something else. Such a plan runs the user's bake unchanged, saying why.
 */
function remoteLimits(bake: BakeArgs, definitionOnly: ReadonlyArray<{ target: string; key: string }>, plan: BakePlan): BakePlan {
  if (!bake.remote || plan.refusal) return plan;
  const needs = [
    ...(definitionOnly.length > 0 ? [`${definitionOnly.map((c) => `${c.target}.${c.key}`).join(', ')} cannot be changed with --set`] : []),
    ...(plan.postSteps.some((s) => s.kind === 'buildx' && s.stdinFile) ? ['the --load fix needs a second bake of its own targets'] : []),
  ];
  if (needs.length === 0) return plan;
  const { stdinFile: _s, metadataFile: _m, ...rest } = plan;
  return {
    ...rest,
    mode: 'unchanged',
    targets: plan.targets.map((t) => ({ ...t, fixes: [], notices: [], overrides: [] })),
    files: {},
    buildxArgs: ['bake', ...bake.parsed.argv],
    buildxEnv: {},
    postSteps: [],
    notices: [`ocifix: ${needs.join('; ')}, and a remote definition (${bake.remote.value}) takes only --set overrides: bake passed on unchanged`],
    fixes: [],
    passthrough: true,
  };
}
