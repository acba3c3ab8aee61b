/**
 * TAB completion through the docker CLI's cobra protocol (docker >= 23): the CLI runs
 * `docker-ocifix __complete ocifix ARGS… TOCOMPLETE` and prints what we write: one candidate per
 * line (`value<TAB>description`), then `:<directive>` as the last line.
 *
 * Loaded by the entry on its own (no clipanion, no execa):
 *  - `docker ocifix <TAB>`: ocifix's commands plus buildx's (buildx's `build` and `version` are
 *    ours), with descriptions;
 *  - commands ocifix passes to buildx (`build`, `bake`, `ls`, `imagetools …`): buildx's own answer,
 *    from buildx's `__complete` (started directly, as the docker CLI starts it), plus the
 *    `--ocifix-*` options ocifix adds to that command;
 *  - ocifix's own commands: their flags, read from the one command's definition.
 * buildx's root flags before the command word (`docker ocifix --builder x build --pl`) are
 * understood the way `docker ocifix` runs them.
 */
import { spawn } from 'node:child_process';
import { splitBuildxRoot } from '../buildflags/root.js';
import { findPlugin } from '../exec/buildx-lookup.js';
import type { DockerGlobals } from '../globalflags.js';
import { ADDED_OPTIONS, BUILDX_SHAPED, OWN_COMMANDS, type AddedOption } from './words.js';

/** cobra's ShellCompDirective bits. */
export const Directive = { Error: 1, NoSpace: 2, NoFileComp: 4, FilterFileExt: 8, FilterDirs: 16, KeepOrder: 32, Default: 0 } as const;

export interface Completion {
  candidates: string[];
  directive: number;
}

export interface CompleteIo {
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  globals: DockerGlobals;
}

/** buildx's answer for `buildx ARGS…`, parsed; undefined when buildx could not answer. */
export type BuildxComplete = (args: readonly string[]) => Promise<Completion | undefined>;

/** Split cobra's output: candidate lines, then the `:<int>` directive line. */
export function parseCobra(stdout: string): Completion | undefined {
  const lines = stdout.split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const last = lines.pop();
  const m = last === undefined ? null : /^:(\d+)$/.exec(last);
  if (!m) return undefined;
  return { candidates: lines, directive: Number(m[1]) };
}

export function formatCobra(c: Completion): string {
  return [...c.candidates, `:${c.directive}`].map((l) => `${l}\n`).join('');
}

const value = (line: string): string => line.split('\t')[0]!;

function addedFor(command: string, toComplete: string): string[] {
  const opts: readonly AddedOption[] = ADDED_OPTIONS[command] ?? [];
  const eq = toComplete.indexOf('=');
  if (eq !== -1) {
    const opt = opts.find((o) => o.name === toComplete.slice(0, eq));
    return (opt?.values ?? []).map((v) => `${opt!.name}=${v}`).filter((c) => c.startsWith(toComplete));
  }
  if (!toComplete.startsWith('-')) return [];
  return opts.filter((o) => o.name.startsWith(toComplete)).map((o) => `${o.name}\t${o.description}`);
}

/** Tri-state booleans whose `--no-` form means something (setup's). */
const NEGATABLE = new Set(['--alias', '--hooks']);

/** Flags of one of ocifix's own commands, from its clipanion definition (loads that command only). */
async function ownFlags(command: string): Promise<string[]> {
  const { createCli } = await import('../cli/dispatch.js');
  const cli = await createCli(command);
  const def = cli.definitions().find((d) => d.path.split(' ').slice(-1)[0] === command) ?? cli.definitions()[0];
  const out: string[] = [];
  for (const o of def?.options ?? []) {
    const names = o.definition.split(' ')[0]!.split(',');
    for (const n of names) out.push(`${n}\t${o.description ?? ''}`.trimEnd());
    if (NEGATABLE.has(o.definition)) out.push(`--no-${o.definition.slice(2)}\tUndo ${o.definition}`);
  }
  out.push('--help\tShow help');
  return out;
}

/** The completion for `ocifix ARGS` where the last element is the word being completed. */
export async function completionFor(args: readonly string[], buildx: BuildxComplete): Promise<Completion> {
  const words = args.length === 0 ? [''] : [...args];
  const toComplete = words[words.length - 1]!;
  const own = new Map(OWN_COMMANDS);
  // buildx's root flags before the command word (`--builder NAME build …`, `-D build …`)
  const head = words.slice(0, -1);
  const root = head[0]?.startsWith('-') ? splitBuildxRoot(head) : undefined;

  if (words.length === 1 || (root && root.command === undefined)) {
    const fromBuildx = await buildx(words);
    if (head[head.length - 1] === '--builder' || toComplete.startsWith('-')) return fromBuildx ?? { candidates: [], directive: Directive.Error };
    const ours = OWN_COMMANDS.filter(([n]) => n.startsWith(toComplete) && (!root || BUILDX_SHAPED.has(n))).map(([n, d]) => `${n}\t${d}`);
    const theirs = (fromBuildx?.candidates ?? []).filter((l) => !own.has(value(l)));
    return { candidates: [...ours, ...theirs], directive: fromBuildx?.directive ?? Directive.NoFileComp };
  }

  const word = root?.command ?? words[0]!;
  const command = word === 'b' ? 'build' : word;
  if (!root && own.has(command) && !BUILDX_SHAPED.has(command)) {
    if (toComplete.startsWith('-')) {
      return { candidates: (await ownFlags(command)).filter((l) => value(l).startsWith(toComplete)), directive: Directive.NoFileComp };
    }
    // positional arguments: a layout path for normalize (files), registry references otherwise
    return { candidates: [], directive: command === 'normalize' ? Directive.Default : Directive.NoFileComp };
  }

  const added = addedFor(command, toComplete);
  const fromBuildx = toComplete.startsWith('--ocifix-') ? { candidates: [], directive: Directive.NoFileComp } : await buildx(words);
  if (!fromBuildx) return { candidates: added, directive: added.length > 0 ? Directive.NoFileComp : Directive.Error };
  const directive = toComplete.includes('=') && added.length > 0 ? Directive.NoFileComp | Directive.NoSpace : fromBuildx.directive;
  return { candidates: [...fromBuildx.candidates, ...added], directive };
}

/** Ask buildx: its plugin binary directly when found (as the docker CLI runs it), else `docker __complete buildx`. */
export function buildxCompleter(env: NodeJS.ProcessEnv, globals: DockerGlobals): BuildxComplete {
  const docker = env['DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND'] || 'docker';
  return (args) => {
    const plugin = findPlugin('buildx', env, globals.config);
    const [file, argv] = plugin ? [plugin, ['__complete', 'buildx', ...args]] : [docker, [...globals.forward, '__complete', 'buildx', ...args]];
    return new Promise((resolve) => {
      const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: docker };
      delete childEnv['DOCKER_CLI_PLUGIN_SOCKET'];
      if (!plugin) delete childEnv['DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND'];
      let out = '';
      const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'ignore'], env: childEnv, shell: false });
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.once('error', () => resolve(undefined));
      child.once('close', (code) => resolve(code === 0 ? parseCobra(out) : undefined));
    });
  };
}

/** Answer one `__complete` call; exit 0 (the docker CLI then exits 0 too). */
export async function complete(args: readonly string[], io: CompleteIo): Promise<number> {
  const c = await completionFor(args, buildxCompleter(io.env, io.globals));
  io.stdout.write(formatCobra(c));
  return 0;
}
