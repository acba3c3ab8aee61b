/**
 * The registry operations as functions (the CLI commands and `docker ocifix build`'s post-build
 * steps both call these): read (independent reads at once, at most READ_CONCURRENCY) → plan (pure,
 * planners.ts) → preflight (`imagetools create --dry-run` must print exactly the planned bytes;
 * skipped on the write path when the plan's byte model predicts them) → compare-and-swap (every
 * tag re-read just before the write; with no call since the plan's reads, those reads are it) → write (one `imagetools create` with every `-t` that shares
 * it) → read back and check.
 *
 *   annotateIndex(docker, ref, { set, remove, tags }, opts)  → AnnotateOutcome
 *   repointTag(docker, source, targets, opts)                → RetagOutcome   (retag, verify --fix)
 *   verifyTag(docker, ref, expect, opts)                     → VerifyOutcome  (never throws on a failed check)
 *
 * With opts.dryRun nothing is written: the plan is made and preflighted, the outcome says what
 * would happen. Errors: UsageError (125) for bad input, RefusedError / RegistryError /
 * ConflictError (1) for refusals, registry failures and moved tags.
 */
import { annotationId, AnnotationSyntaxError, IMAGETOOLS_WRAPPER, parseAnnotation, type Annotation } from '../buildflags/annotations.js';
import { goQuote, parsePlatform, PlatformSyntaxError } from '../buildflags/platform.js';
import { mapBounded } from '../concurrency.js';
import { imagetoolsPlugin } from '../exec/buildx-lookup.js';
import type { Docker } from '../exec/docker.js';
import { OcifixError, UsageError } from '../errors.js';
import { parseDigest } from '../oci/digest.js';
import { Imagetools, RegistryError } from './imagetools.js';
import { asIndex, childDigests, resolveBytes, sameMap, type Index, type Resolved } from './manifest.js';
import { checkTag, diffIndexes, planAnnotate, planRetag, type Plan, type Removal, type VerifyExpectation, type VerifyReport } from './planners.js';
import { atDigest, formatReference, parseReference, tagOnly, type ImageRef } from './reference.js';

export interface RegistryOptions {
  /** `--builder` for imagetools; default BUILDX_BUILDER from env, then buildx's current builder. */
  builder?: string;
  /** Environment (for BUILDX_BUILDER). */
  env?: NodeJS.ProcessEnv;
  /** Plan and preflight only; write nothing. */
  dryRun?: boolean;
  /** Progress/diagnostic lines (stderr in the CLI). */
  log?: (line: string) => void;
}

/** A tag moved between planning and writing: nothing was written. */
export class ConflictError extends OcifixError {
  override name = 'ConflictError';
  constructor(message: string) {
    super(message, 1);
  }
}

export interface WriteOutcome {
  plan: Plan;
  /** False for dry runs and for plans with nothing to write. */
  written: boolean;
  /** The command lines run (or that would run), as argv arrays starting with the docker executable. */
  commands: string[][];
  /** What each written tag read back as after the write (when written). */
  readBack?: Map<string, Resolved>;
}

export type AnnotateOutcome = WriteOutcome;
export type RetagOutcome = WriteOutcome;

function client(docker: Docker, opts: RegistryOptions): Imagetools {
  const plugin = opts.env ? imagetoolsPlugin(opts.env, docker.globals.config) : undefined;
  return new Imagetools(docker, { ...(opts.builder ? { builder: opts.builder } : {}), ...(opts.env ? { env: opts.env } : {}), ...(plugin ? { plugin } : {}) });
}

/**
 * `index:KEY=VALUE` or `manifest-descriptor[os/arch]:KEY=VALUE`. A type is required, as
 * `docker buildx imagetools create` requires one (`"" annotations are not supported yet`); a
 * typeless `--annotation` means a manifest annotation to `docker buildx build`, which a registry
 * index cannot take, so guessing either way would surprise someone.
 */
