/**
 * Runs a BuildPlan: the main buildx build (stdio inherited: buildx's progress and TTY untouched),
 * then the post-build steps in order. The registry and layout work goes through a PostStepOps
 * (src/build/post-step-ops.ts wires the normalize/annotate/retag/verify functions), so this file only
 * sequences, reports and cleans up.
 *
 * Exit code: buildx's when it fails (after the failure steps); 0 when every step passed; a failing
 * step stops the sequence with its own message and exit code (1 unless the error says otherwise).
 */
import { readFile, readdir, realpath, rm, rmdir, stat } from 'node:fs/promises';
import { mapBounded } from '../concurrency.js';
import { OcifixError } from '../errors.js';
import { writeFileAtomic } from '../layout/atomic.js';
import { shortDigest } from '../oci/digest.js';
import { describeStep } from './steps.js';
import type { BuildPlan, PostStep } from './types.js';

export type TagCheck =
  /** The tag already resolves to the digest. */
  | { state: 'ok' }
  /** The tag was elsewhere (`was`, null = missing) and now resolves to the digest. */
  | { state: 'repointed'; was: string | null };

/** Where a build's stdout goes, and what it reads as stdin. */
export interface BuildIO {
  /** 'inherit': the user's stdout; 'ignore': dropped; 'capture': returned in `stdout`. */
  stdout: 'inherit' | 'ignore' | 'capture';
  /** A file to read as stdin instead of ours. */
  stdinFile?: string;
}

export interface PostStepOps {
  /** `docker [globals] buildx ARGS` (stderr and, unless told otherwise, stdout inherited). */
  buildx(args: readonly string[], env: Record<string, string>, io: BuildIO): Promise<{ exitCode: number; stdout: string }>;
  /** Read all of our stdin into a private temporary file; returns its path and how to remove it. */
  captureStdin(): Promise<{ path: string; remove(): Promise<void> }>;
  /** Normalize an OCI layout (dir or tar) in place to one index.json entry named `ref`; returns a summary, undefined when it was already one entry. */
  normalize(path: string, ref: string): Promise<string | undefined>;
  /** Add annotations to the index at refs[0]@digest, writing it to every ref; returns the new index's descriptor. */
  annotate(refs: readonly string[], digest: string, annotations: readonly string[]): Promise<IndexDescriptor>;
  /** Problems found when reading `ref` back (empty = the annotations are there). */
  verifyAnnotations(ref: string, annotations: readonly string[]): Promise<string[]>;
  /** Make `ref` resolve to `digest` (compare-and-swap re-point when it does not). */
  ensureTag(ref: string, digest: string): Promise<TagCheck>;
}

/** The index an annotate step wrote. */
export interface IndexDescriptor {
  digest: string;
  mediaType: string;
  size: number;
}

export interface ExecuteIO {
  /** A diagnostic line (stderr). */
  say(line: string): void;
  /** Data for stdout (the held -q output of the main build). */
  print(text: string): void;
  /** Notices are shown unless quiet. */
  quiet: boolean;
  /** How long a silent step may run before one line says what it is doing (ms; default 1000). */
  progressAfterMs?: number;
}

/** At most this many tag checks run at once. */
const TAG_CHECK_CONCURRENCY = 4;

/** Rewrite a --iidfile that names `from` to name `to` (atomic, same mode). Returns false when it named something else. */
export async function rewriteIidFile(path: string, from: string, to: string): Promise<boolean> {
  let text: string;
  let mode: number;
  try {
    text = await readFile(path, 'utf8');
    mode = (await stat(path)).mode & 0o7777;
  } catch (error) {
    throw new OcifixError(`cannot update ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); it still names ${from}, not the annotated index ${to}`);
  }
  if (text.trim() !== from) return false;
  try {
    await writeFileAtomic(await realpath(path), text.replace(from, to), mode);
  } catch (error) {
    throw new OcifixError(`cannot update ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); it still names ${from}, not the annotated index ${to}`);
  }
  return true;
}

async function pathState(path: string): Promise<'absent' | 'present'> {
  try {
    await stat(path);
    return 'present';
  } catch {
    return 'absent';
  }
}

/** Remove `path` if it is a 0-byte file or an empty directory. Returns true when removed. */
async function removeIfEmpty(path: string): Promise<boolean> {
  let st;
  try {
    st = await stat(path);
  } catch {
    return false;
  }
  if (st.isFile() && st.size === 0) {
    await rm(path, { force: true });
    return true;
  }
  if (st.isDirectory() && (await readdir(path)).length === 0) {
    await rmdir(path);
    return true;
  }
  return false;
}

/** A bake's metadata file holds one entry per target; a build's is that entry. */
function entryOf(meta: Record<string, unknown>, target: string | undefined): Record<string, unknown> {
  if (target === undefined) return meta;
  const e = meta[target];
  return typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : {};
}

