/**
 * The CLI proper (loaded lazily by entry.ts). Splits docker's global flags off, then either runs
 * one of ocifix's own commands or forwards the whole call to `docker buildx` unchanged.
 * Only what a call needs is loaded: a build goes straight to src/plan/run.ts; clipanion and the
 * other commands load for help, completion and ocifix's own subcommands.
 */
import { COMMAND_WORDS } from './cli/commands.js';
import type { OcifixContext } from './cli/context.js';
import { reportError } from './cli/report.js';
import { ensureBuildx } from './exec/buildx-lookup.js';
import { Docker } from './exec/docker.js';
import { ExecaRunner, signalNumber, type Runner } from './exec/runner.js';
import { Cancellation } from './exec/signals.js';
import { aliasBuilderEnv } from './plan/alias-mode.js';
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
      if (BUILD_WORDS.includes(first)) {
        const { runBuild } = await import('./plan/run.js');
        const result = await runBuild(ctx, rest, first as 'build' | 'b');
        return result === 'help' ? runOwn(invocation.args) : result;
      }
      if (COMMAND_WORDS.has(first)) return runOwn(invocation.args);
      return forwardToBuildx(invocation.args, ctx);
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
  const ctx = buildContext(invocation.globals, streams, new ExecaRunner(cancellation), env);
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
