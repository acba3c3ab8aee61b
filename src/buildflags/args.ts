/**
 * The `docker buildx build` argv grammar (cobra/pflag, buildx v0.36.1 flag table plus the hidden,
 * legacy and experimental flags of older releases). Pure: no I/O.
 *
 * What the parser promises:
 *  - every token of the user's argv is accounted for and keeps its index, so a rewrite can insert,
 *    replace or remove exactly one flag (or one member of a short cluster) and leave every other
 *    token byte-for-byte where it was (never reordered, never re-quoted);
 *  - pflag rules: `--name=value`, `--name value` (a value-taking flag takes the next token even when
 *    it starts with `-`, as pflag does), bools only take a value through `=`; short flags `-t v`,
 *    `-tv`, `-t=v`; clusters `-qD`, `-qtv` (the first value-taking shorthand takes the rest of the
 *    token, or the next token); `--` ends flags; flags and positionals interleave.
 *
 * Unknown flags (a flag buildx added after this table, or a typo buildx will reject) are passed
 * through verbatim. The rule, because guessing could silently change the meaning of a command:
 *  - `--x=v` and `-x=v` are self-contained;
 *  - `--x` (or an unknown short cluster) followed by another token: we cannot know whether that
 *    token is its value. Both tokens stay verbatim where they are, nothing is ever inserted between
 *    them, and the next token is parsed as if the unknown flag were boolean but marked `uncertain`.
 *    A planner must not rely on (nor edit) an uncertain flag: it forwards the command unchanged and
 *    says so (write the unknown flag as `--x=VALUE` to lift the doubt).
 */

import { parseBoolValue, type FlagSpec } from './pflag.js';

export { parseBoolValue } from './pflag.js';
export type { FlagKind, FlagSpec } from './pflag.js';

/** buildx build flags (docker/buildx commands/build.go, v0.36.1) + hidden/legacy/experimental ones of older releases. */
export const BUILD_FLAGS: readonly FlagSpec[] = [
  { long: 'add-host', kind: 'value' },
  { long: 'allow', kind: 'value' },
  { long: 'annotation', kind: 'value' },
  { long: 'attest', kind: 'value' },
  { long: 'build-arg', kind: 'value' },
  { long: 'build-context', kind: 'value' },
  { long: 'builder', kind: 'value' },
  { long: 'cache-from', kind: 'value' },
  { long: 'cache-to', kind: 'value' },
  { long: 'call', kind: 'value' },
  { long: 'cgroup-parent', kind: 'value' },
  { long: 'check', kind: 'bool' },
  { long: 'debug', short: 'D', kind: 'bool' },
  { long: 'file', short: 'f', kind: 'value' },
  { long: 'help', short: 'h', kind: 'bool' },
  { long: 'iidfile', kind: 'value' },
  { long: 'label', kind: 'value' },
  { long: 'load', kind: 'bool' },
  { long: 'metadata-file', kind: 'value' },
  { long: 'network', kind: 'value' },
  { long: 'no-cache', kind: 'bool' },
  { long: 'no-cache-filter', kind: 'value' },
  { long: 'output', short: 'o', kind: 'value' },
  { long: 'platform', kind: 'value' },
  { long: 'policy', kind: 'value' },
  { long: 'progress', kind: 'value' },
  { long: 'provenance', kind: 'value' },
  { long: 'pull', kind: 'bool' },
  { long: 'push', kind: 'bool' },
  { long: 'quiet', short: 'q', kind: 'bool' },
  { long: 'resource', kind: 'value' },
  { long: 'sbom', kind: 'value' },
  { long: 'secret', kind: 'value' },
  { long: 'shm-size', kind: 'value' },
  { long: 'ssh', kind: 'value' },
  { long: 'tag', short: 't', kind: 'value' },
  { long: 'target', kind: 'value' },
  { long: 'ulimit', kind: 'value' },
  // hidden
  { long: 'print', kind: 'value' },
  { long: 'memory', short: 'm', kind: 'value' },
  { long: 'memory-swap', kind: 'value' },
  { long: 'cpu-shares', short: 'c', kind: 'value' },
  { long: 'cpu-period', kind: 'value' },
  { long: 'cpu-quota', kind: 'value' },
  { long: 'cpuset-cpus', kind: 'value' },
  { long: 'cpuset-mems', kind: 'value' },
  { long: 'isolation', kind: 'value' },
  { long: 'security-opt', kind: 'value' },
  { long: 'compress', kind: 'bool' },
  { long: 'squash', kind: 'bool' },
  { long: 'force-rm', kind: 'bool' },
  { long: 'rm', kind: 'bool' },
  // experimental (BUILDX_EXPERIMENTAL=1) in older releases
  { long: 'root', kind: 'value' },
  { long: 'server-config', kind: 'value' },
  { long: 'detach', kind: 'bool' },
  { long: 'invoke', kind: 'value' },
  { long: 'on', kind: 'value' },
];

