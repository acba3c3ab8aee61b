/**
 * Facts read from the build argv alone (no probes): platforms, attestations, build args,
 * annotations, where a builder would run each platform. Pure.
 */
import { lastValue, parseBoolValue, values, type ParsedBuildArgs } from '../buildflags/args.js';
import { csvFields, OutputSyntaxError } from '../buildflags/outputs.js';
import { formatPlatform, parsePlatform, samePlatform, type Platform } from '../buildflags/platform.js';
import { formatReference, parseReference, ReferenceSyntaxError, tagOnly, type ImageRef } from '../registry/reference.js';
import type { BuilderFacts } from './types.js';

export interface BuildEnv {
  DOCKER_DEFAULT_PLATFORM?: string;
  BUILDX_NO_DEFAULT_ATTESTATIONS?: string;
  BUILDX_METADATA_PROVENANCE?: string;
  [k: string]: string | undefined;
}

function tryPlatform(s: string): Platform | undefined {
  try {
    return parsePlatform(s);
  } catch {
    return undefined;
  }
}

/** The target platforms, as buildx would read them (comma-split, de-duplicated; env default). */
export function requestedPlatforms(p: ParsedBuildArgs, env: BuildEnv): string[] {
  let raw = values(p, 'platform');
  if (raw.length === 0 && env.DOCKER_DEFAULT_PLATFORM) raw = [env.DOCKER_DEFAULT_PLATFORM];
  const out: string[] = [];
  const seen: Platform[] = [];
  for (const v of raw.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean)) {
    const parsed = tryPlatform(v);
    if (parsed && seen.some((s) => samePlatform(s, parsed))) continue;
    if (!parsed && out.includes(v)) continue;
    if (parsed) seen.push(parsed);
    out.push(v);
  }
  return out;
}

/** Does platform spec `spec` (as typed, or `local`) denote `target` (os/arch[/variant])? */
export function platformMatches(spec: string, target: string): boolean {
  if (spec === 'local') return true;
  const a = tryPlatform(spec);
  const b = tryPlatform(target);
  return !!a && !!b && samePlatform(a, b);
}

function tryReference(name: string): ImageRef | undefined {
  try {
    return parseReference(name);
  } catch (error) {
    if (error instanceof ReferenceSyntaxError) return undefined;
    throw error;
  }
}

/**
 * The `name:tag-os-arch[-variant]` tag for one platform (split load): `latest` when the name has
 * no tag; a name with a digest is written out in full, the digest dropped. A name buildx would reject anyway just gets the suffix appended.
 */
export function suffixedName(name: string, platform: string): string {
  const parsed = tryPlatform(platform);
  const suffix = (parsed ? formatPlatform(parsed) : platform).replace(/[^A-Za-z0-9_.-]+/g, '-');
  const ref = tryReference(name);
  if (!ref) return `${name}-${suffix}`;
  const t = tagOnly(ref);
  // keep the user's spelling (`app:dev` stays short) when the name is a plain NAME[:TAG]
  if (ref.digest === undefined) return name.endsWith(`:${t.tag}`) ? `${name}-${suffix}` : `${name}:${t.tag}-${suffix}`;
  return formatReference({ ...t, tag: `${t.tag}-${suffix}` });
}

/** The tag part of an image name (`latest` when none; undefined when it is no reference). */
export function tagPart(name: string): string | undefined {
  const ref = tryReference(name);
  return ref ? tagOnly(ref).tag : undefined;
}

// ---------------------------------------------------------------------------------------------
// build args, attestations

/** The effective value of a build arg (`--build-arg K` alone takes the environment's value). */
export function buildArg(p: ParsedBuildArgs, key: string, env: BuildEnv): string | undefined {
  let out: string | undefined;
  for (const v of values(p, 'build-arg')) {
    const eq = v.indexOf('=');
    if (eq === -1) {
      if (v === key && env[key] !== undefined) out = env[key];
    } else if (v.slice(0, eq) === key) out = v.slice(eq + 1);
  }
  return out;
}