export function parseIndexAnnotations(flags: readonly string[]): Annotation[] {
  // One entry per (type, platform, key), the last value winning: buildx keys its map by a
  // platform *pointer*, so repeated platform-scoped keys would otherwise apply in random order.
  const byId = new Map<string, Annotation>();
  try {
    for (const f of flags) {
      for (const parsed of parseAnnotation(f)) {
        if (parsed.type === '') throw new UsageError(untypedMessage('--annotation', f, `${parsed.key}=${parsed.value}`));
        const a = parsed;
        byId.delete(annotationId(a));
        byId.set(annotationId(a), a);
      }
    }
  } catch (e) {
    // imagetools create's own wording: "failed to parse annotations: <parser message>"
    if (e instanceof AnnotationSyntaxError) throw new AnnotationSyntaxError(IMAGETOOLS_WRAPPER + e.message);
    throw e;
  }
  return [...byId.values()];
}

function untypedMessage(flag: string, given: string, keyValue: string): string {
  return `${flag} ${goQuote(given)} has no type: write index:${keyValue} for the index, or manifest-descriptor[os/arch]:${keyValue} for one platform's entry (imagetools create takes no untyped annotation)`;
}

/** `--remove index:KEY` or `--remove manifest-descriptor[os/arch]:KEY`. */
export function parseRemovals(flags: readonly string[]): Removal[] {
  const out: Removal[] = [];
  for (const f of flags) {
    if (f.includes('=')) throw new UsageError(`invalid --remove ${goQuote(f)}: expected index:KEY or manifest-descriptor[os/arch]:KEY, without "="`);
    for (const a of parseAnnotation(`${f}=`)) {
      if (a.type === '') throw new UsageError(untypedMessage('--remove', f, a.key));
      const type = a.type;
      if (type !== 'index' && type !== 'manifest-descriptor') {
        throw new UsageError(`invalid --remove ${goQuote(f)}: only index: and manifest-descriptor: annotations can be removed from a registry index`);
      }
      out.push({ type, key: a.key, ...(a.platform ? { platform: a.platform, platformSpec: a.platformSpec! } : {}) });
    }
  }
  return out;
}

/** `os/arch[/variant]`, comma-separated lists allowed (like buildx `--platform`). */
export function parsePlatformList(values: readonly string[]): Array<{ spec: string; platform: ReturnType<typeof parsePlatform> }> {
  const out: Array<{ spec: string; platform: ReturnType<typeof parsePlatform> }> = [];
  for (const v of values) {
    for (const spec of v.split(',')) {
      try {
        out.push({ spec, platform: parsePlatform(spec) });
      } catch (e) {
        if (e instanceof PlatformSyntaxError) throw new UsageError(`invalid platform ${goQuote(spec)}: ${e.message}`);
        throw e;
      }
    }
  }
  return out;
}

/** At most this many registry reads run at once (each is one buildx process). */
export const READ_CONCURRENCY = 4;

async function readTags(it: Imagetools, refs: readonly ImageRef[]): Promise<Array<{ ref: ImageRef; digest: string | null }>> {
  return mapBounded(refs, READ_CONCURRENCY, async (ref) => ({ ref, digest: (await it.tryInspect(formatReference(ref)))?.digest ?? null }));
}

/** After a failed write: where each planned tag is now (best effort; the registry may be gone). */
async function tagStates(it: Imagetools, plan: Plan, stepsDone: number): Promise<string> {
  const parts = await mapBounded(plan.cas, READ_CONCURRENCY, async (c) => {
    try {
      const now = await it.readState(c.ref);
      const planned = plan.steps.find((s) => s.tags.includes(c.ref))?.digest;
      return now === c.digest ? `${c.ref} unchanged` : now === planned ? `${c.ref} written (now ${now})` : `${c.ref} is now ${now ?? '(absent)'}`;
    } catch {
      return `${c.ref} could not be re-read`;
    }
  });
  return `${stepsDone} of ${plan.steps.length} write step(s) completed; ${parts.join(', ')}`;
}

/**
 * buildx's own dry run must print exactly the planned bytes. Run in --dry-run mode, through
 * `docker buildx` (the previous call sequence), and for every step whose bytes the model does not
 * predict; on the direct write path a predicted step needs no call (the goldens prove the model).
 */