/** A flag table indexed by long and short name (one per command grammar: build, bake). */
export interface FlagTable {
  byLong: ReadonlyMap<string, FlagSpec>;
  byShort: ReadonlyMap<string, FlagSpec>;
}

export function flagTable(specs: readonly FlagSpec[]): FlagTable {
  return { byLong: new Map(specs.map((s) => [s.long, s])), byShort: new Map(specs.filter((s) => s.short).map((s) => [s.short!, s])) };
}

const BUILD_TABLE = flagTable(BUILD_FLAGS);

/** How one flag occurrence is written. */
export type FlagSyntax =
  /** `--name value` (value flags) or `--name` (bools) */
  | 'long'
  /** `--name=value` */
  | 'long='
  /** `-t value` alone in its token, or the last member of a cluster taking the next token */
  | 'short'
  /** `-tvalue` / `-qtvalue` (value attached after the letter) */
  | 'short-attached'
  /** `-t=value` / `-q=false` */
  | 'short=';

export interface FlagUse {
  /** Canonical long name (`tag` for `-t`); for an unknown flag, the name as written without dashes. */
  name: string;
  known: boolean;
  /** Value flags: the value. Bools: the raw value after `=`, or undefined when written bare. */
  value?: string;
  /** Token index of the flag. */
  index: number;
  /** Token index of a separate value token (`--tag v`, `-t v`). */
  valueIndex?: number;
  /** For a member of a short cluster (`-qD`, `-qtv`): its character range [start, end) in argv[index], value included. */
  chars?: [number, number];
  syntax: FlagSyntax;
  /** Parsed right after an unknown flag written without `=`: it might be that flag's value. */
  uncertain: boolean;
}

export interface Positional {
  index: number;
  value: string;
  uncertain: boolean;
}

export interface ParsedBuildArgs {
  argv: readonly string[];
  /** Every known flag occurrence, in order (cluster members in character order). */
  flags: FlagUse[];
  /** Unknown flags, in order. */
  unknown: FlagUse[];
  positionals: Positional[];
  /** The build context (PATH | URL | -) when it can be told without guessing. */
  context?: Positional;
  /** Index of `--`, when present. */
  terminator?: number;
  /** Something buildx itself will reject (a value flag at the end without value). Rewrites should be skipped. */
  error?: string;
}

function isFlagToken(tok: string): boolean {
  return tok.length > 1 && tok.startsWith('-');
}

/** One short flag or cluster (`-t v`, `-tv`, `-qD`, `-qtv`, `-t=v`) at argv[i]. `bad`: a shorthand the table does not know, or a missing value. */
function readCluster(
  argv: readonly string[],
  i: number,
  table: FlagTable,
  uncertain: boolean,
): { members: FlagUse[]; bad: boolean; consumedNext: boolean; error?: string } {
  const tok = argv[i]!;
  const members: FlagUse[] = [];
  for (let j = 1; j < tok.length; j++) {
    const ch = tok[j]!;
    const spec = table.byShort.get(ch);
    if (!spec) return { members, bad: true, consumedNext: false };
    const whole = j === 1;
    if (tok[j + 1] === '=') {
      members.push({
        name: spec.long,
        known: true,
        value: tok.slice(j + 2),
        index: i,
        syntax: 'short=',
        uncertain,
        ...(whole ? {} : { chars: [j, tok.length] as [number, number] }),
      });
      break;
    }
    if (spec.kind === 'bool') {
      const single = whole && tok.length === 2;
      members.push({ name: spec.long, known: true, index: i, syntax: 'short', uncertain, ...(single ? {} : { chars: [j, j + 1] as [number, number] }) });
      continue;
    }
    if (j + 1 < tok.length) {
      members.push({
        name: spec.long,
        known: true,
        value: tok.slice(j + 1),
        index: i,
        syntax: 'short-attached',
        uncertain,
        ...(whole ? {} : { chars: [j, tok.length] as [number, number] }),
      });
      break;
    }
    if (i + 1 >= argv.length) return { members, bad: true, consumedNext: false, error: `flag needs an argument: '${ch}' in -${ch}` };
    members.push({
      name: spec.long,
      known: true,
      value: argv[i + 1]!,
      index: i,
      valueIndex: i + 1,
      syntax: 'short',
      uncertain,
      ...(whole ? {} : { chars: [j, j + 1] as [number, number] }),
    });
    return { members, bad: false, consumedNext: true };
  }
  return { members, bad: false, consumedNext: false };
}

