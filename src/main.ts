/**
 * The CLI proper (loaded lazily by entry.ts). Splits docker's global flags off, then either runs
 * one of ocifix's own commands or forwards the whole call to `docker buildx` unchanged.
 * Only what a call needs is loaded: a build goes straight to src/build/run.ts; clipanion and the
 * other commands load for help, completion and ocifix's own subcommands.
 */
import { COMMAND_WORDS } from './cli/commands.js';
import type { OcifixContext } from './cli/context.js';
import { reportError } from './cli/report.js';
import { splitBuildxRoot } from './buildflags/root.js';
import { judgeCommand } from './cli/suggest.js';
import { OcifixError } from './errors.js';
import { ensureBuildx } from './exec/buildx-lookup.js';
import { Docker } from './exec/docker.js';
import { ProcessRunner, signalNumber, type Runner } from './exec/runner.js';
import { Cancellation } from './exec/signals.js';
import { aliasBuilderEnv } from './build/alias-mode.js';
import { splitInvocation, type DockerGlobals } from './globalflags.js';

const HELP_WORDS = ['-h', '--help', 'help'];
const BUILD_WORDS = ['build', 'b'];

export interface Streams {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

async function forwardToBuildx(args: string[], ctx: OcifixContext): Promise<number> {
  await ensureBuildx(ctx.docker, ctx.env, ctx.globals.config);
  // `docker builder …`/`docker bake` through aliases.builder: the builder docker itself would select
  const r = await ctx.docker.buildx(args, { stdio: 'inherit', env: aliasBuilderEnv(ctx.env, ctx.globals, undefined) });
  return r.exitCode;
}

/** A command word that is not ours: to buildx, unless it is a typo of ours (or buildx is missing). */
async function forwardCommand(word: string, args: string[], ctx: OcifixContext): Promise<number> {
  const unknown = (verdict: ReturnType<typeof judgeCommand>): number | undefined => {
    if (verdict.kind !== 'unknown') return undefined;
    ctx.stderr.write(`docker ocifix: ${verdict.message}\n`);
    return 1; // buildx's exit code for an unknown command
  };
  const early = unknown(judgeCommand(word, COMMAND_WORDS, true));
  if (early !== undefined) return early;
  try {
    return await forwardToBuildx(args, ctx);
  } catch (error) {
    // no buildx: a word buildx would not know either is a typo, not a missing plugin
    const late = error instanceof OcifixError ? unknown(judgeCommand(word, COMMAND_WORDS, false)) : undefined;
    if (late !== undefined) return late;
    throw error;
  }
}

function buildContext(globals: DockerGlobals, streams: Streams, runner: Runner, env: NodeJS.ProcessEnv): OcifixContext {
  return {
    stdin: streams.stdin as NodeJS.ReadStream,
    stdout: streams.stdout as NodeJS.WriteStream,
    stderr: streams.stderr as NodeJS.WriteStream,
    colorDepth: 1,
    env,
    cwd: process.cwd(),
    globals,
    runner,
    docker: new Docker(runner, globals, env),
  };
}

async function dispatch(invocation: ReturnType<typeof splitInvocation>, ctx: OcifixContext): Promise<number> {
  const runOwn = async (args: string[]): Promise<number> => {
    const { createCli, runCommand } = await import('./cli/dispatch.js');
    return runCommand(await createCli(args[0]), args, ctx);
  };
  const overview = async (): Promise<number> => {
    const d = await import('./cli/dispatch.js');
    ctx.stdout.write(await d.overview());
    return 0;
  };
  switch (invocation.kind) {
    case 'complete': {
      const { complete } = await import('./complete/run.js');
      return complete(invocation.args, ctx);
    }
    case 'help': {
      const [topic] = invocation.topic;
      if (topic === undefined) return overview();
      if (COMMAND_WORDS.has(topic)) return runOwn([...invocation.topic, '--help']);
      return forwardToBuildx([...invocation.topic, '--help'], ctx);
    }
    case 'run': {
      const [first, ...rest] = invocation.args;
      if (first === undefined || HELP_WORDS.includes(first)) {
        return rest.length > 0 && COMMAND_WORDS.has(rest[0]!) ? runOwn([...rest, '--help']) : overview();
      }
      // buildx's root flags before the command word (`docker ocifix --builder x build …`): the
      // same persistent flags after `build`, where buildx gives them the same meaning
      const root = first.startsWith('-') ? splitBuildxRoot(invocation.args) : undefined;
      const word = root?.command ?? first;
      const buildArgs = root ? [...root.flags, ...root.rest] : rest;
      if (BUILD_WORDS.includes(word)) {
        const { runBuild } = await import('./build/run.js');
        const result = await runBuild(ctx, buildArgs, word as 'build' | 'b');
        return result === 'help' ? runOwn([word, ...buildArgs]) : result;
      }
      if (word === 'bake') {
        const { runBake } = await import('./bake/run.js');
        const result = await runBake(ctx, buildArgs);
        return result === 'help' ? runOwn(['bake', ...buildArgs]) : result;
      }
      if (COMMAND_WORDS.has(first)) return runOwn(invocation.args);
      if (first.startsWith('-')) return forwardToBuildx(invocation.args, ctx);
      return forwardCommand(first, invocation.args, ctx);
    }
  }
}

export async function main(
  argv: string[],
  streams: Streams = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let invocation;
  try {
    invocation = splitInvocation(argv);
  } catch (error) {
    return reportError(error, streams.stderr, argv.includes('-D') || argv.includes('--debug'));
  }
  const cancellation = new Cancellation();
  cancellation.install(env);
  const ctx = buildContext(invocation.globals, streams, new ProcessRunner(cancellation), env);
  let code: number;
  try {
    code = await dispatch(invocation, ctx);
  } catch (error) {
    code = reportError(error, ctx.stderr, ctx.globals.debug);
  } finally {
    cancellation.uninstall();
  }
  if (cancellation.received) return 128 + signalNumber(cancellation.received);
  return code;
}
