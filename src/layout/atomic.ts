/**
 * Crash-safe writes: everything is written to a temporary name beside its target, fsynced, then
 * renamed over the target, and the directory is fsynced. A `kill -9` at any moment leaves the
 * old file or the new one, plus at worst a stray temporary, which the next run removes.
 *
 * Temporary names: `.<target-basename>.ocifix-<pid>-<random>.tmp` in the target's directory.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { chmod, chown, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { canFsyncDirectory } from '../os/host.js';

const TEMP_RE = /^\.(.+)\.ocifix-(\d+)-[0-9a-f]+\.tmp$/;

export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.ocifix-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

export function isOcifixTemp(name: string): boolean {
  return TEMP_RE.test(name);
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove temporaries left by killed runs for the given target basenames in `dir` (only ours:
 * matching name pattern and a pid that no longer exists). Best effort; never throws.
 */
export async function cleanStaleTemps(dir: string, targets: string[]): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = TEMP_RE.exec(name);
    if (!m || !targets.includes(m[1]!) || alive(Number(m[2]))) continue;
    try {
      await rm(join(dir, name), { recursive: true, force: true });
      removed.push(join(dir, name));
    } catch {
      /* best effort */
    }
  }
  return removed;
}

/** fsync a file, or a directory where the OS allows it (see canFsyncDirectory: not on Windows). */
export async function fsyncPath(path: string, directory = false): Promise<void> {
  if (directory && !canFsyncDirectory(process.platform)) return;
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, directory ? fsc.O_RDONLY | fsc.O_DIRECTORY : fsc.O_RDONLY);
    await fh.sync();
  } finally {
    await fh?.close();
  }
}

/** Mode and owner that a written file takes over from the file it replaces or copies. */
export interface FileAttrs {
  mode: number;
  uid: number;
  gid: number;
}

export function attrsOf(st: { mode: number; uid: number; gid: number }): FileAttrs {
  return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException)?.code;
}

/**
 * Give a file (an open handle or a path) `attrs`, as `cp -p` does: owner first (a chown clears
 * set-id bits), then mode, which ignores the umask. The owner is kept only where the system
 * allows it (root; otherwise the group, when we are in it). Returns false when it could not be
 * kept; set-id bits are then dropped.
 */
export async function applyAttrs(target: FileHandle | string, attrs: FileAttrs): Promise<boolean> {
  const onPath = typeof target === 'string';
  const doStat = () => (onPath ? stat(target) : target.stat());
  const doChown = (uid: number, gid: number) => (onPath ? chown(target, uid, gid) : target.chown(uid, gid));
  const now = await doStat();
  let kept = true;
  if (now.uid !== attrs.uid || now.gid !== attrs.gid) {
    try {
      await doChown(attrs.uid, attrs.gid);
    } catch (error) {
      if (errnoOf(error) !== 'EPERM') throw error;
      kept = false;
      if (now.gid !== attrs.gid) await doChown(now.uid, attrs.gid).catch((e: unknown) => (errnoOf(e) === 'EPERM' ? undefined : Promise.reject(e)));
    }
  }
  const mode = kept ? attrs.mode : attrs.mode & 0o1777;
  await (onPath ? chmod(target, mode) : target.chmod(mode));
  return kept;
}

/**
 * Create `path` (it must not exist), write `data` and fsync it. The file gets `attrs` (a mode, or
 * the mode and owner of the file it replaces: see applyAttrs). Returns false when the owner could
 * not be kept. The file is closed either way.
 */
export async function writeNewFileSynced(path: string, data: string | Uint8Array, attrs: number | FileAttrs = 0o644): Promise<boolean> {
  const fh = await open(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, typeof attrs === 'number' ? attrs : 0o600);
  let kept = true;
  try {
    if (typeof attrs !== 'number') kept = await applyAttrs(fh, attrs);
    await fh.writeFile(data);
    await fh.sync();
  } catch (error) {
    await fh.close().catch(() => undefined);
    throw error;
  }
  await fh.close();
  return kept;
}

/**
 * Thrown when the new file is already in place (renamed) but the directory could not be flushed:
 * the change was made, unlike every other failure of these functions.
 */
export class CommittedError extends Error {
  override name = 'CommittedError';
  constructor(
    readonly target: string,
    override readonly cause: unknown,
  ) {
    super(`${target} was replaced, but flushing its directory failed: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

async function fsyncCommitted(target: string): Promise<void> {
  try {
    await fsyncPath(dirname(target), true);
  } catch (error) {
    throw new CommittedError(target, error);
  }
}

/**
 * Write `data` to `target` atomically (temp beside it, fsync, rename, fsync the directory).
 * `attrs`: as for writeNewFileSynced (a number is a mode for open, so the umask applies).
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, attrs: number | FileAttrs = 0o644): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await writeNewFileSynced(tmp, data, attrs);
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
  await fsyncCommitted(target);
}

/** Rename a fully written and fsynced temporary into place and fsync the directory. */
export async function commitTemp(tmp: string, target: string): Promise<void> {
  await rename(tmp, target);
  await fsyncCommitted(target);
}
