/**
 * Runs a BuildPlan: the main buildx build (stdio inherited: buildx's progress and TTY untouched),
 * then the post-build steps in order. The registry and layout work goes through a PostStepOps
 * (src/plan/ops.ts wires the normalize/annotate/retag/verify functions), so this file only
 * sequences, reports and cleans up.
 *
 * Exit code: buildx's when it fails (after the failure steps); 0 when every step passed; a failing
 * step stops the sequence with its own message and exit code (1 unless the error says otherwise).
 */
import { readFile, readdir, realpath, rm, rmdir, stat } from 'node:fs/promises';
import { OcifixError } from '../errors.js';
import { writeFileAtomic } from '../layout/atomic.js';
import type { BuildPlan, PostStep } from './types.js';

export type TagCheck =
  /** The tag already resolves to the digest. */
  | { state: 'ok' }
  /** The tag was elsewhere (`was`, null = missing) and now resolves to the digest. */
  | { state: 'repointed'; was: string | null };

export interface PostStepOps {
  /** `docker [globals] buildx ARGS` with inherited stdio; resolves to the exit code. */
  buildx(args: readonly string[], env: Record<string, string>): Promise<number>;
  /** Normalize an OCI layout (dir or tar) in place to one index.json entry named `ref`; returns a summary. */
  normalize(path: string, ref: string): Promise<string>;
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
  /** Notices are shown unless quiet. */
  quiet: boolean;
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

/** The digest buildx pushed, from its metadata file. */
export async function pushedDigest(path: string): Promise<string> {
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
  const d = meta['containerimage.digest'];
  if (typeof d !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(d)) {
    throw new OcifixError(`buildx's metadata file ${path} has no containerimage.digest, so the pushed digest is unknown; the tags were not checked`);
  }
  return d;
}

/**
 * Point the user's metadata file at the annotated index: `containerimage.digest` and, when
 * present, `containerimage.descriptor` (digest, size, media type), where they named `from`.
 * Atomic (writeFileAtomic: temp file beside it, fsync, rename). Returns false when it named another digest.
 */
export async function rewriteMetadata(path: string, from: string, to: IndexDescriptor): Promise<boolean> {
  let meta: Record<string, unknown>;
  let mode: number;
  try {
    meta = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    mode = (await stat(path)).mode & 0o7777;
  } catch (error) {
    throw new OcifixError(`cannot update ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); it still names ${from}, not the annotated index ${to.digest}`);
  }
  if (meta['containerimage.digest'] !== from) return false;
  meta['containerimage.digest'] = to.digest;
  const desc = meta['containerimage.descriptor'];
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

function describe(step: PostStep): string {
  switch (step.kind) {
    case 'buildx':
      return step.why;
    case 'normalize':
      return `normalize ${step.path}`;
    case 'annotate':
      return `annotate ${step.refs[0]}`;
    case 'verify-annotations':
      return `check annotations of ${step.refs[0]}`;
    case 'verify-tags':
      return `check tags ${step.refs.join(', ')}`;
    case 'remove-empty-output':
      return `remove empty ${step.path}`;
    case 'remove-temp':
      return `remove ${step.path}`;
  }
}

/** Run a plan (not a refused one). Returns the exit code for `docker ocifix build`. */
export async function executePlan(plan: BuildPlan, ops: PostStepOps, io: ExecuteIO): Promise<number> {
  const failureSteps = plan.postSteps.filter((s) => s.when === 'failure');
  const alwaysSteps = plan.postSteps.filter((s) => s.when === 'always');
  const successSteps = plan.postSteps.filter((s) => s.when === 'success');
  const note = (line: string): void => {
    if (!io.quiet) io.say(line);
  };

  // Which outputs exist before the build: only the ones this run creates may be cleaned up.
  const before = new Map<string, 'absent' | 'present'>();
  for (const s of failureSteps) if (s.kind === 'remove-empty-output') before.set(s.path, await pathState(s.path));

  const cleanup = async (): Promise<void> => {
    for (const s of alwaysSteps) if (s.kind === 'remove-temp') await rm(s.path, { force: true }).catch(() => undefined);
  };

  let code: number;
  try {
    code = await ops.buildx(plan.buildxArgs, plan.buildxEnv);
  } catch (error) {
    await cleanup();
    throw error;
  }
  if (code !== 0) {
    for (const s of failureSteps) {
      if (s.kind !== 'remove-empty-output' || before.get(s.path) !== 'absent') continue;
      if (await removeIfEmpty(s.path).catch(() => false)) note(`ocifix: removed ${s.path}: the failed build left it empty and it did not exist before`);
    }
    await cleanup();
    return code;
  }

  let digest: string | undefined;
  /** A step that failed without making the later steps pointless: the exit code at the end. */
  let deferredExit = 0;
  const currentDigest = async (): Promise<string> => {
    if (digest) return digest;
    if (!plan.metadataFile) throw new OcifixError('internal: a registry step without a metadata file');
    digest = await pushedDigest(plan.metadataFile.path);
    return digest;
  };

  try {
    for (const step of successSteps) {
      try {
        switch (step.kind) {
          case 'buildx': {
            note(`ocifix: ${step.why}`);
            const c = await ops.buildx(step.args, plan.buildxEnv);
            if (c !== 0) throw new OcifixError(`the main build succeeded, but the follow-up build to ${step.why} failed (exit ${c})`, c);
            break;
          }
          case 'normalize': {
            const summary = await ops.normalize(step.path, step.ref);
            note(`ocifix: normalized ${step.path}: ${summary}`);
            break;
          }
          case 'annotate': {
            const from = await currentDigest();
            const annotated = await ops.annotate(step.refs, from, step.annotations);
            digest = annotated.digest;
            let metaNote = '';
            if (plan.metadataFile && !plan.metadataFile.temporary && digest !== from) {
              // a local file problem must not skip the registry checks that follow: report it, go on,
              // and fail the run at the end
              try {
                if (await rewriteMetadata(plan.metadataFile.path, from, annotated)) metaNote = `; ${plan.metadataFile.path} now names the annotated index`;
              } catch (error) {
                if (!(error instanceof OcifixError)) throw error;
                io.say(`docker ocifix: ${error.message}`);
                deferredExit = 1;
              }
            }
            note(`ocifix: added ${step.annotations.join(', ')} to ${step.refs.join(', ')} (index ${from} → ${digest})${metaNote}`);
            break;
          }
          case 'verify-annotations': {
            const problems: string[] = [];
            for (const ref of step.refs) problems.push(...(await ops.verifyAnnotations(ref, step.annotations)));
            if (problems.length > 0) throw new OcifixError(`the pushed index lacks annotations that were asked for: ${problems.join('; ')}`);
            break;
          }
          case 'verify-tags': {
            const want = await currentDigest();
            for (const ref of step.refs) {
              const r = await ops.ensureTag(ref, want);
              if (r.state === 'repointed') io.say(`ocifix: re-pointed ${ref} to ${want} (it was on ${r.was ?? 'nothing'})`);
            }
            break;
          }
          default:
            break;
        }
      } catch (error) {
        if (error instanceof OcifixError) {
          io.say(`docker ocifix: ${describe(step)}: ${error.message}`);
          return error.exitCode || 1;
        }
        throw error;
      }
    }
  } finally {
    await cleanup();
  }
  return deferredExit;
}
