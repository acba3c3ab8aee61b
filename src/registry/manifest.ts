/**
 * The index shape, classification of registry bytes (media types and the descriptor type are in
 * src/oci/media.ts), and a byte-exact model of how buildx (Go `encoding/json`) re-serializes an
 * index, so a planned result can be hashed before it is written. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import { formatPlatform, samePlatform, type Platform } from '../buildflags/platform.js';
import { type Descriptor, isIndexMediaType, isManifestMediaType, type JsonPlatform, MEDIA } from '../oci/media.js';

export const ATTESTATION_TYPE_KEY = 'vnd.docker.reference.type';
export const ATTESTATION_DIGEST_KEY = 'vnd.docker.reference.digest';
export const ATTESTATION_TYPE = 'attestation-manifest';

export interface Index {
  schemaVersion: number;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** What a tag or digest resolved to, with the exact bytes the registry served. */
export interface Resolved {
  /** sha256 of the exact bytes. */
  digest: string;
  mediaType: string;
  size: number;
  kind: 'index' | 'manifest' | 'unknown';
  /** Parsed body (an Index when kind is 'index'). */
  body: Record<string, unknown>;
  bytes: Buffer;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** containerd's `detectMediaType` for bodies without a mediaType field. */
function detectMediaType(body: Record<string, unknown>): string {
  if (typeof body['mediaType'] === 'string' && body['mediaType']) return body['mediaType'];
  if (Array.isArray(body['manifests'])) return MEDIA.ociIndex;
  if (body['config'] !== undefined) return MEDIA.ociManifest;
  if (body['fsLayers'] !== undefined) return MEDIA.dockerSchema1;
  return '';
}

/** Classify exact registry bytes. Throws a plain Error on non-JSON. */
export function resolveBytes(bytes: Buffer): Resolved {
  const body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('manifest is not a JSON object');
  const mediaType = detectMediaType(body);
  const kind = isIndexMediaType(mediaType) ? 'index' : isManifestMediaType(mediaType) ? 'manifest' : 'unknown';
  return { digest: sha256(bytes), mediaType, size: bytes.length, kind, body, bytes };
}

export function asIndex(r: Resolved): Index {
  return r.body as unknown as Index;
}

/** Same keys and values, in any order (annotation maps; undefined = empty). */
export function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = Object.entries(a ?? {});
  const y = b ?? {};
  return x.length === Object.keys(y).length && x.every(([k, v]) => Object.hasOwn(y, k) && y[k] === v);
}

/** The child digests of an index, in order (`a,b,…`): what "the same manifests" means. */
export function childDigests(index: Index): string {
  return (index.manifests ?? []).map((d) => d.digest).join(',');
}

export function isAttestation(d: Descriptor): boolean {
  if (d.annotations?.[ATTESTATION_TYPE_KEY] === ATTESTATION_TYPE) return true;
  return d.platform?.os === 'unknown' && d.platform?.architecture === 'unknown';
}

export function toPlatform(p: JsonPlatform | undefined): Platform | undefined {
  if (!p) return undefined;
  const out: Platform = { os: p.os ?? '', architecture: p.architecture ?? '' };
  if (p.variant) out.variant = p.variant;
  if (p['os.version']) out.osVersion = p['os.version'];
  if (p['os.features']) out.osFeatures = p['os.features'];
  return out;
}

/** `platforms.Format` of a descriptor's platform (`unknown` without one). */
export function descriptorPlatform(d: Descriptor): string {
  return formatPlatform(toPlatform(d.platform));
}

/** Does a descriptor's platform match a requested one (containerd matcher: normalized os/arch/variant)? */
export function matchesPlatform(d: Descriptor, p: Platform): boolean {
  const dp = toPlatform(d.platform);
  return dp !== undefined && samePlatform(dp, p);
}

// ---------------------------------------------------------------- Go encoding/json model

/** Go's json string encoding (HTML-safe: <, >, & escaped; U+2028/2029 escaped). */
export function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff)
      out += '\ufffd'; // lone surrogate: invalid UTF-8 in Go
    else out += ch;
  }
  return `${out}"`;
}

