/**
 * Crash-safe writes: everything is written to a temporary name beside its target, fsynced, then
 * renamed over the target, and the directory is fsynced. A `kill -9` at any moment leaves the
 * old file or the new one, plus at worst a stray temporary, which the next run removes.
 *
 * Temporary names: `.<target-basename>.ocifix-<pid>-<random>.tmp` in the target's directory.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
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

/** Create `path` (it must not exist), write `data` and fsync it. The file is closed either way. */
export async function writeNewFileSynced(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const fh = await open(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (error) {
    await fh.close().catch(() => undefined);
    throw error;
  }
  await fh.close();
}

/** Write `data` to `target` atomically (temp beside it, fsync, rename, fsync the directory). */
export async function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await writeNewFileSynced(tmp, data, mode);
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
  await fsyncPath(dirname(target), true);
}

/** Rename a fully written and fsynced temporary into place and fsync the directory. */
export async function commitTemp(tmp: string, target: string): Promise<void> {
  await rename(tmp, target);
  await fsyncPath(dirname(target), true);
}
