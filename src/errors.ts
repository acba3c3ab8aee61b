/**
 * Error types. A user or environment problem is an OcifixError: one clear line on stderr (what
 * went wrong and how to fix it), a docker-convention exit code, and no stack trace. Anything
 * else is a bug and prints its stack with --debug/-D.
 */
export const EXIT_USAGE = 125;

export class OcifixError extends Error {
  override name = 'OcifixError';
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
  }
}

/** Bad flags or arguments: exit 125 like the docker CLI's flag errors. */
export class UsageError extends OcifixError {
  override name = 'UsageError';
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

/** Bad input data (a malformed layout, a broken tar): exit 2, nothing modified. */
export class InputError extends OcifixError {
  override name = 'InputError';
  constructor(message: string) {
    super(message, 2);
  }
}

/**
 * The machine, not the input, is in the way: the disk is full, the file system is read-only, a
 * file may not be read or written. Exit 2 like bad input (the README's "bad input data /
 * environment"); the message names the path and what to do, and nothing was modified.
 */
export class EnvironmentError extends OcifixError {
  override name = 'EnvironmentError';
  constructor(message: string) {
    super(message, 2);
  }
}

/** The common errno codes in words (others keep Node's wording). */
const SYSTEM_REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  EFBIG: 'file too large for the file system',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
};

export interface SystemProblem {
  code: string;
  /** In words: "no space left on the device". */
  reason: string;
  /** The path the failing call was given (for copies and renames, the source). */
  path: string | undefined;
  /** The second path of a copy or rename. */
  dest: string | undefined;
}

/**
 * When `error` is a Node system error (an errno from a system call: disk full, read-only,
 * permission, a directory where a file was expected…), its parts; otherwise undefined.
 */
export function systemProblem(error: unknown): SystemProblem | undefined {
  const e = error as NodeJS.ErrnoException & { dest?: unknown };
  if (!(e instanceof Error) || typeof e.code !== 'string' || typeof e.syscall !== 'string' || !/^E[A-Z0-9]+$/.test(e.code)) return undefined;
  const said = /^[A-Z0-9_]+: ([^,]+)/.exec(e.message)?.[1];
  return {
    code: e.code,
    reason: SYSTEM_REASONS[e.code] ?? said ?? e.code,
    path: typeof e.path === 'string' ? e.path : undefined,
    dest: typeof e.dest === 'string' ? e.dest : undefined,
  };
}
