/**
 * The `--annotation` grammar of `docker buildx build` / `imagetools create` as a pure module.
 *
 * Current grammar (buildx v0.16+, `util/buildflags/export.go` `ParseAnnotations`):
 *
 *     [TYPE[PLATFORM]{,TYPE[PLATFORM]}:]KEY=VALUE
 *     TYPE     := index | manifest | index-descriptor | manifest-descriptor
 *     PLATFORM := "[" os/arch[/variant] "]"
 *
 * Split at the first `=` (the value may hold `=`, `,`, `:`), then the left side at the first `:`.
 * `index,manifest:k=v` yields one annotation per type.
 *
 * Legacy grammar (buildx v0.12–v0.15): one optional `TYPE[PLATFORM]:` prefix, key must match `\S+`;
 * `index,manifest:k=v` is NOT split there: the whole left side becomes a manifest key. Use
 * {@link toLegacyFlags} to rewrite current-grammar flags into one flag per type for those versions.
 *
 * API (everything else here is an implementation detail):
 *   parseAnnotation(flag)          one flag value → Annotation[] (throws AnnotationSyntaxError)
 *   parseAnnotations(flags)        many flags → Annotation[] (empty flags skipped, last value per key wins)
 *   formatAnnotation(a)            Annotation → canonical flag value; parseAnnotation(format(a)) round-trips
 *   parseLegacyAnnotation(flag)    buildx v0.12–v0.15 parser (exact v0.15 errors): the model
 *                                  that shows toLegacyFlags' output means the same to old buildx
 *   toLegacyFlags(flags)           current-grammar flags → equivalent flags for buildx < 0.16
 *   annotationId(a)                identity of (type, platform, key), for de-duplication
 *
 * Errors are AnnotationSyntaxError (a UsageError, exit 125) whose message is buildx's exact text
 * WITHOUT buildx's wrapper; `docker buildx build` prefixes `parse annotations: `, `imagetools create`
 * prefixes `failed to parse annotations: ` ({@link IMAGETOOLS_WRAPPER}, which ocifix's registry
 * commands print).
 */
import { UsageError } from '../errors.js';
import { formatPlatform, goQuote, parsePlatform, PlatformSyntaxError, type Platform } from './platform.js';

export type { Platform } from './platform.js';
export { formatPlatform, parsePlatform, PlatformSyntaxError } from './platform.js';

const ANNOTATION_TYPES = ['index', 'manifest', 'index-descriptor', 'manifest-descriptor'] as const;
export type AnnotationType = (typeof ANNOTATION_TYPES)[number];

/** `imagetools create`'s wrapper around the parser's message. */
export const IMAGETOOLS_WRAPPER = 'failed to parse annotations: ';

export interface Annotation {
  /** '' = no type given (buildkit treats it as `manifest`; `imagetools create` refuses it). */
  type: AnnotationType | '';
  /** Parsed and normalized (containerd `platforms.Parse`); absent = every platform. */
  platform?: Platform;
  /** The platform exactly as typed between the brackets; kept so rewrites change nothing. */
  platformSpec?: string;
  key: string;
  value: string;
}

/** Malformed `--annotation`: message is buildx's text; exit 125. */
export class AnnotationSyntaxError extends UsageError {
  override name = 'AnnotationSyntaxError';
}

const TYPE_RE = /^([a-z-]+)(?:\[([A-Za-z0-9_/-]+)\])?$/;
const LEGACY_RE = /^(?:([a-z-]+)(?:\[([A-Za-z0-9_/-]+)\])?:)?(\S+)$/;

function isType(t: string): t is AnnotationType {
  return (ANNOTATION_TYPES as readonly string[]).includes(t);
}

function platformOf(spec: string | undefined): Pick<Annotation, 'platform' | 'platformSpec'> {
  if (!spec) return {};
  try {
    return { platform: parsePlatform(spec), platformSpec: spec };
  } catch (e) {
    if (e instanceof PlatformSyntaxError) throw new AnnotationSyntaxError(`invalid platform ${goQuote(spec)}: ${e.message}`);
    throw e;
  }
}

