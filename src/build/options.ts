/**
 * ocifix's own options for `docker ocifix build`. They share the argv with buildx's flags, so
 * every name starts with `--ocifix-` (buildx has no such flag and never will by accident), and
 * each has an OCIFIX_* environment twin for aliases and CI. The command line wins over the
 * environment. Pure.
 *
 *   --ocifix-explain[=text|json]   OCIFIX_EXPLAIN=1|text|json   print the plan, run nothing
 *   --ocifix-quiet                 OCIFIX_QUIET=1               no notice lines on stderr
 *   --ocifix-index-annotations=P   OCIFIX_INDEX_ANNOTATIONS=P   force-index (default) | manifest-only | fail
 *   --ocifix-load=S                OCIFIX_LOAD=S                native (default) | split | cacheonly | error
 *   --ocifix-keep-tag=TAG          OCIFIX_KEEP_TAG=TAG          tag kept by a normalized OCI layout
 *
 * Value options also accept the `--ocifix-load split` form. Only tokens that buildx's grammar sees
 * as flags count: `-t --ocifix-quiet` is a tag, and anything after `--` is left alone.
 */
import { parseBoolValue, parseBuildArgs, type ParsedBuildArgs } from '../buildflags/args.js';
import { UsageError } from '../errors.js';
import { DEFAULT_POLICY, type ExplainFormat, type IndexAnnotationPolicy, type LoadStrategy, type Policy } from './types.js';

export interface OcifixOptions {
  policy: Policy;
  explain?: ExplainFormat;
  quiet: boolean;
  /** The build arguments with ocifix's options taken out (everything else untouched, in order). */
  rest: string[];
  /** `rest` parsed (a copy of the first parse with argv = rest): parse once, pass it on. */
  parsed: ParsedBuildArgs;
}

const INDEX_POLICIES = ['force-index', 'manifest-only', 'fail'] as const;
const LOAD_STRATEGIES = ['native', 'split', 'cacheonly', 'error'] as const;
const EXPLAIN_FORMATS = ['text', 'json'] as const;

const VALUE_OPTIONS = new Set(['ocifix-index-annotations', 'ocifix-load', 'ocifix-keep-tag']);
const OPTIONAL_VALUE = new Set(['ocifix-explain', 'ocifix-quiet']);

function check<T extends string>(allowed: readonly T[], value: string, where: string, shown: readonly string[] = allowed): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`invalid value ${JSON.stringify(value)} for ${where}: expected one of ${shown.join(', ')}`);
  return value as T;
}

function explainValue(raw: string, where: string): ExplainFormat | undefined {
  if (raw === '' ) return 'text';
  const b = parseBoolValue(raw);
  if (b !== undefined) return b ? 'text' : undefined;
  return check(EXPLAIN_FORMATS, raw, where, [...EXPLAIN_FORMATS, 'true', 'false']);
}

/** Take ocifix's options out of the build argv, merged over OCIFIX_* variables. Throws UsageError. */
export function parseOcifixOptions(args: readonly string[], env: NodeJS.ProcessEnv, parse: (argv: readonly string[]) => ParsedBuildArgs = parseBuildArgs): OcifixOptions {
  const values = new Map<string, string>();
  const drop = new Set<number>();
  const parsed = parse(args);
  for (const u of parsed.unknown) {
    if (!u.name.startsWith('ocifix-') || u.syntax === 'short' || u.syntax === 'short=') continue;
    if (!VALUE_OPTIONS.has(u.name) && !OPTIONAL_VALUE.has(u.name)) {
      throw new UsageError(
        `unknown ocifix option --${u.name} (known: --ocifix-explain[=text|json], --ocifix-quiet, --ocifix-index-annotations, --ocifix-load, --ocifix-keep-tag)`,
      );
    }
    drop.add(u.index);
    let value = u.value;
    if (value === undefined && VALUE_OPTIONS.has(u.name)) {
      const next = u.index + 1;
      if (next >= args.length || (parsed.terminator !== undefined && next >= parsed.terminator)) {
        throw new UsageError(`--${u.name} needs a value`);
      }
      value = args[next]!;
      drop.add(next);
    }
    values.set(u.name, value ?? '');
  }
  const rest = drop.size === 0 ? [...args] : args.filter((_, i) => !drop.has(i));
  const restParsed = drop.size === 0 ? { ...parsed, argv: rest } : parse(rest);

  const policy: Policy = { ...DEFAULT_POLICY };
  const pick = (name: string, envName: string): { value: string; where: string } | undefined => {
    if (values.has(name)) return { value: values.get(name)!, where: `--${name}` };
    const e = env[envName];
    return e !== undefined && e !== '' ? { value: e, where: envName } : undefined;
  };

  /**
   * A policy value: checked now when given on the command line; from the environment (set once
   * for every build of a shell or CI job) checked only when a fix reads it, so a bad OCIFIX_LOAD
   * fails the builds that --load several platforms and no other.
   */
  const setPolicy = <K extends keyof Policy>(key: K, option: string, envName: string, read: (value: string, where: string) => Policy[K]): void => {
    const got = pick(option, envName);
    if (!got) return;
    if (got.where.startsWith('--')) {
      policy[key] = read(got.value, got.where);
      return;
    }
    let value: Policy[K] | undefined;
    Object.defineProperty(policy, key, {
      enumerable: true,
      get: () => (value ??= read(got.value, got.where)),
    });
  };
  setPolicy('indexAnnotations', 'ocifix-index-annotations', 'OCIFIX_INDEX_ANNOTATIONS', (v, w) => check<IndexAnnotationPolicy>(INDEX_POLICIES, v, w));
  setPolicy('load', 'ocifix-load', 'OCIFIX_LOAD', (v, w) => check<LoadStrategy>(LOAD_STRATEGIES, v, w));
  setPolicy('keepTag', 'ocifix-keep-tag', 'OCIFIX_KEEP_TAG', (v, w) => {
    if (v === '') throw new UsageError(`${w} needs a tag`);
    return v;
  });

  let explain: ExplainFormat | undefined;
  if (values.has('ocifix-explain')) explain = explainValue(values.get('ocifix-explain')!, '--ocifix-explain');
  else if (env['OCIFIX_EXPLAIN']) explain = explainValue(env['OCIFIX_EXPLAIN'], 'OCIFIX_EXPLAIN');

  let quiet = false;
  if (values.has('ocifix-quiet')) {
    const v = values.get('ocifix-quiet')!;
    const b = v === '' ? true : parseBoolValue(v);
    if (b === undefined) throw new UsageError(`invalid value ${JSON.stringify(v)} for --ocifix-quiet: expected true or false`);
    quiet = b;
  } else if (env['OCIFIX_QUIET']) quiet = parseBoolValue(env['OCIFIX_QUIET']) ?? true;

  return { policy, ...(explain ? { explain } : {}), quiet, rest, parsed: restParsed };
}
