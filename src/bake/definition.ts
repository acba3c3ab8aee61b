/**
 * A resolved bake definition, as `docker buildx bake --print` writes it, and each target read
 * into the same BuildRequest a `docker buildx build` argv gives (src/build/request.ts), so the
 * very same fixes apply. Both print shapes are read: outputs, cache and attest entries as CSV
 * strings (buildx < 0.19; attest < 0.20) or as objects of string attributes (≥ 0.19 / ≥ 0.20).
 * Pure.
 */
import { describeExport, formatOutput, parseOutput, quoteField, type ExportEntry } from '../buildflags/outputs.js';
import { OcifixError } from '../errors.js';
import { attestationsOf, type BuildEnv } from '../build/derive.js';
import { readAnnotation, type BuildRequest, type RequestOutput } from '../build/request.js';

/** A CSV string (old print shape, and what bake files may say) or an object of attributes. */
export type Entry = string | Record<string, string>;

/** The keys of bake.Target ocifix reads or rewrites; every other key is carried through untouched. */
export interface BakeTarget {
  annotations?: string[];
  attest?: Entry[];
  args?: Record<string, string | null>;
  tags?: string[];
  platforms?: string[];
  output?: Entry[];
  'cache-to'?: Entry[];
  call?: string;
  [key: string]: unknown;
}

export interface BakeDefinition {
  group?: Record<string, { targets?: string[] }>;
  target: Record<string, BakeTarget>;
}

/** Parse `bake --print` stdout. Throws OcifixError when it is not the shape buildx prints. */
export function parseDefinition(text: string): BakeDefinition {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new OcifixError('docker buildx bake --print did not print JSON: ocifix cannot read the bake definition');
  }
  const o = raw as Partial<BakeDefinition> | null;
  if (typeof o !== 'object' || o === null || typeof o.target !== 'object' || o.target === null) {
    throw new OcifixError('docker buildx bake --print printed no "target" object: ocifix cannot read the bake definition');
  }
  return { ...(o.group ? { group: o.group } : {}), target: o.target };
}

/** One entry as the CSV value a `--set`/flag takes: strings as printed; objects `type` first, then the rest in order. */
export function entryCsv(e: Entry): string {
  if (typeof e === 'string') return e;
  const keys = Object.keys(e);
  const ordered = [...keys.filter((k) => k === 'type'), ...keys.filter((k) => k !== 'type')];
  return ordered.map((k) => quoteField(`${k}=${e[k]}`)).join(',');
}

/** The target's exports; an entry that does not parse makes the request invalid (buildx reports it). */
function targetOutputs(t: BakeTarget, tags: readonly string[]): { outputs: RequestOutput[]; error?: string } {
  const outputs: RequestOutput[] = [];
  for (const [id, e] of (t.output ?? []).entries()) {
    const raw = entryCsv(e);
    let entry: ExportEntry;
    try {
      entry = parseOutput(raw);
    } catch (error) {
      return { outputs: [], error: (error as Error).message };
    }
    const { origin: _origin, ...o } = describeExport({ kind: 'push' }, entry, tags);
    outputs.push({ ...o, origin: 'output', id, raw: formatOutput(entry) });
  }
  return { outputs };
}

/** Read one resolved target into a build request. `metadataFile` and `builder` are the bake's. */
export function targetRequest(
  name: string,
  t: BakeTarget,
  bake: { metadataFile?: string; builder?: string; readsStdin: boolean },
  env: BuildEnv,
): BuildRequest {
  const tags = t.tags ?? [];
  const { outputs, error } = targetOutputs(t, tags);
  // `--set T.platform=a,b` prints as one entry: buildx splits them on commas when it builds
  const split = (xs: readonly string[]) =>
    xs
      .flatMap((x) => x.split(','))
      .map((x) => x.trim())
      .filter(Boolean);
  let platforms = split(t.platforms ?? []);
  if (platforms.length === 0 && env.DOCKER_DEFAULT_PLATFORM) platforms = split([env.DOCKER_DEFAULT_PLATFORM]);
  const mp = t.args?.['BUILDKIT_MULTI_PLATFORM'];
  const call = t.call;
  return {
    command: name,
    ...(error ? { handOff: { reason: 'invalid' as const } } : call !== undefined && call !== 'build' ? { handOff: { reason: 'no-export' as const } } : {}),
    platforms: [...new Set(platforms)],
    outputs,
    tags: [...tags],
    annotations: (t.annotations ?? []).map((a, i) => readAnnotation(i, a)),
    ...(typeof mp === 'string' ? { multiPlatform: mp } : {}),
    attestations: attestationsOf((t.attest ?? []).map(entryCsv), env),
    ...(bake.metadataFile ? { metadataFile: bake.metadataFile } : {}),
    ...(bake.builder ? { builder: bake.builder } : {}),
    quiet: false,
    readsStdin: bake.readsStdin,
    env,
  };
}

/** The targets a definition builds, in the order `--print` lists them. */
export function targetNames(def: BakeDefinition): string[] {
  return Object.keys(def.target);
}
