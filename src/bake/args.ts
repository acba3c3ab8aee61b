/**
 * The `docker buildx bake` argv grammar (buildx v0.36.1 commands/bake.go, plus the flags of older
 * releases) on the same byte-preserving parser as build's, and what ocifix reads from it. Pure.
 */
import {
  boolValue,
  flagTable,
  lastValue,
  parseBuildArgs,
  uses,
  values,
  type FlagSpec,
  type FlagUse,
  type ParsedBuildArgs,
  type Positional,
} from '../buildflags/args.js';

export const BAKE_FLAGS: readonly FlagSpec[] = [
  { long: 'file', short: 'f', kind: 'value' },
  { long: 'load', kind: 'bool' },
  { long: 'push', kind: 'bool' },
  { long: 'sbom', kind: 'value' },
  { long: 'provenance', kind: 'value' },
  { long: 'policy', kind: 'value' },
  { long: 'set', kind: 'value' },
  { long: 'var', kind: 'value' },
  { long: 'call', kind: 'value' },
  { long: 'allow', kind: 'value' },
  // `--check` is `--call=check` (NoOptDefVal "true"): a bool in pflag's grammar
  { long: 'check', kind: 'bool' },
  { long: 'print', kind: 'bool' },
  { long: 'list', kind: 'value' },
  { long: 'list-targets', kind: 'bool' },
  { long: 'list-variables', kind: 'bool' },
  // commonBuildFlags
  { long: 'progress', kind: 'value' },
  { long: 'metadata-file', kind: 'value' },
  { long: 'no-cache', kind: 'bool' },
  { long: 'pull', kind: 'bool' },
  // buildx root flags (persistent), valid after the command word
  { long: 'builder', kind: 'value' },
  { long: 'debug', short: 'D', kind: 'bool' },
  { long: 'help', short: 'h', kind: 'bool' },
];

const BAKE_TABLE = flagTable(BAKE_FLAGS);

export function parseBakeArgs(argv: readonly string[]): ParsedBuildArgs {
  return parseBuildArgs(argv, BAKE_TABLE);
}

/** Why a bake is handed to buildx exactly as typed, with no `--print` first. */
export type BakeHandOff =
  | { reason: 'invalid' }
  /** --print, --list, --call other than build, --check, --help: nothing is exported. */
  | { reason: 'no-export' }
  /** A remote definition (git or https URL) with `-f -`: the stdin file is one of the remote's. */
  | { reason: 'remote' }
  /** An unknown flag written `--x VALUE` may have swallowed a flag ocifix relies on. */
  | { reason: 'uncertain'; flag: string };

export interface BakeArgs {
  parsed: ParsedBuildArgs;
  /**
   * A remote definition: the first positional is a git or https URL buildx reads through the
   * builder; its contexts and git credentials belong to it, so it only takes `--set` overrides.
   */
  remote?: Positional;
  metadataFile?: string;
  builder?: string;
  /** A definition is read from stdin (`-f -`). */
  readsStdin: boolean;
  handOff?: BakeHandOff;
}

const RELEVANT = new Set(['file', 'set', 'push', 'load', 'metadata-file', 'builder', 'call', 'check', 'print', 'list', 'provenance', 'sbom', 'var']);
/** buildx's remote definitions (bake.IsRemoteURL): http(s) URLs and git references, SCP-style `user@host:path` included. */
const REMOTE = /^(?:https?:\/\/|git:\/\/|ssh:\/\/|git\+ssh:\/\/|[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+:|github\.com\/)|\.git(?:#|$)/i;

function handOff(p: ParsedBuildArgs, remote: Positional | undefined): BakeHandOff | undefined {
  if (p.error) return { reason: 'invalid' };
  if (boolValue(p, 'help') === true) return { reason: 'no-export' };
  const call = lastValue(p, 'call');
  const list = lastValue(p, 'list');
  if (
    boolValue(p, 'print') === true ||
    (list !== undefined && list !== '') ||
    boolValue(p, 'list-targets') === true ||
    boolValue(p, 'list-variables') === true ||
    (call !== undefined && call !== 'build') ||
    boolValue(p, 'check') === true
  ) {
    return { reason: 'no-export' };
  }
  // a remote definition read from stdin as well (`-f -` names a file of the remote context): unchanged
  if (remote && values(p, 'file').includes('-')) return { reason: 'remote' };
  const shaky = p.flags.find((f) => f.uncertain && RELEVANT.has(f.name)) ?? p.positionals.find((x) => x.uncertain);
  if (shaky) {
    const unknown = [...p.unknown].reverse().find((u) => u.index < shaky.index);
    return { reason: 'uncertain', flag: unknown ? p.argv[unknown.index]! : 'an unknown flag' };
  }
  return undefined;
}

export function readBakeArgs(parsed: ParsedBuildArgs): BakeArgs {
  const first = parsed.positionals[0];
  const remote = first && REMOTE.test(first.value) ? first : undefined;
  const metadata = lastValue(parsed, 'metadata-file');
  const builder = lastValue(parsed, 'builder');
  const h = handOff(parsed, remote);
  return {
    parsed,
    ...(remote ? { remote } : {}),
    ...(metadata ? { metadataFile: metadata } : {}),
    ...(builder ? { builder } : {}),
    readsStdin: values(parsed, 'file').includes('-'),
    ...(h ? { handOff: h } : {}),
  };
}

/** One `--set PATTERN.KEY[+]=VALUE` occurrence. */
export interface SetUse {
  use: FlagUse;
  pattern: string;
  /** The key after the pattern (`output`, `args.X`, `tags`). */
  key: string;
  append: boolean;
}

export function setUses(p: ParsedBuildArgs): SetUse[] {
  return uses(p, 'set').flatMap((use) => {
    const v = use.value ?? '';
    const eq = v.indexOf('=');
    const left = eq === -1 ? v : v.slice(0, eq);
    const append = left.endsWith('+');
    const skey = append ? left.slice(0, -1) : left;
    const dot = skey.indexOf('.');
    if (dot === -1) return [];
    return [{ use, pattern: skey.slice(0, dot), key: skey.slice(dot + 1), append }];
  });
}