/** An `--attest` value's `key=value` fields (one CSV record, like buildx); {} when it does not parse (buildx rejects it). */
function csvAttrs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let fields: string[];
  try {
    fields = csvFields(s);
  } catch (error) {
    if (error instanceof OutputSyntaxError) return out;
    throw error;
  }
  for (const f of fields) {
    const eq = f.indexOf('=');
    if (eq !== -1) out[f.slice(0, eq).trim().toLowerCase()] = f.slice(eq + 1);
  }
  return out;
}

/** buildflags.CanonicalizeAttest: `--provenance=V` / `--sbom=V` as an `--attest` value. */
function canonicalAttest(kind: string, v: string): string {
  const b = parseBoolValue(v);
  if (b !== undefined) return b ? `type=${kind}` : `type=${kind},disabled=true`;
  return `type=${kind},${v}`;
}

export interface Attestations {
  /** Attestations asked for explicitly (not the default provenance): they make every image export an index. */
  explicit: string[];
  /** buildx adds its default `provenance mode=min,inline-only=true` (an index only on the image exporter). */
  defaultProvenance: boolean;
}

export function attestations(p: ParsedBuildArgs, env: BuildEnv): Attestations {
  const specs = [...values(p, 'attest')];
  const prov = lastValue(p, 'provenance');
  const sbom = lastValue(p, 'sbom');
  if (prov !== undefined && prov !== '') specs.push(canonicalAttest('provenance', prov));
  if (sbom !== undefined && sbom !== '') specs.push(canonicalAttest('sbom', sbom));
  return attestationsOf(specs, env);
}

/** The attestations of `--attest`-style CSV specs (a build's flags, a bake target's `attest` entries). */
export function attestationsOf(specs: readonly string[], env: BuildEnv): Attestations {
  const explicit: string[] = [];
  let provenanceMentioned = false;
  for (const s of specs) {
    const a = csvAttrs(s);
    if (a['type'] === 'provenance') provenanceMentioned = true;
    if (a['disabled'] !== undefined && parseBoolValue(a['disabled']) === true) continue;
    explicit.push(a['type'] ?? s);
  }
  const noDefault = env.BUILDX_NO_DEFAULT_ATTESTATIONS !== undefined && parseBoolValue(env.BUILDX_NO_DEFAULT_ATTESTATIONS) === true;
  return { explicit, defaultProvenance: !provenanceMentioned && !noDefault };
}

// ---------------------------------------------------------------------------------------------
// annotations

export const INDEX_TYPES = new Set(['index', 'index-descriptor']);

/**
 * The tag a pushed name ends up on: BuildKit pushes `NAME:TAG@DIGEST` to NAME:TAG (the digest is
 * ignored) and `NAME@DIGEST` to no tag at all (undefined). Names that are no reference are kept.
 */
export function pushedTag(name: string): string | undefined {
  const ref = tryReference(name);
  if (!ref || ref.digest === undefined) return name;
  if (ref.tag === undefined) return undefined;
  return formatReference({ domain: ref.domain, path: ref.path, tag: ref.tag });
}

// ---------------------------------------------------------------------------------------------
// multi-node builders

/**
 * Which node of the builder each requested platform goes to (buildx build/resolver: first a
 * strict match on the platforms the nodes were configured with, then on everything they
 * report, else node 0). Returns node indexes per platform.
 */
export function assignNodes(builder: BuilderFacts, platforms: readonly string[]): number[] {
  const pick = (plat: string, list: (n: BuilderFacts['nodes'][number]) => string[]): number =>
    plat === 'local' ? -1 : builder.nodes.findIndex((n) => list(n).some((q) => platformMatches(plat, q)));
  return platforms.map((plat) => {
    let i = pick(plat, (n) => n.configured);
    if (i === -1) i = pick(plat, (n) => n.platforms);
    return i === -1 ? 0 : i;
  });
}

/** The build spans several nodes (buildx then merges per-node results: no oci/tar, index merge on push). */
export function isMultiNodeSplit(builder: BuilderFacts, platforms: readonly string[]): boolean {
  if (builder.nodes.length < 2 || platforms.length < 2) return false;
  return new Set(assignNodes(builder, platforms)).size > 1;
}