/** The digest buildx pushed, from its metadata file (a bake's: the target's entry). */
export async function pushedDigest(path: string, target?: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new OcifixError(`cannot read buildx's metadata file ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}), so the pushed digest is unknown; the tags were not checked`);
  }
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new OcifixError(`buildx's metadata file ${path} is not JSON; the tags were not checked`);
  }
  const d = entryOf(meta, target)['containerimage.digest'];
  if (typeof d !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(d)) {
    const where = target === undefined ? '' : ` for target "${target}"`;
    throw new OcifixError(`buildx's metadata file ${path} has no containerimage.digest${where}, so the pushed digest is unknown; the tags were not checked`);
  }
  return d;
}

/**
 * Point the user's metadata file at the annotated index: `containerimage.digest` and, when
 * present, `containerimage.descriptor` (digest, size, media type), where they named `from`.
 * Atomic (writeFileAtomic: temp file beside it, fsync, rename). Returns false when it named another digest.
 */
export async function rewriteMetadata(path: string, from: string, to: IndexDescriptor, target?: string): Promise<boolean> {
  let meta: Record<string, unknown>;
  let mode: number;
  try {
    meta = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    mode = (await stat(path)).mode & 0o7777;
  } catch (error) {
    throw new OcifixError(`cannot update ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); it still names ${from}, not the annotated index ${to.digest}`);
  }
  const entry = entryOf(meta, target);
  if (entry['containerimage.digest'] !== from) return false;
  entry['containerimage.digest'] = to.digest;
  const desc = entry['containerimage.descriptor'];
  if (typeof desc === 'object' && desc !== null && (desc as Record<string, unknown>)['digest'] === from) {
    Object.assign(desc, { mediaType: to.mediaType, digest: to.digest, size: to.size });
  }
  try {
    // the project's one atomic write (temp beside the target, fsync, rename, fsync dir); realpath
    // keeps a symlinked --metadata-file a symlink
    await writeFileAtomic(await realpath(path), JSON.stringify(meta, null, 2), mode);
  } catch (error) {
    throw new OcifixError(`cannot update ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); it still names ${from}, not the annotated index ${to.digest}`);
  }
  return true;
}

/** What the steps after a successful build share. */
interface RunState {
  /** The pushed digest per bake target ('' for a build), once read (or after annotate, the annotated index's). */
  digests: Map<string, string>;
  /** The main build's stdout, when held back (-q with an annotate step): printed at the end. */
  heldStdout?: string;
  /** A step that failed without making the later steps pointless: the exit code at the end. */
  deferredExit: number;
  /** Our stdin, read once into a private file when several builds need it. */
  stdin?: { path: string; remove(): Promise<void> };
}

function noteFor(io: ExecuteIO, target?: string): (line: string) => void {
  return (line) => {
    if (!io.quiet) io.say(lead(line, target));
  };
}

/** A step's line names its bake target: `ocifix: target "T": …`. */
function lead(line: string, target: string | undefined): string {
  return target === undefined || !line.startsWith('ocifix: ') ? line : `ocifix: target "${target}": ${line.slice('ocifix: '.length)}`;
}

async function currentDigest(plan: BuildPlan, st: RunState, target: string | undefined): Promise<string> {
  const known = st.digests.get(target ?? '');
  if (known) return known;
  if (!plan.metadataFile) throw new OcifixError('internal: a registry step without a metadata file');
  const d = await pushedDigest(plan.metadataFile.path, target);
  st.digests.set(target ?? '', d);
  return d;
}

/** A local file problem must not skip the registry checks that follow: report it, go on, fail at the end. */
async function softly(io: ExecuteIO, st: RunState, fn: () => Promise<boolean>): Promise<boolean> {
  try {
    return await fn();
  } catch (error) {
    if (!(error instanceof OcifixError)) throw error;
    io.say(`docker ocifix: ${error.message}`);
    st.deferredExit = 1;
    return false;
  }
}

async function annotateStep(step: Extract<PostStep, { kind: 'annotate' }>, plan: BuildPlan, ops: PostStepOps, io: ExecuteIO, st: RunState): Promise<void> {
  const from = await currentDigest(plan, st, step.target);
  const annotated = await ops.annotate(step.refs, from, step.annotations);
  st.digests.set(step.target ?? '', annotated.digest);
  const files: string[] = [];
  if (annotated.digest !== from) {
    if (plan.metadataFile && !plan.metadataFile.temporary && (await softly(io, st, () => rewriteMetadata(plan.metadataFile!.path, from, annotated, step.target)))) files.push(plan.metadataFile.path);
    if (plan.iidFile && (await softly(io, st, () => rewriteIidFile(plan.iidFile!, from, annotated.digest)))) files.push(plan.iidFile);
    if (st.heldStdout !== undefined) st.heldStdout = st.heldStdout.split(from).join(annotated.digest);
  }
  const n = step.annotations.length;
  noteFor(io, step.target)(
    `ocifix: added ${n} annotation${n === 1 ? '' : 's'} lost in buildx ${step.buildxVersion}'s multi-node merge: index ${shortDigest(annotated.digest)}` +
      (files.length ? ` (also in ${files.join(', ')})` : ''),
  );
}

