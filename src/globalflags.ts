/**
 * Docker's global flags, as the docker CLI passes them to a plugin: in front of the plugin name
 * (`docker --context prod -D ocifix build .` runs `docker-ocifix --context prod -D ocifix build .`).
 * Parsed like cobra/pflag with interspersed=false: flags up to the first non-flag word.
 * Pure: no I/O.
 */
import { flagLabel, parseBool, type FlagSpec } from './buildflags/pflag.js';
import { UsageError } from './errors.js';

const SPECS: readonly FlagSpec[] = [
  { long: 'config', kind: 'value' },
  { long: 'context', short: 'c', kind: 'value' },
  { long: 'debug', short: 'D', kind: 'bool' },
  { long: 'host', short: 'H', kind: 'value' },
  { long: 'log-level', short: 'l', kind: 'value' },
  { long: 'tls', kind: 'bool' },
  { long: 'tlscacert', kind: 'value' },
  { long: 'tlscert', kind: 'value' },
  { long: 'tlskey', kind: 'value' },
  { long: 'tlsverify', kind: 'bool' },
  { long: 'help', short: 'h', kind: 'bool' },
];
const BY_LONG = new Map(SPECS.map((s) => [s.long, s]));
const BY_SHORT = new Map(SPECS.filter((s) => s.short).map((s) => [s.short!, s]));

export interface DockerGlobals {
  /** The global flags as typed, minus help flags: passed verbatim to every `docker` we run. */
  forward: string[];
  config?: string;
  context?: string;
  host?: string;
  logLevel?: string;
  debug: boolean;
  help: boolean;
}

export type Invocation =
  /** `docker ocifix ARGS…` or standalone `docker-ocifix ARGS…` */
  | { kind: 'run'; globals: DockerGlobals; args: string[] }
  /** `docker help ocifix [sub…]`, `docker --help ocifix [sub…]` */
  | { kind: 'help'; globals: DockerGlobals; topic: string[] }
  /** cobra shell completion: `__complete ocifix ARGS… TOCOMPLETE` */
  | { kind: 'complete'; globals: DockerGlobals; args: string[] };

export const PLUGIN_NAME = 'ocifix';

function apply(g: DockerGlobals, spec: FlagSpec, value: string | boolean): void {
  switch (spec.long) {
    case 'config':
      g.config = value as string;
      break;
    case 'context':
      g.context = value as string;
      break;
    case 'host':
      if (g.host !== undefined) throw new UsageError('specify only one -H');
      g.host = value as string;
      break;
    case 'log-level':
      g.logLevel = value as string;
      break;
    case 'debug':
      g.debug = value as boolean;
      break;
    case 'help':
      g.help = value as boolean;
      break;
    default:
      break; // tls flags: only forwarded
  }
}

/** Split docker's global flags off the front of argv. Throws UsageError on unknown/malformed flags. */
export function parseGlobals(argv: readonly string[]): { globals: DockerGlobals; rest: string[] } {
  const g: DockerGlobals = { forward: [], debug: false, help: false };
  let i = 0;
  while (i < argv.length) {
    const tok = argv[i]!;
    if (tok === '--') {
      i++;
      break;
    }
    if (!tok.startsWith('-') || tok === '-') break;
    i++;
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      const name = eq === -1 ? tok.slice(2) : tok.slice(2, eq);
      const spec = BY_LONG.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      const forwarded: string[] = [tok];
      if (spec.kind === 'value') {
        let value: string;
        if (eq !== -1) value = tok.slice(eq + 1);
        else {
          if (i >= argv.length) throw new UsageError(`flag needs an argument: --${name}`);
          value = argv[i++]!;
          forwarded.push(value);
        }
        apply(g, spec, value);
      } else {
        apply(g, spec, eq === -1 ? true : parseBool(flagLabel(spec), tok.slice(eq + 1)));
      }
      if (spec.long !== 'help') g.forward.push(...forwarded);
      continue;
    }
    // shorthand cluster: -Dc prod, -cprod, -c=prod, -Dh
    const kept: string[] = [];
    let consumedNext: string | undefined;
    for (let j = 1; j < tok.length; j++) {
      const ch = tok[j]!;
      const spec = BY_SHORT.get(ch);
      if (!spec) throw new UsageError(`unknown shorthand flag: '${ch}' in ${tok}`);
      if (spec.kind === 'bool') {
        if (tok[j + 1] === '=') {
          apply(g, spec, parseBool(flagLabel(spec), tok.slice(j + 2)));
          if (spec.long !== 'help') kept.push(tok.slice(j));
          j = tok.length;
          continue;
        }
        apply(g, spec, true);
        if (spec.long !== 'help') kept.push(ch);
        continue;
      }
      let value = tok.slice(j + 1);
      if (value.startsWith('=')) value = value.slice(1);
      else if (value === '') {
        if (i >= argv.length) throw new UsageError(`flag needs an argument: '${ch}' in -${ch}`);
        value = argv[i++]!;
        consumedNext = value;
      }
      apply(g, spec, value);
      kept.push(tok.slice(j));
      break;
    }
    if (kept.length > 0) {
      // rebuild the cluster without any help flag; value-taking flags stay last
      const last = kept[kept.length - 1]!;
      const bools = kept.slice(0, -1).join('');
      g.forward.push(`-${bools}${last}`);
      if (consumedNext !== undefined) g.forward.push(consumedNext);
    }
  }
  if (g.host !== undefined && g.context !== undefined) {
    throw new UsageError('conflicting options: cannot specify both --host and --context');
  }
  return { globals: g, rest: argv.slice(i) };
}

/**
 * Understand the whole argv a plugin receives. `standalone` is true when the binary was run
 * directly (no DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND); then the plugin name is optional.
 */
export function splitInvocation(argv: readonly string[]): Invocation {
  const { globals, rest } = parseGlobals(argv);
  const [first, ...tail] = rest;
  if (first === '__complete') {
    return { kind: 'complete', globals, args: tail[0] === PLUGIN_NAME ? tail.slice(1) : tail };
  }
  if (first === 'help') {
    const topic = tail[0] === PLUGIN_NAME ? tail.slice(1) : tail;
    return { kind: 'help', globals, topic };
  }
  const args = first === PLUGIN_NAME ? tail : rest;
  if (globals.help) return { kind: 'help', globals, topic: args.filter((a) => !a.startsWith('-')) };
  return { kind: 'run', globals, args };
}
