/**
 * clipanion wiring: a Cli with the commands a call needs, and a run loop that keeps errors off
 * stdout (clipanion's own run() writes them to stdout, which would corrupt --json output).
 */
import { Cli, type Command } from 'clipanion';
import { VERSION } from '../metadata.js';
import { COMMAND_WORDS, loadCommands } from './commands.js';
import type { OcifixContext } from './context.js';
import { reportError } from './report.js';

/**
 * clipanion prints every option value as `#0`; name it after its option instead (`--output OUTPUT`)
 * and re-align the option table that clipanion padded for the shorter text.
 */
class OcifixCli extends Cli<OcifixContext> {
  override usage(...args: Parameters<Cli<OcifixContext>['usage']>): string {
    const text = super.usage(...args).replace(/--([a-z][\w-]*) #0/g, (_, name: string) => `--${name} ${name.toUpperCase().replace(/-/g, '_')}`);
    const row = /^ {2}(-\S.*?) {2,}(\S.*)$/;
    const lines = text.split('\n');
    const width = Math.max(0, ...lines.map((l) => row.exec(l)?.[1]?.length ?? 0));
    return lines.map((l) => l.replace(row, (_, def: string, desc: string) => `  ${def.padEnd(width)}    ${desc}`)).join('\n');
  }
}

/** A Cli with the commands `first` needs registered (all of them when undefined). */
export async function createCli(first?: string): Promise<Cli<OcifixContext>> {
  const cli = new OcifixCli({
    binaryLabel: 'docker-ocifix',
    binaryName: 'docker ocifix',
    binaryVersion: VERSION,
    enableColors: false,
  });
  for (const c of await loadCommands(first)) cli.register(c);
  return cli;
}

/** Run one of our own clipanion commands with errors kept off stdout. */
export async function runCommand(cli: Cli<OcifixContext>, args: string[], context: OcifixContext): Promise<number> {
  let command: Command<OcifixContext>;
  // a usage error points at the help of the command it is about, when it names one of ours
  const help = args[0] !== undefined && COMMAND_WORDS.has(args[0]) && !args[0].startsWith('-') ? `docker ocifix ${args[0]} --help` : undefined;
  try {
    command = cli.process(args, context);
  } catch (error) {
    return reportError(error, context.stderr, context.globals.debug, help);
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
    return reportError(error, context.stderr, context.globals.debug, help);
  }
}

/** `docker ocifix --help`: every command, plus the passthrough rule. */
export async function overview(): Promise<string> {
  return (await createCli()).usage(null) + OVERVIEW_TAIL;
}

const OVERVIEW_TAIL = `
Any other command is passed to docker buildx unchanged, so \`docker ocifix ls\`,
\`docker ocifix bake\` or \`docker ocifix imagetools inspect\` work as with buildx.
`;
