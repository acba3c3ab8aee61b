/**
 * How an error reaches the user: OcifixError → one line and its exit code; clipanion usage
 * errors → one line, exit 125; anything else is a bug → "internal error", stack only with -D.
 */
import { EXIT_USAGE, OcifixError } from '../errors.js';

export function reportError(error: unknown, stderr: NodeJS.WritableStream, debug: boolean, helpCommand = 'docker ocifix --help'): number {
  if (error instanceof OcifixError) {
    stderr.write(`docker ocifix: ${error.message}\n`);
    return error.exitCode;
  }
  const e = error as Error & { clipanion?: { type: string } };
  if (e && (e.clipanion?.type === 'usage' || e.name === 'UnknownSyntaxError' || e.name === 'AmbiguousSyntaxError' || e.name === 'UsageError')) {
    const first = String(e.message).split('\n')[0];
    stderr.write(`docker ocifix: ${first}\nSee '${helpCommand}'.\n`);
    return EXIT_USAGE;
  }
  stderr.write(`docker ocifix: internal error: ${e?.message ?? String(error)}\n`);
  if (debug && e?.stack) stderr.write(`${e.stack}\n`);
  else stderr.write('Run again with -D (docker -D ocifix …) for the stack trace.\n');
  return 1;
}
