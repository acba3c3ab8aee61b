/**
 * Run ocifix's commands in process, the way clipanion's own tests do: the production Cli
 * (src/cli/dispatch.ts createCli: every command, the same usage rendering) and the real run loop
 * (runCommand), with stdout and stderr captured separately. `extra` registers a test-only command
 * beside the real ones.
 */
import { PassThrough } from 'node:stream';
import { Cli, type Command } from 'clipanion';
import type { OcifixContext } from '../../src/cli/context.js';
import { createCli, runCommand } from '../../src/cli/dispatch.js';

function collect(s: PassThrough): () => string {
  let out = '';
  s.on('data', (d: Buffer) => (out += d.toString()));
  return () => out;
}

export async function runInProcess(
  args: string[],
  options: { debug?: boolean; extra?: new () => Command<OcifixContext> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = await createCli();
  if (options.extra) cli.register(options.extra);
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
