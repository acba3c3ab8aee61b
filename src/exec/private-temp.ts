/**
 * A private temporary directory, for files that may hold secrets: buildx's --metadata-file holds
 * the --build-arg values (tokens, too) under BUILDX_METADATA_PROVENANCE=max, and buildx writes it
 * with mode 0644 whatever the umask. Made with mkdtemp, so it is mode 0700 under a name nobody
 * can guess or create first; files in it are out of reach of other users whatever their own mode.
 *
 * Removed, with everything in it, by remove() (call it in a finally) and, as a backstop, when the
 * process exits by any path that still runs JavaScript ('exit': process.exit, an uncaught
 * error). SIGINT/SIGTERM end a build through its normal return (src/exec/signals.ts), so the
 * finally runs. Only SIGKILL (or a crash of the runtime) leaves it behind — still 0700.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError, systemProblem } from '../errors.js';

export interface PrivateTempDir {
  /** Absolute path of the directory (mode 0700). */
  readonly path: string;
  /** Remove the directory and its contents; idempotent, never throws. */
  remove(): Promise<void>;
}

/** Make a private directory under the system temp dir (TMPDIR). */
export async function makePrivateTempDir(prefix = 'docker-ocifix-'): Promise<PrivateTempDir> {
  const base = tmpdir();
  let path: string;
  try {
    path = await mkdtemp(join(base, prefix));
  } catch (error) {
    const p = systemProblem(error);
    if (!p) throw error;
    throw new EnvironmentError(`cannot create a private temporary directory in ${base}: ${p.reason} (${p.code}); set TMPDIR to a writable directory`);
  }
  const atExit = (): void => {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      /* exiting anyway */
    }
  };
  process.on('exit', atExit);
  let removed = false;
  return {
    path,
    async remove() {
      if (removed) return;
      removed = true;
      process.off('exit', atExit);
      await rm(path, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
