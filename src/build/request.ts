/**
 * The typed build request: everything the fixes need to know about one build, read once, with no
 * argv positions in it — the same type is built from a `docker buildx build` argv (here) and from
 * a bake target. Outputs and annotations carry an `id`, the handle an edit uses to name them; the
 * source they came from (an argv, a bake definition) maps the id back. Pure.
 */
import { AnnotationSyntaxError, parseAnnotation, type Annotation } from '../buildflags/annotations.js';
import { boolValue, lastValue, parseBoolValue, parseBuildArgs, uses, values, type FlagUse, type ParsedBuildArgs } from '../buildflags/args.js';
import { effectiveOutputs, type EffectiveOutput } from '../buildflags/outputs.js';
import { attestations, buildArg, requestedPlatforms, type Attestations, type BuildEnv } from './derive.js';

/** One export buildx will run. `id` names an `--output` of the source (undefined for the --push/--load ones). */
export interface RequestOutput extends Omit<EffectiveOutput, 'origin'> {
  /** Where it comes from: an `--output` (then `id` is its handle), `--push` or `--load`. */
  origin: 'output' | 'push' | 'load';
  id?: number;
  /** An `--output`'s value as written. */
  raw?: string;
}

/** One `--annotation` value. */
export interface RequestAnnotation {
  id: number;
  /** The value as the user wrote it. */
  raw: string;
  /** Parsed with the current grammar; undefined when it does not parse (buildx reports it). */
  parsed?: Annotation[];
  /** Written with several types (`index,manifest:k=v`). */
  multiType: boolean;
}

/** Why ocifix must leave a command alone. */
export type HandOff =
  /** buildx rejects it itself (a flag without value, an --output that does not parse). */
  | { reason: 'invalid' }
  /** It exports nothing or asks for something else: --help, --call other than build, --check, --print. */
  | { reason: 'no-export' }
  /** An unknown flag written `--x VALUE` may have swallowed a flag ocifix relies on. */
  | { reason: 'uncertain'; flag: string };

export interface BuildRequest {
  /** `build` or its alias `b` (bake: the target name). */
  command: string;
  handOff?: HandOff;
  /** Target platforms as buildx reads them (DOCKER_DEFAULT_PLATFORM when none is given). */
  platforms: string[];
  /** Every export buildx will run, in order. */
  outputs: RequestOutput[];
  /** `-t` values. */
  tags: string[];
  annotations: RequestAnnotation[];
  /** The effective BUILDKIT_MULTI_PLATFORM build arg, when set. */
  multiPlatform?: string;
  attestations: Attestations;
  /** The --metadata-file the build writes (undefined: none, or an empty one given last). */
  metadataFile?: string;
  iidFile?: string;
  /** --builder, when given. */
  builder?: string;
  /** -q */
  quiet: boolean;
  /** The build reads stdin: `-f -` or a context on `-`. */
  readsStdin: boolean;
  env: BuildEnv;
}

/** An argv request's way back to its tokens: the flag occurrence behind each id. */
export interface ArgvSource {
  kind: 'argv';
  args: readonly string[];
  parsed: ParsedBuildArgs;
  /** `--output` occurrences by output id. */
  outputUses: FlagUse[];
  /** `--annotation` occurrences by annotation id. */
  annotationUses: FlagUse[];
}

/** Flags whose meaning the fixes rely on: if one may be an unknown flag's value, hands off. */
const RELEVANT = new Set([
  'platform', 'output', 'tag', 'annotation', 'push', 'load', 'builder', 'metadata-file', 'iidfile',
  'build-arg', 'provenance', 'sbom', 'attest', 'cache-to', 'call', 'check', 'print',
]);

function tryAnnotation(value: string): Annotation[] | undefined {
  try {
    return parseAnnotation(value);
  } catch (error) {
    if (error instanceof AnnotationSyntaxError) return undefined;
    throw error;
  }
}

/**
 * Read every `--annotation` flag. One that does not parse (`com.example:x=1`: buildx ≥ 0.16 says
 * "invalid annotation type", buildx 0.15 takes `com.example:x` as a manifest key) is left for
 * buildx to judge, exactly as it would be without ocifix.
 */
export function readAnnotation(id: number, raw: string): RequestAnnotation {
  const parsed = tryAnnotation(raw);
  const eq = raw.indexOf('=');
  const left = eq === -1 ? raw : raw.slice(0, eq);
  const colon = left.indexOf(':');
  return { id, raw, ...(parsed ? { parsed } : {}), multiType: colon !== -1 && left.slice(0, colon).includes(',') };
}

function handOff(p: ParsedBuildArgs): HandOff | undefined {
  if (p.error) return { reason: 'invalid' };
  if (boolValue(p, 'help') === true) return { reason: 'no-export' };
  const call = lastValue(p, 'call');
  const print = lastValue(p, 'print');
  if ((call !== undefined && call !== 'build') || boolValue(p, 'check') === true || (print !== undefined && print !== '')) return { reason: 'no-export' };
  const shaky = p.flags.find((f) => f.uncertain && RELEVANT.has(f.name));
  if (shaky) {
    const unknown = [...p.unknown].reverse().find((u) => u.index < shaky.index);
    return { reason: 'uncertain', flag: unknown ? p.argv[unknown.index]! : 'an unknown flag' };
  }
  return undefined;
}

/** Read a `docker buildx build` argv (the arguments after `build`) into a request and its source. */
export function readRequest(args: readonly string[], env: BuildEnv, command = 'build', parsed: ParsedBuildArgs = parseBuildArgs(args)): { request: BuildRequest; source: ArgvSource } {
  const p = parsed;
  const eo = effectiveOutputs(p);
  const outputUses: FlagUse[] = [];
  const outputs: RequestOutput[] = eo.outputs.map(({ origin, ...o }) => {
    if (origin.kind !== 'output') return { ...o, origin: origin.kind };
    outputUses.push(origin.use);
    return { ...o, origin: 'output', id: outputUses.length - 1, raw: origin.use.value ?? '' };
  });
  const annotationUses = uses(p, 'annotation');
  const metadata = lastValue(p, 'metadata-file');
  const iid = lastValue(p, 'iidfile');
  const builder = lastValue(p, 'builder');
  const multiPlatform = buildArg(p, 'BUILDKIT_MULTI_PLATFORM', env);
  const h = eo.error ? ({ reason: 'invalid' } as const) : handOff(p);
  const request: BuildRequest = {
    command,
    ...(h ? { handOff: h } : {}),
    platforms: requestedPlatforms(p, env),
    outputs,
    tags: values(p, 'tag'),
    annotations: annotationUses.map((u, i) => readAnnotation(i, u.value ?? '')),
    ...(multiPlatform !== undefined ? { multiPlatform } : {}),
    attestations: attestations(p, env),
    ...(metadata ? { metadataFile: metadata } : {}),
    ...(iid ? { iidFile: iid } : {}),
    ...(builder ? { builder } : {}),
    quiet: boolValue(p, 'quiet') === true,
    readsStdin: p.context?.value === '-' || values(p, 'file').includes('-'),
    env,
  };
  return { request, source: { kind: 'argv', args, parsed: p, outputUses, annotationUses } };
}

/** BUILDKIT_MULTI_PLATFORM=true-ish / false-ish. */
export function multiPlatformForced(r: BuildRequest): boolean {
  return r.multiPlatform !== undefined && parseBoolValue(r.multiPlatform) === true;
}
export function multiPlatformDisabled(r: BuildRequest): boolean {
  return r.multiPlatform !== undefined && parseBoolValue(r.multiPlatform) === false;
}