/** Parse the arguments that follow `build` (or, with the bake table, `bake`). Never throws. */
export function parseBuildArgs(argv: readonly string[], table: FlagTable = BUILD_TABLE): ParsedBuildArgs {
  const flags: FlagUse[] = [];
  const unknown: FlagUse[] = [];
  const positionals: Positional[] = [];
  let terminator: number | undefined;
  let error: string | undefined;
  /** Set after an unknown flag written without `=`: the next token is uncertain. */
  let pendingUncertain = false;

  let i = 0;
  while (i < argv.length) {
    const tok = argv[i]!;
    const uncertain = pendingUncertain;
    pendingUncertain = false;
    if (tok === '--') {
      terminator = i;
      for (let j = i + 1; j < argv.length; j++) positionals.push({ index: j, value: argv[j]!, uncertain: uncertain && j === i + 1 });
      break;
    }
    if (!isFlagToken(tok)) {
      positionals.push({ index: i, value: tok, uncertain });
      i++;
      continue;
    }
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      const name = eq === -1 ? tok.slice(2) : tok.slice(2, eq);
      const spec = table.byLong.get(name);
      if (!spec) {
        unknown.push({ name, known: false, ...(eq === -1 ? {} : { value: tok.slice(eq + 1) }), index: i, syntax: eq === -1 ? 'long' : 'long=', uncertain });
        pendingUncertain = eq === -1 && i + 1 < argv.length;
        i++;
        continue;
      }
      if (eq !== -1) {
        flags.push({ name, known: true, value: tok.slice(eq + 1), index: i, syntax: 'long=', uncertain });
        i++;
        continue;
      }
      if (spec.kind === 'bool') {
        flags.push({ name, known: true, index: i, syntax: 'long', uncertain });
        i++;
        continue;
      }
      if (i + 1 >= argv.length) {
        error = `flag needs an argument: --${name}`;
        unknown.push({ name, known: false, index: i, syntax: 'long', uncertain });
        i++;
        continue;
      }
      flags.push({ name, known: true, value: argv[i + 1]!, index: i, valueIndex: i + 1, syntax: 'long', uncertain });
      i += 2;
      continue;
    }
    // short flag or cluster
    const { members, bad, consumedNext, error: clusterError } = readCluster(argv, i, table, uncertain);
    if (clusterError) error = clusterError;
    if (bad) {
      // An unknown shorthand anywhere in the cluster: the whole token is unknown (buildx will say so).
      const eq = tok.indexOf('=');
      unknown.push({ name: tok.slice(1), known: false, index: i, syntax: eq === -1 ? 'short' : 'short=', uncertain });
      pendingUncertain = eq === -1 && i + 1 < argv.length;
      i++;
      continue;
    }
    flags.push(...members);
    i += consumedNext ? 2 : 1;
  }

  // buildx takes exactly one positional. An uncertain one next to a certain one must be the unknown
  // flag's value; a lone one must be the context for the build to run at all. More: leave it open.
  const certain = positionals.filter((p) => !p.uncertain);
  let context: Positional | undefined;
  if (positionals.length === 1) context = positionals[0];
  else if (positionals.length === 2 && certain.length === 1) context = certain[0];
  return {
    argv,
    flags,
    unknown,
    positionals,
    ...(context ? { context } : {}),
    ...(terminator !== undefined ? { terminator } : {}),
    ...(error ? { error } : {}),
  };
}

export function uses(p: ParsedBuildArgs, name: string): FlagUse[] {
  return p.flags.filter((f) => f.name === name);
}

/** All values of a repeatable value flag, in order. */
export function values(p: ParsedBuildArgs, name: string): string[] {
  return uses(p, name).map((f) => f.value ?? '');
}

/** The effective value of a single-valued flag (pflag: the last one wins). */
export function lastValue(p: ParsedBuildArgs, name: string): string | undefined {
  const all = uses(p, name);
  return all.length ? all[all.length - 1]!.value : undefined;
}

/** The effective value of a bool flag: undefined when absent (or unparsable, which buildx rejects). */
export function boolValue(p: ParsedBuildArgs, name: string): boolean | undefined {
  const all = uses(p, name);
  if (!all.length) return undefined;
  const last = all[all.length - 1]!;
  return last.value === undefined ? true : parseBoolValue(last.value);
}