async function preflight(it: Imagetools, plan: Plan, opts: RegistryOptions): Promise<number> {
  const steps = plan.steps.filter((s) => s.preflight.length > 0 && (opts.dryRun || it.viaDocker || !s.predicted));
  await mapBounded(steps, READ_CONCURRENCY, async (step) => {
    opts.log?.(`checking: ${it.commandLine(step.preflight).join(' ')}`);
    const bytes = await it.dryRun(step.preflight);
    const digest = resolveBytes(bytes).digest;
    if (digest === step.digest) return;
    let why = '';
    if (plan.result.mediaType.includes('index') || plan.result.mediaType.includes('list')) {
      try {
        why = diffIndexes(JSON.parse(plan.result.bytes) as Index, JSON.parse(bytes.toString('utf8')) as Index).join('; ');
      } catch {
        why = '';
      }
    }
    throw new OcifixError(
      `imagetools would write ${digest}, not the planned ${step.digest}${why ? ` (${why})` : ''}; nothing was written. ` +
        `Run with --dry-run to see the plan, and report this if the plan looks right.`,
      1,
    );
  });
  return steps.length;
}

/** Compare-and-swap: every tag must still hold what the plan was made from (all re-read at once, right before the write). */
async function compareAndSwap(it: Imagetools, plan: Plan): Promise<void> {
  const states = await mapBounded(plan.cas, READ_CONCURRENCY, async (c) => {
    try {
      return { c, now: (await it.tryInspect(c.ref))?.digest ?? null };
    } catch (e) {
      if (e instanceof RegistryError) throw new RegistryError(`${e.message}; nothing was written`, e.buildxMessage);
      throw e;
    }
  });
  const moved = states
    .filter(({ c, now }) => now !== c.digest)
    .map(({ c, now }) => `${c.ref} was ${c.digest ?? '(absent)'} when planned, is now ${now ?? '(absent)'}`);
  if (moved.length > 0)
    throw new ConflictError(`tag moved since the plan was made: ${moved.join('; ')}; nothing was written. Re-run to plan against the new state.`);
}

/**
 * A read-back that is neither our bytes nor the old ones. Our annotations over other manifests:
 * imagetools read the tag (an annotate step names the tag as its source) after another writer
 * moved it, so the other writer's manifests carry our annotations — their own index annotations,
 * if any, are gone. Anything else: another writer's PUT came after ours.
 */
function whoWrote(plan: Plan, got: Resolved): string {
  if (plan.action === 'annotate' && got.kind === 'index') {
    const want = JSON.parse(plan.result.bytes) as Index;
    const have = asIndex(got);
    if (sameMap(have.annotations, want.annotations) && childDigests(have) !== childDigests(want))
      return "another writer moved it just before our write: our annotations went onto that writer's manifests; check the tag";
  }
  return 'another writer moved it while we wrote';
}

/** Read every written tag back (at once); they must all be on their step's digest. Returns what was read. */
async function readBack(it: Imagetools, plan: Plan): Promise<Map<string, Resolved>> {
  const wanted = plan.steps.flatMap((step) => step.tags.map((t) => ({ t, digest: step.digest })));
  // reads are retried; one that still fails says the write is done
  const got = await mapBounded(wanted, READ_CONCURRENCY, async (w) => {
    try {
      return { ...w, got: await it.tryInspect(w.t) };
    } catch (e) {
      if (!(e instanceof RegistryError)) throw e;
      throw new RegistryError(
        `the write completed (${wanted.map((x) => x.t).join(', ')} now at ${w.digest}), but reading ${w.t} back failed: ${e.buildxMessage || e.message}`,
        e.buildxMessage,
      );
    }
  });
  const wrong: string[] = [];
  const back = new Map<string, Resolved>();
  for (const { t, digest, got: g } of got) {
    if (!g) wrong.push(`${t} does not exist`);
    else if (g.digest !== digest) {
      const before = plan.cas.find((c) => c.ref === t)?.digest;
      // neither our bytes nor what it held before: someone else wrote it while we wrote
      wrong.push(
        `${t} is at ${g.digest}, expected ${digest}${g.digest === before ? ' (still the old index: the write did not land)' : ` (${whoWrote(plan, g)})`}`,
      );
    } else back.set(t, g);
  }
  if (wrong.length > 0) throw new OcifixError(`written, but the read-back does not match: ${wrong.join('; ')}`, 1);
  return back;
}