/** One `--annotation` value, current (v0.16+) grammar. An empty string yields []. */
export function parseAnnotation(input: string): Annotation[] {
  if (input === '') return [];
  const eq = input.indexOf('=');
  if (eq === -1) throw new AnnotationSyntaxError(`invalid annotation ${goQuote(input)}, expected key=value`);
  const left = input.slice(0, eq);
  const value = input.slice(eq + 1);
  const colon = left.indexOf(':');
  if (colon === -1) return [{ type: '', key: left, value }];
  const types = left.slice(0, colon);
  const key = left.slice(colon + 1);
  const out: Annotation[] = [];
  for (const typeAndPlatform of types.split(',')) {
    const m = TYPE_RE.exec(typeAndPlatform);
    if (!m) {
      throw new AnnotationSyntaxError(`invalid annotation type ${goQuote(typeAndPlatform)}, expected type and optional platform in square brackets`);
    }
    const typ = m[1]!;
    if (!isType(typ)) throw new AnnotationSyntaxError(`unknown annotation type ${goQuote(typ)}`);
    out.push({ type: typ, ...platformOf(m[2]), key, value });
  }
  return out;
}

/** Identity of an annotation target: same id = the later one overwrites (buildx's map key). */
export function annotationId(a: Pick<Annotation, 'type' | 'platform' | 'key'>): string {
  return `${a.type}\u0000${a.platform ? formatPlatform(a.platform) : ''}\u0000${a.key}`;
}

/**
 * Several `--annotation` values (current grammar): empty values skipped, one entry per
 * (type, platform, key) in first-seen order, the last value winning — buildx keeps a map.
 */
export function parseAnnotations(inputs: readonly string[]): Annotation[] {
  const byId = new Map<string, Annotation>();
  for (const input of inputs) {
    for (const a of parseAnnotation(input)) {
      const id = annotationId(a);
      const prev = byId.get(id);
      if (prev) prev.value = a.value;
      else byId.set(id, a);
    }
  }
  return [...byId.values()];
}

/** The `TYPE[PLATFORM]` prefix (without `:`), '' when there is no type. */
export function formatScope(a: Pick<Annotation, 'type' | 'platform' | 'platformSpec'>): string {
  if (a.type === '') return '';
  const plat = a.platformSpec ?? (a.platform ? formatPlatform(a.platform) : undefined);
  return plat ? `${a.type}[${plat}]` : a.type;
}

/**
 * Canonical flag value: `KEY=VALUE` or `TYPE[PLATFORM]:KEY=VALUE`. Throws (plain Error, a
 * programming mistake) when the annotation cannot be written in the grammar: a key with `=`,
 * a platform on a typeless annotation, or a typeless key containing `:`.
 */
export function formatAnnotation(a: Annotation): string {
  if (a.key.includes('=')) throw new Error(`annotation key ${goQuote(a.key)} contains "=" and cannot be written as a flag`);
  if (a.type === '') {
    if (a.platform) throw new Error('a typeless annotation cannot carry a platform; use type "manifest"');
    if (a.key.includes(':')) throw new Error(`typeless annotation key ${goQuote(a.key)} contains ":"; give it a type (e.g. "manifest:")`);
    return `${a.key}=${a.value}`;
  }
  return `${formatScope(a)}:${a.key}=${a.value}`;
}

/** One `--annotation` value as buildx v0.12–v0.15 parsed it (their exact error strings). */
export function parseLegacyAnnotation(input: string): Annotation {
  const eq = input.indexOf('=');
  if (eq === -1) throw new AnnotationSyntaxError(`invalid annotation ${goQuote(input)}, expected key=value`);
  const left = input.slice(0, eq);
  const value = input.slice(eq + 1);
  const m = LEGACY_RE.exec(left);
  if (!m) throw new AnnotationSyntaxError(`invalid annotation format, expected <type>:<key>=<value>, got ${goQuote(input)}`);
  const typ = m[1] ?? '';
  if (typ !== '' && !isType(typ)) throw new AnnotationSyntaxError(`unknown annotation type ${goQuote(typ)}`);
  return { type: typ as AnnotationType | '', ...platformOf(m[2]), key: m[3]!, value };
}

/**
 * Rewrite current-grammar flags for buildx < 0.16: `index,manifest:k=v` becomes
 * `index:k=v` + `manifest:k=v`, duplicates collapse (last value wins). Flags are validated with
 * the current grammar (so users get today's messages); an annotation the old parser would read
 * differently (whitespace in the key) is refused with an AnnotationSyntaxError.
 */
export function toLegacyFlags(inputs: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of parseAnnotations(inputs)) {
    if (!/^\S+$/.test(a.key)) {
      throw new AnnotationSyntaxError(`annotation key ${goQuote(a.key)} contains whitespace, which buildx before v0.16 cannot parse`);
    }
    out.push(formatAnnotation(a));
  }
  return out;
}