async function verifyTagsStep(step: Extract<PostStep, { kind: 'verify-tags' }>, plan: BuildPlan, ops: PostStepOps, io: ExecuteIO, st: RunState): Promise<void> {
  const want = await currentDigest(plan, st, step.target);
  // silent when quick; one line when it takes longer than a moment (many tags, a slow registry)
  const n = step.refs.length;
  const timer = setTimeout(() => noteFor(io, step.target)(`ocifix: checking that ${n === 1 ? step.refs[0] : `the ${n} tags`} point${n === 1 ? 's' : ''} at ${shortDigest(want)}…`), io.progressAfterMs ?? 1000);
  try {
    const checks = await mapBounded(step.refs, TAG_CHECK_CONCURRENCY, async (ref) => ({ ref, check: await ops.ensureTag(ref, want) }));
    for (const { ref, check } of checks) {
      if (check.state === 'repointed') io.say(lead(`ocifix: re-pointed ${ref} to ${shortDigest(want)} (it was on ${check.was ? shortDigest(check.was) : 'nothing'})`, step.target));
    }
  } finally {
    clearTimeout(timer);
  }
}

/** One step after a successful build; an OcifixError stops the plan with its exit code. */
async function runSuccessStep(step: PostStep, plan: BuildPlan, ops: PostStepOps, io: ExecuteIO, st: RunState): Promise<void> {
  switch (step.kind) {
    case 'buildx': {
      const stdinFile = step.stdinFile ?? st.stdin?.path;
      const r = await ops.buildx(step.args, plan.buildxEnv, { stdout: step.stdout, ...(stdinFile ? { stdinFile } : {}) });
      if (r.exitCode !== 0) throw new OcifixError(`the main build succeeded, but the follow-up build to ${step.why} failed (exit ${r.exitCode})`, r.exitCode);
      return;
    }
    case 'normalize': {
      const summary = await ops.normalize(step.path, step.ref);
      if (summary) noteFor(io, step.target)(`ocifix: normalized ${step.path} for crane and skopeo: ${summary}`);
      return;
    }
    case 'annotate':
      return annotateStep(step, plan, ops, io, st);
    case 'verify-annotations': {
      const problems = (await mapBounded(step.refs, TAG_CHECK_CONCURRENCY, (ref) => ops.verifyAnnotations(ref, step.annotations))).flat();
      if (problems.length > 0) throw new OcifixError(`the pushed index lacks annotations that were asked for: ${problems.join('; ')}`);
      return;
    }
    case 'verify-tags':
      return verifyTagsStep(step, plan, ops, io, st);
    default:
      return;
  }
}

/** Run a plan (not a refused one). Returns the exit code for `docker ocifix build`. */
export async function executePlan(plan: BuildPlan, ops: PostStepOps, io: ExecuteIO): Promise<number> {
  const failureSteps = plan.postSteps.filter((s) => s.when === 'failure');
  const alwaysSteps = plan.postSteps.filter((s) => s.when === 'always');
  const successSteps = plan.postSteps.filter((s) => s.when === 'success');
  const st: RunState = { deferredExit: 0, digests: new Map() };

  // Which outputs exist before the build: only the ones this run creates may be cleaned up.
  const before = new Map<string, 'absent' | 'present'>();
  for (const s of failureSteps) if (s.kind === 'remove-empty-output') before.set(s.path, await pathState(s.path));

  const cleanup = async (): Promise<void> => {
    for (const s of alwaysSteps) if (s.kind === 'remove-temp') await rm(s.path, { force: true }).catch(() => undefined);
    await st.stdin?.remove().catch(() => undefined);
  };

  let code: number;
  try {
    // read once, handed to every build (a follow-up build would otherwise find stdin at EOF)
    if (plan.stdin === 'shared') st.stdin = await ops.captureStdin();
    const mainStdin = plan.stdinFile ?? st.stdin?.path;
    const main = await ops.buildx(plan.buildxArgs, plan.buildxEnv, { stdout: plan.mainStdout, ...(mainStdin ? { stdinFile: mainStdin } : {}) });
    code = main.exitCode;
    if (plan.mainStdout === 'capture') st.heldStdout = main.stdout;
  } catch (error) {
    await cleanup();
    throw error;
  }
  if (code !== 0) {
    if (st.heldStdout) io.print(st.heldStdout);
    for (const s of failureSteps) {
      if (s.kind !== 'remove-empty-output' || before.get(s.path) !== 'absent') continue;
      if (await removeIfEmpty(s.path).catch(() => false)) noteFor(io)(`ocifix: removed ${s.path}: the failed build left it empty and it did not exist before`);
    }
    await cleanup();
    return code;
  }

  try {
    for (const step of successSteps) {
      try {
        await runSuccessStep(step, plan, ops, io, st);
      } catch (error) {
        if (!(error instanceof OcifixError)) throw error;
        if (st.heldStdout) io.print(st.heldStdout);
        st.heldStdout = undefined;
        io.say(`docker ocifix: ${describeStep(step)}: ${error.message}`);
        return error.exitCode || 1;
      }
    }
  } finally {
    await cleanup();
  }
  if (st.heldStdout) io.print(st.heldStdout);
  return st.deferredExit;
}
