/**
 * Run one ocifix command in process, the way clipanion's own tests do: a real Cli and the real
 * run loop (src/cli/dispatch.ts runCommand), with stdout and stderr captured separately.
 */
import { PassThrough } from 'node:stream';
import { Cli, type Command } from 'clipanion';
import type { OcifixContext } from '../../src/cli/context.js';
import { runCommand } from '../../src/cli/dispatch.js';

function collect(s: PassThrough): () => string {
  let out = '';
  s.on('data', (d: Buffer) => (out += d.toString()));
  return () => out;
}

export async function runInProcess(
  command: new () => Command<OcifixContext>,
  args: string[],
  options: { debug?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = new Cli<OcifixContext>({ binaryName: 'docker ocifix' });
  cli.register(command);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const context = {
    ...Cli.defaultContext,
    stdout,
    stderr,
    cwd: process.cwd(),
    globals: { forward: [], debug: options.debug ?? false, help: false },
  } as unknown as OcifixContext;
  const code = await runCommand(cli, args, context);
  return { code, stdout: out(), stderr: err() };
}