/** Preflight (when needed), compare-and-swap, write, read back. */
async function execute(it: Imagetools, plan: Plan, opts: RegistryOptions): Promise<WriteOutcome> {
  const log = opts.log ?? (() => {});
  const commands = plan.steps.map((s) => it.commandLine(s.argv));
  const checked = await preflight(it, plan, opts);
  if (opts.dryRun || plan.steps.length === 0) return { plan, written: false, commands };
  // The compare-and-swap re-read must come right before the write. When no call ran since the
  // plan's own reads (every step's bytes predicted), those reads are that re-read: only the
  // in-process planning lies between them and the write, so a second round would read the same.
  if (checked > 0) await compareAndSwap(it, plan);
  let wrote = 0;
  const t0 = Date.now();
  for (const step of plan.steps) {
    log(`running: ${it.commandLine(step.argv).join(' ')}`);
    try {
      await it.create(step.argv);
    } catch (e) {
      if (e instanceof RegistryError) throw new RegistryError(`${e.message}; ${await tagStates(it, plan, wrote)}`, e.buildxMessage);
      throw e;
    }
    wrote++;
  }
  // A writer whose compare-and-swap re-read came before our write lands its own write within about
  // one write's time of ours: read back after that long, so such a write shows as "another writer
  // moved it while we wrote" (exit 1) instead of an overwrite both sides call a success.
  await new Promise((res) => setTimeout(res, it.settleMs(Date.now() - t0)));
  return { plan, written: true, commands, readBack: await readBack(it, plan) };
}

export interface AnnotateChanges {
  /** `index:KEY=VALUE` or `manifest-descriptor[os/arch]:KEY=VALUE` (a type is required). */
  set?: readonly string[];
  /** `[index:|manifest-descriptor[os/arch]:]KEY`. */
  remove?: readonly string[];
  /** Extra tags that must end on the annotated index. */
  tags?: readonly string[];
}

/**
 * Add/replace/remove annotations on the index REF points at, keeping every existing index and
 * descriptor annotation and every child manifest. REF may carry `@sha256:` (then it must still be
 * at that digest) and must name a tag unless `tags` are given.
 */
export async function annotateIndex(docker: Docker, ref: string, changes: AnnotateChanges, opts: RegistryOptions = {}): Promise<AnnotateOutcome> {
  const target = parseReference(ref);
  const set = parseIndexAnnotations(changes.set ?? []);
  const remove = parseRemovals(changes.remove ?? []);
  const extraRefs = (changes.tags ?? []).map(parseReference).map(tagOnly);
  if (set.length === 0 && remove.length === 0) throw new UsageError('nothing to do: give at least one --annotation or --remove');
  for (const t of extraRefs) if (t.tag === undefined) throw new UsageError(`-t ${formatReference(t)}: a tag is required`);
  if (target.tag === undefined && extraRefs.length === 0) {
    throw new UsageError(`${ref} has no tag to write the annotated index to; add a tag (REPO:TAG or REPO:TAG@sha256:…) or -t`);
  }
  const it = client(docker, opts);
  const writeRef = target.tag !== undefined ? tagOnly(target) : extraRefs[0]!;
  const readRef = target.digest ? atDigest(target, target.digest) : writeRef;
  const extras = extraRefs.filter((t) => formatReference(t) !== formatReference(writeRef));
  // Independent reads at once: what REF resolves to, the written tag (when REF is by digest), the -t tags.
  const tagRead = target.digest !== undefined ? it.tryInspect(formatReference(writeRef)).then((r) => r?.digest ?? null) : undefined;
  tagRead?.catch(() => {}); // awaited below; a failure of the other reads must not leave it unhandled
  const [current, extraTags] = await Promise.all([it.inspect(formatReference(readRef)), readTags(it, extras)]);
  const tagNow = tagRead ? await tagRead : current.digest;
  if (target.digest && target.tag !== undefined && tagNow !== target.digest) {
    throw new ConflictError(`${formatReference(writeRef)} is at ${tagNow ?? '(absent)'}, not ${target.digest}; nothing was written`);
  }
  // REF by digest only: the first -t is the written tag; its current value is what must not move.
  const targetDigest = target.tag === undefined ? tagNow : current.digest;
  const sourceByTag = target.digest === undefined;
  const plan = planAnnotate({ target: writeRef, current, targetDigest, set, remove, extraTags, argv: it, sourceByTag });
  const outcome = await execute(it, plan, opts);
  if (outcome.written) {
    // The read-back digest matched the plan; also check the meaning (annotations, same children).
    const back = outcome.readBack?.get(formatReference(writeRef)) ?? (await it.inspect(formatReference(writeRef)));
    const problems =
      back.kind === 'index'
        ? diffIndexes(JSON.parse(plan.result.bytes) as Index, asIndex(back))
        : [`${formatReference(writeRef)} is not an index after the write`];
    const beforeChildren = childDigests(asIndex(current));
    const afterChildren = back.kind === 'index' ? childDigests(asIndex(back)) : '';
    if (beforeChildren !== afterChildren) problems.push(`child manifests changed: ${beforeChildren} → ${afterChildren}`);
    if (problems.length > 0) throw new OcifixError(`written, but the read-back index differs from the plan: ${problems.join('; ')}`, 1);
  }
  return outcome;
}