// ---------------------------------------------------------------------------------------------
// Rewriting

export type ArgEdit =
  /** Insert tokens before argv[at] (at = argv.length appends; 0 = right after `build`). */
  | { op: 'insert'; at: number; tokens: string[] }
  /** Remove one flag occurrence (and its separate value token; or its characters in a cluster). */
  | { op: 'remove'; use: FlagUse }
  /** Give one value-flag occurrence a new value, written the way the user wrote it. */
  | { op: 'set-value'; use: FlagUse; value: string }
  /** Replace one flag occurrence with other tokens, placed where it was. */
  | { op: 'replace'; use: FlagUse; tokens: string[] };

interface TokenChange {
  drop?: boolean;
  /** New text for the token (cluster edits, value edits). */
  text?: string;
  /** Tokens added after this token (replacement of a cluster member). */
  after?: string[];
  /** Tokens that take this token's place (replacement of a whole flag). */
  replaceWith?: string[];
  /** Character ranges of a cluster token to cut. */
  cuts?: Array<[number, number]>;
  /** Cluster value replacement: range → new value text. */
  valueEdits?: Array<{ range: [number, number]; text: string }>;
}

function valueText(use: FlagUse, argvTok: string, value: string): string {
  // rebuild the token that carries the value, keeping the user's syntax
  switch (use.syntax) {
    case 'long=': {
      const eq = argvTok.indexOf('=');
      return `${argvTok.slice(0, eq + 1)}${value}`;
    }
    default:
      return value;
  }
}

/** Apply edits to an argv. Tokens that no edit touches come out identical and in the same order. */
export function applyEdits(argv: readonly string[], edits: readonly ArgEdit[]): string[] {
  const changes = new Map<number, TokenChange>();
  const inserts = new Map<number, string[]>();
  const change = (i: number): TokenChange => {
    let c = changes.get(i);
    if (!c) changes.set(i, (c = {}));
    return c;
  };
  for (const e of edits) {
    switch (e.op) {
      case 'insert': {
        const list = inserts.get(e.at) ?? [];
        list.push(...e.tokens);
        inserts.set(e.at, list);
        break;
      }
      case 'remove':
      case 'replace': {
        const u = e.use;
        const replacement = e.op === 'replace' ? e.tokens : [];
        if (u.chars) {
          const c = change(u.index);
          (c.cuts ??= []).push(u.chars);
          if (replacement.length) (c.after ??= []).push(...replacement);
        } else {
          const c = change(u.index);
          c.drop = true;
          if (replacement.length) (c.replaceWith ??= []).push(...replacement);
        }
        if (u.valueIndex !== undefined) change(u.valueIndex).drop = true;
        break;
      }
      case 'set-value': {
        const u = e.use;
        if (u.valueIndex !== undefined) change(u.valueIndex).text = e.value;
        else if (u.syntax === 'long=') change(u.index).text = valueText(u, argv[u.index]!, e.value);
        else {
          // -tVALUE, -t=VALUE, -qtVALUE, -qt=VALUE: replace the characters after the letter (and '=')
          const tok = argv[u.index]!;
          const start = u.chars ? u.chars[0] : 1;
          const valueStart = start + 1 + (u.syntax === 'short=' ? 1 : 0);
          (change(u.index).valueEdits ??= []).push({ range: [valueStart, tok.length], text: e.value });
        }
        break;
      }
    }
  }
  const out: string[] = [];
  for (let i = 0; i <= argv.length; i++) {
    const ins = inserts.get(i);
    if (ins) out.push(...ins);
    if (i === argv.length) break;
    const tok = argv[i]!;
    const c = changes.get(i);
    if (!c) {
      out.push(tok);
      continue;
    }
    if (c.replaceWith) out.push(...c.replaceWith);
    if (c.drop) continue;
    let text = c.text ?? tok;
    if (c.valueEdits || c.cuts) {
      // apply from the right so earlier ranges stay valid
      const ops: Array<{ range: [number, number]; text: string }> = [...(c.valueEdits ?? []), ...(c.cuts ?? []).map((range) => ({ range, text: '' }))].sort(
        (a, b) => b.range[0] - a.range[0],
      );
      for (const op of ops) text = text.slice(0, op.range[0]) + op.text + text.slice(op.range[1]);
    }
    if (text !== '-') out.push(text);
    if (c.after) out.push(...c.after);
  }
  return out;
}

/** Shell-quote an argv for display (explain mode, messages). Never used to run anything. */
export function shellQuote(args: readonly string[]): string {
  return args.map((a) => (a !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
