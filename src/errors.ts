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