/**
 * Point every target tag at exactly SOURCE's digest (byte-identical copy). SOURCE by tag or
 * `@sha256:`. A platform manifest source is refused unless allowManifest.
 */
export async function repointTag(
  docker: Docker,
  source: string,
  targets: readonly string[],
  opts: RegistryOptions & { allowManifest?: boolean; action?: 'retag' | 'repoint' } = {},
): Promise<RetagOutcome> {
  const src = parseReference(source);
  const targetRefs = targets.map(parseReference);
  if (targetRefs.length === 0) throw new UsageError('at least one TARGET tag is required');
  for (const [i, t] of targetRefs.entries()) {
    if (t.digest) throw new UsageError(`TARGET ${targets[i]} must be a tag, not a digest reference`);
  }
  const it = client(docker, opts);
  // the source and every target at once
  const [resolved, targetStates] = await Promise.all([it.inspect(formatReference(src)), readTags(it, targetRefs.map(tagOnly))]);
  const plan = planRetag({
    source: src,
    resolved,
    targets: targetStates,
    allowManifest: opts.allowManifest ?? false,
    argv: it,
    action: opts.action ?? 'retag',
  });
  return execute(it, plan, opts);
}

export interface VerifyOutcome {
  report: VerifyReport;
  /** Present when a fix was planned (--fix): what was (or, with dryRun, would be) written. */
  fix?: WriteOutcome;
  /** Report after the fix (when one was written). */
  after?: VerifyReport;
}

export interface VerifySpec {
  /** `os/arch[/variant]`, comma lists allowed. */
  platforms?: readonly string[];
  digest?: string;
  /** `index:KEY=VALUE` or `manifest-descriptor[os/arch]:KEY=VALUE` (a type is required). */
  annotations?: readonly string[];
  /** Re-point the tag to `digest` when the check fails. */
  fix?: boolean;
}

/** Check a tag; with `fix`, re-point it to `digest` when that is what is wrong. Never throws for a failed check. */
export async function verifyTag(docker: Docker, ref: string, spec: VerifySpec, opts: RegistryOptions = {}): Promise<VerifyOutcome> {
  const target = parseReference(ref);
  const expect: VerifyExpectation = {
    platforms: parsePlatformList(spec.platforms ?? []),
    annotations: parseIndexAnnotations(spec.annotations ?? []).map((a) => {
      if (a.type !== 'index' && a.type !== 'manifest-descriptor')
        throw new UsageError(`--annotation ${goQuote(a.key)}: verify checks index: and manifest-descriptor: annotations only`);
      return a;
    }),
    ...(spec.digest ? { digest: parseDigest(spec.digest) } : {}),
  };
  if (spec.fix && !spec.digest) throw new UsageError('--fix needs --digest sha256:… (the index the tag must point at)');
  if (spec.fix && target.tag === undefined) throw new UsageError(`--fix needs a tag to re-point; ${ref} has none`);
  const it = client(docker, opts);
  const shown = formatReference(target);
  const resolved: Resolved | null = await it.tryInspect(shown);
  const report = checkTag(shown, resolved, expect);
  if (report.ok || !spec.fix) return { report };

  const fixable = report.problems.some((p) => p.code === 'not-found' || p.code === 'not-an-index' || p.code === 'digest-mismatch');
  if (!fixable) return { report };
  const outcome = await repointTag(
    docker,
    `${formatReference({ domain: target.domain, path: target.path })}@${spec.digest}`,
    [formatReference(tagOnly(target))],
    {
      ...opts,
      action: 'repoint',
    },
  );
  if (!outcome.written) return { report, fix: outcome };
  const tag = formatReference(tagOnly(target));
  const after = checkTag(shown, outcome.readBack?.get(tag) ?? (await it.tryInspect(tag)), expect);
  return { report, fix: outcome, after };
}