type GoValue = string | number | boolean | null | GoValue[] | GoStruct | GoMap;
/** Ordered fields (struct); undefined values are omitted (omitempty already applied). */
class GoStruct {
  constructor(readonly fields: Array<[string, GoValue | undefined]>) {}
}
/** A Go map: keys sorted bytewise. */
class GoMap {
  constructor(readonly entries: Record<string, GoValue>) {}
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function encode(v: GoValue, indent: string): string {
  const inner = `${indent}  `;
  if (v === null) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + encode(x, inner)).join(',\n')}\n${indent}]`;
  }
  const pairs: Array<[string, GoValue]> =
    v instanceof GoMap
      ? Object.keys(v.entries)
          .sort(byteCompare)
          .map((k) => [k, v.entries[k]!])
      : (v.fields.filter(([, x]) => x !== undefined) as Array<[string, GoValue]>);
  if (pairs.length === 0) return '{}';
  return `{\n${pairs.map(([k, x]) => `${inner}${goJsonString(k)}: ${encode(x, inner)}`).join(',\n')}\n${indent}}`;
}

function nonEmptyMap(m: Record<string, string> | undefined): GoMap | undefined {
  return m && Object.keys(m).length > 0 ? new GoMap(m) : undefined;
}
function nonEmpty<T>(a: T[] | undefined): T[] | undefined {
  return a && a.length > 0 ? a : undefined;
}

function platformStruct(p: JsonPlatform | undefined): GoStruct | undefined {
  if (!p) return undefined;
  return new GoStruct([
    ['architecture', p.architecture ?? ''],
    ['os', p.os ?? ''],
    ['os.version', p['os.version'] || undefined],
    ['os.features', nonEmpty(p['os.features'])],
    ['variant', p.variant || undefined],
  ]);
}

function descriptorStruct(d: Descriptor): GoStruct {
  return new GoStruct([
    ['mediaType', d.mediaType ?? ''],
    ['digest', d.digest ?? ''],
    ['size', d.size ?? 0],
    ['urls', nonEmpty(d.urls)],
    ['annotations', nonEmptyMap(d.annotations)],
    ['data', d.data || undefined],
    ['platform', platformStruct(d.platform)],
    ['artifactType', d.artifactType || undefined],
  ]);
}

/**
 * A descriptor as Go's `ocispecs.Descriptor` keeps it after `json.Unmarshal` (unknown fields
 * dropped, empty optional fields dropped). Used to predict what buildx re-emits.
 */
export function normalizeDescriptor(d: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: d.mediaType ?? '', digest: d.digest ?? '', size: d.size ?? 0 };
  if (d.urls && d.urls.length > 0) out.urls = [...d.urls];
  if (d.annotations && Object.keys(d.annotations).length > 0) out.annotations = { ...d.annotations };
  if (d.data) out.data = d.data;
  if (d.platform) {
    const p: JsonPlatform = { architecture: d.platform.architecture ?? '', os: d.platform.os ?? '' };
    if (d.platform['os.version']) p['os.version'] = d.platform['os.version'];
    if (d.platform['os.features'] && d.platform['os.features'].length > 0) p['os.features'] = [...d.platform['os.features']];
    if (d.platform.variant) p.variant = d.platform.variant;
    out.platform = p;
  }
  if (d.artifactType) out.artifactType = d.artifactType;
  return out;
}

/** `json.MarshalIndent(ocispecs.Index{…}, "", "  ")` — the bytes `imagetools create` pushes. */
export function marshalIndexLikeGo(index: Index): string {
  return encode(
    new GoStruct([
      ['schemaVersion', index.schemaVersion],
      ['mediaType', index.mediaType || undefined],
      ['artifactType', index.artifactType || undefined],
      ['manifests', index.manifests.map(descriptorStruct)],
      ['subject', index.subject ? descriptorStruct(index.subject) : undefined],
      ['annotations', nonEmptyMap(index.annotations)],
    ]),
    '',
  );
}

/** `json.Marshal` of a descriptor (compact), the form `imagetools create` accepts as a source argument. */
export function marshalDescriptorCompact(d: Descriptor): string {
  return JSON.stringify(normalizeDescriptor(d));
}

// ------------------------------------------------- what the model is proven for (goldens)

/** Annotation keys the golden captures cover: what OCI and buildx use (reverse-domain names). */
const PLAIN_KEY = /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function plainString(s: unknown): boolean {
  // no NUL (argv cannot carry it) and no lone surrogate (Go would write U+FFFD, JSON.parse keeps it)
  return typeof s === 'string' && !s.includes('\0') && !LONE_SURROGATE.test(s);
}

function plainAnnotations(m: unknown): boolean {
  if (m === undefined) return true;
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return false;
  return Object.entries(m).every(([k, v]) => PLAIN_KEY.test(k) && plainString(v));
}

function plainPlatform(p: unknown): boolean {
  if (p === undefined) return true;
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return false;
  const q = p as Record<string, unknown>;
  for (const k of ['architecture', 'os', 'variant', 'os.version'] as const) if (q[k] !== undefined && !plainString(q[k])) return false;
  const f = q['os.features'];
  return f === undefined || (Array.isArray(f) && f.every(plainString));
}

/**
 * Does the Go encoding model (marshalIndexLikeGo over normalizeDescriptor) predict, byte for byte,
 * what `imagetools create` writes for an index built from these entries and annotations? True for
 * the shapes the golden captures of real `imagetools create --dry-run` output prove
 * (test/unit/registry/imagetools-golden.test.ts, test/fixtures/imagetools-dry-run/): string fields,
 * integer sizes, reverse-domain annotation keys, any well-formed value. Anything else (inline
 * `data`, odd sizes or keys) falls back to buildx's own dry run before the write.
 */
export function modelCovers(descriptors: readonly Descriptor[], indexAnnotations: Record<string, string> | undefined): boolean {
  if (!plainAnnotations(indexAnnotations)) return false;
  return descriptors.every((d) => {
    const r = d as unknown as Record<string, unknown>;
    if (r['data'] !== undefined) return false;
    if (!plainString(r['mediaType']) || !plainString(r['digest'])) return false;
    if (typeof r['size'] !== 'number' || !Number.isSafeInteger(r['size']) || r['size'] < 0) return false;
    if (r['urls'] !== undefined && !(Array.isArray(r['urls']) && r['urls'].every(plainString))) return false;
    if (r['artifactType'] !== undefined && !plainString(r['artifactType'])) return false;
    return plainAnnotations(r['annotations']) && plainPlatform(r['platform']);
  });
}
