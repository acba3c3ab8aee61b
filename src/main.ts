/**
 * The CLI proper (loaded lazily by entry.ts). Splits docker's global flags off, then either runs
 * one of ocifix's own commands or forwards the whole call to `docker buildx` unchanged.
 */
import { Cli } from 'clipanion';
import type { Command } from 'clipanion';
import type { OcifixContext } from './cli/context.js';
import { COMMANDS } from './cli/commands.js';
import { OcifixError, EXIT_USAGE } from './errors.js';
import { BUILDX_MISSING, findPlugin } from './exec/buildx-lookup.js';
import { Docker } from './exec/docker.js';
import { ExecaRunner, signalNumber, type Runner } from './exec/runner.js';
import { Cancellation } from './exec/signals.js';
import { splitInvocation, type DockerGlobals } from './globalflags.js';
import { VERSION } from './metadata.js';


/** Words that select one of ocifix's own commands; anything else goes to buildx. */
const OWN = new Set(['version', '--version', '-h', '--help', 'help']);

export interface Streams {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export function createCli(): Cli<OcifixContext> {
  const cli = new Cli<OcifixContext>({
    binaryLabel: 'docker-ocifix',
    binaryName: 'docker ocifix',
    binaryVersion: VERSION,
    enableColors: false,
  });
  for (const c of COMMANDS) cli.register(c);
  return cli;
}

export function ownCommandWords(): Set<string> {
  const words = new Set(OWN);
  for (const c of COMMANDS) {
    for (const path of (c as unknown as { paths?: string[][] }).paths ?? []) if (path[0]) words.add(path[0]);
  }
  return words;
}

function reportError(error: unknown, stderr: NodeJS.WritableStream, debug: boolean): number {
  if (error instanceof OcifixError) {
    stderr.write(`docker ocifix: ${error.message}\n`);
    return error.exitCode;
  }
  const e = error as Error & { clipanion?: { type: string } };
  if (e && (e.clipanion?.type === 'usage' || e.name === 'UnknownSyntaxError' || e.name === 'AmbiguousSyntaxError' || e.name === 'UsageError')) {
    const first = String(e.message).split('\n')[0];
    stderr.write(`docker ocifix: ${first}\nSee 'docker ocifix --help'.\n`);
    return EXIT_USAGE;
  }
  stderr.write(`docker ocifix: internal error: ${e?.message ?? String(error)}\n`);
  if (debug && e?.stack) stderr.write(`${e.stack}\n`);
  else stderr.write('Run again with -D (docker -D ocifix …) for the stack trace.\n');
  return 1;
}

/** Run one of our own clipanion commands with errors kept off stdout. */
export async function runCommand(cli: Cli<OcifixContext>, args: string[], context: OcifixContext): Promise<number> {
  let command: Command<OcifixContext>;
  try {
    command = cli.process(args, context);
  } catch (error) {
    return reportError(error, context.stderr, context.globals.debug);
  }
  if (command.help) {
    context.stdout.write(cli.usage(command, { detailed: true }));
    return 0;
  }
  command.context = context;
  command.cli = {
    binaryLabel: cli.binaryLabel,
    binaryName: cli.binaryName,
    binaryVersion: cli.binaryVersion,
    enableCapture: false,
    enableColors: false,
    definitions: () => cli.definitions(),
    error: (error, opts) => cli.error(error, opts),
    format: (colored) => cli.format(colored),
    process: (input, sub) => cli.process(input, { ...context, ...sub }),
    run: (input, sub) => cli.run(input, { ...context, ...sub }),
    usage: (cmd, opts) => cli.usage(cmd, opts),
  };
  try {
    return await command.validateAndExecute();
  } catch (error) {
    return reportError(error, context.stderr, context.globals.debug);
  }
}

const OVERVIEW_TAIL = `
Any other command is passed to docker buildx unchanged, so \`docker ocifix ls\`,
\`docker ocifix bake\` or \`docker ocifix imagetools inspect\` work as with buildx.
`;

async function forwardToBuildx(args: string[], ctx: OcifixContext): Promise<number> {
  if (!findPlugin('buildx', ctx.env, ctx.globals.config)) {
    // Not in any plugin dir we know of: ask docker itself before giving up (Desktop, odd setups).
    const probe = await ctx.docker.buildx(['version'], { stdio: 'pipe' });
    if (probe.exitCode !== 0) {
      ctx.stderr.write(`docker ocifix: ${BUILDX_MISSING}\n`);
      return 1;
    }
  }
  const r = await ctx.docker.buildx(args, { stdio: 'inherit' });
  return r.exitCode;
}

function buildContext(globals: DockerGlobals, streams: Streams, runner: Runner, env: NodeJS.ProcessEnv): OcifixContext {
  return {
    ...Cli.defaultContext,
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
  const runner = new ExecaRunner(cancellation);
  const ctx = buildContext(invocation.globals, streams, runner, env);
  const cli = createCli();
  const own = ownCommandWords();
  let code: number;
  try {
    switch (invocation.kind) {
      case 'complete': {
        const [first = '', ...rest] = invocation.args;
        if (rest.length === 0) {
          for (const w of own) if (!w.startsWith('-') && w.startsWith(first)) ctx.stdout.write(`${w}\n`);
          ctx.stdout.write(':4\n');
          code = 0;
        } else if (own.has(first)) {
          ctx.stdout.write(':0\n');
          code = 0;
        } else {
          code = (await ctx.docker.run(['__complete', 'buildx', ...invocation.args], { stdio: 'inherit' })).exitCode;
        }
        break;
      }
      case 'help': {
        const [topic] = invocation.topic;
        if (topic === undefined) {
          ctx.stdout.write(cli.usage(null) + OVERVIEW_TAIL);
          code = 0;
        } else if (own.has(topic)) code = await runCommand(cli, [...invocation.topic, '--help'], ctx);
        else code = await forwardToBuildx([...invocation.topic, '--help'], ctx);
        break;
      }
      case 'run': {
        const [first] = invocation.args;
        if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
          const topic = invocation.args.slice(1);
          if (topic.length > 0 && own.has(topic[0]!)) code = await runCommand(cli, [...topic, '--help'], ctx);
          else {
            ctx.stdout.write(cli.usage(null) + OVERVIEW_TAIL);
            code = 0;
          }
        } else if (own.has(first)) code = await runCommand(cli, invocation.args, ctx);
        else code = await forwardToBuildx(invocation.args, ctx);
        break;
      }
    }
  } catch (error) {
    code = reportError(error, ctx.stderr, ctx.globals.debug);
  } finally {
    cancellation.uninstall();
  }
  if (cancellation.received) return 128 + signalNumber(cancellation.received);
  return code;
}
