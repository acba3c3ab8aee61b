/**
 * Reading and atomically rewriting the docker CLI's config.json.
 *
 * A symlinked config.json (dotfile managers) is followed: the new file is written beside the link's
 * target and renamed over it, so the link stays a link. The new file gets the old one's mode and
 * owner. Just before the rename the file is read again: if someone else changed it meanwhile
 * (`docker login`, an editor), nothing is written.
 */
import { chmod, chown, lstat, mkdir, readFile, readlink, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { OcifixError } from '../errors.js';
import { fsyncPath, tempPathFor, writeNewFileSynced } from '../layout/atomic.js';

export interface ConfigFile {
  /** The path as named (may be a symlink). */
  path: string;
  /** Where the bytes live: the symlink's final target, else `path`. */
  real: string;
  /** Undefined when the file does not exist yet. */
  text?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

function ioError(what: string, error: unknown): OcifixError {
  const e = error as NodeJS.ErrnoException;
  const why = e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'EROFS' ? 'read-only file system' : (e.code ?? e.message);
  return new OcifixError(`cannot ${what}: ${why}; nothing was changed (check the directory's owner and mode, or pass docker --config DIR)`, 1);
}

/** Resolve a (possibly dangling) symlink chain to the path the bytes live at. */
async function resolveTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let p = path;
  for (let i = 0; i < 40; i++) {
    let st;
    try {
      st = await lstat(p);
    } catch {
      return p; // does not exist: create it here
    }
    if (!st.isSymbolicLink()) return p;
    p = resolve(dirname(p), await readlink(p));
  }
  throw new OcifixError(`${path}: too many levels of symbolic links`, 1);
}

export async function readConfigFile(dir: string): Promise<ConfigFile> {
  const path = join(dir, 'config.json');
  let real: string;
  try {
    real = await resolveTarget(path);
  } catch (error) {
    if (error instanceof OcifixError) throw error;
    throw ioError(`read ${path}`, error);
  }
  try {
    const [text, st] = await Promise.all([readFile(real, 'utf8'), stat(real)]);
    if (!st.isFile()) throw new OcifixError(`${path} is not a regular file; nothing was changed`, 1);
    return { path, real, text, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch (error) {
    if (error instanceof OcifixError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path, real };
    throw ioError(`read ${path}`, error);
  }
}

async function currentText(real: string): Promise<string | undefined> {
  try {
    return await readFile(real, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Replace the file's content with `text`: temp file beside the target, fsync, same mode and owner,
 * re-read and compare with what was read, rename, fsync the directory. `hooks.beforeCommit` runs
 * between the write and the re-read (tests use it to play the concurrent writer).
 */
export async function writeConfigFile(file: ConfigFile, text: string, hooks: { beforeCommit?: () => Promise<void> } = {}): Promise<void> {
  const dir = dirname(file.real);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw ioError(`create ${dir}`, error);
  }
  const temp = tempPathFor(file.real);
  try {
    try {
      await writeNewFileSynced(temp, text, file.mode ?? 0o600);
    } catch (error) {
      throw ioError(`write in ${dir}`, error);
    }
    await chmod(temp, file.mode ?? 0o600); // the umask must not narrow or widen it
    if (file.uid !== undefined && file.gid !== undefined) {
      const st = await stat(temp);
      if (st.uid !== file.uid || st.gid !== file.gid) {
        try {
          await chown(temp, file.uid, file.gid);
        } catch (error) {
          throw ioError(`keep ${file.path}'s owner (${file.uid}:${file.gid})`, error);
        }
      }
    }
    await hooks.beforeCommit?.();
    if ((await currentText(file.real)) !== file.text) {
      throw new OcifixError(`${file.path} was changed by another program while ocifix was editing it; nothing was written, run the command again`, 1);
    }
    try {
      await rename(temp, file.real);
    } catch (error) {
      throw ioError(`replace ${file.real}`, error);
    }
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await fsyncPath(dir, true).catch(() => undefined);
}
