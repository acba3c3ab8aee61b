/**
 * `normalizeLayout`: read an OCI image layout (directory or tar), validate it, plan the
 * normalization (src/oci/normalize-planner.ts) and write the result atomically — in place or to `output`.
 * This is the function `docker ocifix normalize` runs and `docker ocifix build` calls after a
 * `type=oci` export.
 *
 * Errors: InputError (exit 2) for a bad layout, UsageError (125) for bad options,
 * OcifixError(…, 1) when different images are present and `ref` does not choose one,
 * EnvironmentError (exit 2) when the machine is in the way (disk full, read-only file system,
 * permission denied, …): one line naming the path and the fix. In every error case nothing has
 * been written (all new files are complete temporaries before the first rename).
 */
import { mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { EnvironmentError, InputError, systemProblem, UsageError } from '../errors.js';
import { LayoutFormatError, OCI_LAYOUT_CONTENT, parseIndexJson, parseOciLayout, serializeIndexJson } from '../oci/layout.js';
import type { Descriptor } from '../oci/media.js';
import { type Change, type ImageSummary, type KeptRef, type Mode, MODES, planNormalize } from '../oci/normalize-planner.js';
import { parseRefSelector } from '../oci/refname.js';
import { cleanStaleTemps, CommittedError } from './atomic.js';
import { openLayout, type LayoutKind, type LayoutSource, type TarSource } from './source.js';
import { verifyBlobs } from './verify.js';
import { writeDirectoryInPlace, writeDirectoryTo, writeTar } from './write.js';

export interface NormalizeOptions {
  /** Write the result here instead of in place (directory → directory, tar → tar). */
  output?: string;
  /** Tag or full image name to keep (single) / put first (per-tag); selects among different images. */
  ref?: string;
  /** Target shape; default `single`. */
  mode?: Mode;
  /** Only report whether the layout is already normal; write nothing. */
  check?: boolean;
  /** Print the plan; write nothing. */
  dryRun?: boolean;
  /** Hash every referenced blob, not just check presence and size. */
  verifyBlobs?: boolean;
  /** Base for relative paths (default process.cwd()). */
  cwd?: string;
}

export interface NormalizeReport {
  /** The layout as given. */
  layout: string;
  kind: LayoutKind;
  /** Where the result goes (same as `layout` when in place). */
  output: string;
  inPlace: boolean;
  mode: Mode;
  check: boolean;
  dryRun: boolean;
  /** True when the layout was not normal (something was, or would be, written). */
  changed: boolean;
  /** True when files were written. */
  written: boolean;
  keptRef: KeptRef | null;
  entriesBefore: Descriptor[];
  entriesAfter: Descriptor[];
  images: ImageSummary[];
  dropped: ImageSummary[];
  changes: Change[];
  warnings: string[];
  blobs: { checked: number; hashed: number; bytes: number };
}

function asInput(error: unknown): never {
  if (error instanceof LayoutFormatError) throw new InputError(error.message);
  throw error;
}

async function exists(p: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(p);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Resolve and check `-o`: returns the absolute target, or undefined when it is the input itself. */
async function resolveOutput(src: LayoutSource, output: string, cwd: string): Promise<string | undefined> {
  const target = resolve(cwd, output);
  const st = await exists(target);
  if (st) {
    const real = await realpath(target);
    if (real === src.path) return undefined;
    if (src.kind === 'directory') {
      if (!st.isDirectory()) throw new UsageError(`-o ${output}: exists and is not a directory; a directory layout is written as a directory`);
      if ((await readdir(target)).length > 0) throw new UsageError(`-o ${output}: directory exists and is not empty; choose a new path or remove it first`);
    } else if (!st.isFile()) {
      throw new UsageError(`-o ${output}: exists and is not a regular file; a tar layout is written as a tar file`);
    }
  } else {
    const parent = await exists(dirname(target));
    if (parent && !parent.isDirectory()) throw new UsageError(`-o ${output}: ${dirname(output)} is not a directory`);
  }
  return target;
}

type Phase = 'read' | 'write';

function readFix(code: string): string {
  if (code === 'EACCES' || code === 'EPERM') return 'run as a user who may read the whole layout, or fix its permissions';
  if (code === 'EMFILE' || code === 'ENFILE') return 'raise the open-file limit (ulimit -n) and run again';
  if (code === 'EIO') return 'the disk or file system failed: check it (dmesg)';
  return 'check the path';
}

function writeFix(code: string, kind: LayoutKind, inPlace: boolean): string {
  const elsewhere = inPlace ? 'write the result elsewhere with -o PATH' : 'choose another -o PATH';
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return kind === 'tar'
        ? `a normalized tar is written as a whole new copy before it replaces ${inPlace ? 'the input' : 'the target'}: free that much space there, or ${elsewhere} on another file system`
        : `free some space there, or ${elsewhere}`;
    case 'EROFS':
      return inPlace ? 'write the result to a writable file system with -o PATH' : 'choose an -o PATH on a writable file system';
    case 'EACCES':
    case 'EPERM':
      return inPlace
        ? "run as a user who may write there (files are replaced by rename, so the layout's directory must be writable), or write the result elsewhere with -o PATH"
        : 'choose an -o PATH you may write, or run as a user who may';
    case 'EIO':
      return 'the disk or file system failed: check it (dmesg)';
    default:
      return 'check the path';
  }
}

/** A system error (disk full, read-only, permission…) as one line naming the path and the fix; anything else unchanged. */
function environmentError(error: unknown, phase: Phase, at: { label: string; kind: LayoutKind | undefined; output: string | undefined }): unknown {
  if (error instanceof CommittedError) {
    const p = systemProblem(error.cause);
    const why = p ? `${p.reason} (${p.code})` : String((error.cause as Error)?.message ?? error.cause);
    return new EnvironmentError(
      `${at.output ?? at.label} was written, but flushing its directory to disk failed: ${why}; the disk or file system is failing — check it (dmesg)`,
    );
  }
  const p = systemProblem(error);
  if (!p) return error;
  if (phase === 'read') return new EnvironmentError(`cannot read ${p.path ?? at.label}: ${p.reason} (${p.code}); ${readFix(p.code)}`);
  const dest = at.output ?? at.label;
  const on = p.dest ?? p.path;
  return new EnvironmentError(
    `cannot write ${dest}: ${p.reason} (${p.code}${on ? ` on ${on}` : ''}); ${writeFix(p.code, at.kind ?? 'directory', at.output === undefined)}. Nothing was changed`,
  );
}

/** Normalize the layout at `path`. See NormalizeOptions; throws the error types described above. */
export async function normalizeLayout(path: string, options: NormalizeOptions = {}): Promise<NormalizeReport> {
  const state: { phase: Phase; kind: LayoutKind | undefined; output: string | undefined } = { phase: 'read', kind: undefined, output: undefined };
  try {
    return await normalize(path, options, state);
  } catch (error) {
    throw environmentError(error, state.phase, { label: path, kind: state.kind, output: state.output });
  }
}

async function normalize(
  path: string,
  options: NormalizeOptions,
  state: { phase: Phase; kind: LayoutKind | undefined; output: string | undefined },
): Promise<NormalizeReport> {
  const cwd = options.cwd ?? process.cwd();
  const mode = options.mode ?? 'single';
  if (!(MODES as readonly string[]).includes(mode)) throw new UsageError(`--mode ${String(mode)}: expected one of ${MODES.join(', ')}`);
  const ref = options.ref === undefined ? undefined : parseRefSelector(options.ref);
  if (typeof ref === 'string') throw new UsageError(ref);
  const check = options.check ?? false;
  const dryRun = options.dryRun ?? false;

  const src = await openLayout(path, resolve(cwd, path));
  state.kind = src.kind;
  try {
    let target: string | undefined;
    if (options.output !== undefined && options.output !== '') target = await resolveOutput(src, options.output, cwd);
    if (target !== undefined) state.output = options.output;

    let hasOciLayout = false;
    if (src.ociLayout) {
      try {
        parseOciLayout(src.ociLayout.bytes.toString('utf8'), src.ociLayout.label);
      } catch (error) {
        asInput(error);
      }
      hasOciLayout = true;
    }
    let index;
    try {
      index = parseIndexJson(src.indexJson.bytes.toString('utf8'), src.indexJson.label);
    } catch (error) {
      asInput(error);
    }
    const plan = planNormalize({ index, hasOciLayout, label: path }, ref ? { mode, ref } : { mode });
    const verified = await verifyBlobs(
      src,
      plan.after.map((d, i) => ({ d, where: `${src.indexJson.label} (entry ${i})` })),
      options.verifyBlobs ?? false,
    );

    const report: NormalizeReport = {
      layout: path,
      kind: src.kind,
      output: target === undefined ? path : (options.output ?? path),
      inPlace: target === undefined,
      mode,
      check,
      dryRun,
      changed: plan.changed,
      written: false,
      keptRef: plan.kept,
      entriesBefore: plan.before,
      entriesAfter: plan.after,
      images: plan.images,
      dropped: plan.dropped,
      changes: plan.changes,
      warnings: [...plan.warnings, ...verified.warnings],
      blobs: { checked: verified.checked, hashed: verified.hashed, bytes: verified.bytes },
    };
    if (check || dryRun) return report;
    if (!plan.changed && target === undefined) return report;
    state.phase = 'write';

    const files = {
      indexJson: plan.writeIndexJson ? Buffer.from(serializeIndexJson(plan.index)) : src.indexJson.bytes,
      ociLayout: src.ociLayout && !plan.writeOciLayout ? src.ociLayout.bytes : Buffer.from(OCI_LAYOUT_CONTENT),
      writeIndexJson: plan.writeIndexJson,
      writeOciLayout: plan.writeOciLayout,
    };
    if (src.kind === 'directory') {
      // a directory source always has attrs on its small files (src/layout/source.ts)
      const attrs = { root: src.attrs, indexJson: src.indexJson.attrs!, ociLayout: src.ociLayout?.attrs };
      if (target === undefined) {
        await cleanStaleTemps(src.path, ['index.json', 'oci-layout']);
        report.warnings.push(...(await writeDirectoryInPlace(src.path, files, attrs)));
      } else {
        await mkdir(dirname(target), { recursive: true });
        await cleanStaleTemps(dirname(target), [basename(target)]);
        report.warnings.push(...(await writeDirectoryTo(src.path, target, files, attrs)));
      }
    } else {
      const dest = target ?? src.path;
      await mkdir(dirname(dest), { recursive: true });
      await cleanStaleTemps(dirname(dest), [basename(dest)]);
      report.warnings.push(...(await writeTar(src as TarSource, dest, plan.changed ? files : undefined)));
    }
    report.written = true;
    return report;
  } finally {
    await src.close();
  }
}
