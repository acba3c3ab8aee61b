/**
 * The OCI image layout files: `oci-layout` and `index.json` (image-spec image-layout.md,
 * image-index.md, descriptor.md). Parsing and validation only; no I/O. Every error message names
 * the file (the caller passes the label it should use) and says what is wrong.
 */
import { parseOciDigest } from './digest.js';
import { type Descriptor, isImageManifestMediaType, isIndexMediaType, MEDIA } from './media.js';

/** imageLayoutVersion values this tool knows (image-spec v1.0.0 through v1.1.x all use 1.0.0). */
export const KNOWN_LAYOUT_VERSIONS = ['1.0.0'] as const;
export const OCI_LAYOUT_CONTENT = '{"imageLayoutVersion":"1.0.0"}';

/** Size caps for the small JSON files we read whole. */
export const MAX_INDEX_JSON_BYTES = 16 * 1024 * 1024;
export const MAX_OCI_LAYOUT_BYTES = 64 * 1024;
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/**
 * Deepest nesting of arrays/objects accepted in index.json. A real one is 4 levels deep; JSON.parse
 * copes with any depth, but serializing and comparing the result recurse, and overflow the stack
 * near 2500 levels (measured, Node 22). 512 keeps a wide margin and is still far beyond any tool's output.
 */
export const MAX_JSON_DEPTH = 512;

export interface IndexJson {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  [key: string]: unknown;
}

/** Thrown by the parsers; the layout layer turns it into an InputError (exit 2). */
export class LayoutFormatError extends Error {
  override name = 'LayoutFormatError';
}

/** Path of a blob inside the layout, relative to its root (`blobs/sha256/<hex>`). */
export function blobPath(digest: string): string {
  const d = parseOciDigest(digest);
  if (typeof d === 'string') throw new LayoutFormatError(d);
  return `blobs/${d.algorithm}/${d.encoded}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validate one descriptor; `where` is e.g. `index.json: manifests[1]`. */
export function validateDescriptor(v: unknown, where: string): Descriptor {
  if (!isPlainObject(v)) throw new LayoutFormatError(`${where} is not a JSON object`);
  if (typeof v.mediaType !== 'string' || v.mediaType === '') throw new LayoutFormatError(`${where} has no "mediaType" string`);
  if (typeof v.digest !== 'string') throw new LayoutFormatError(`${where} has no "digest" string`);
  const d = parseOciDigest(v.digest);
  if (typeof d === 'string') throw new LayoutFormatError(`${where}: ${d}`);
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) {
    throw new LayoutFormatError(`${where} has no valid "size" (a non-negative integer)`);
  }
  if (v.annotations !== undefined) {
    if (!isPlainObject(v.annotations)) throw new LayoutFormatError(`${where}: "annotations" is not an object`);
    for (const [k, val] of Object.entries(v.annotations)) {
      if (typeof val !== 'string') throw new LayoutFormatError(`${where}: annotation "${k}" is not a string`);
    }
  }
  return v as Descriptor;
}

/**
 * The offset at which JSON text first nests arrays/objects deeper than `limit`, or undefined.
 * One linear pass; string contents (and escapes in them) are skipped.
 */
export function jsonNestingOver(text: string, limit: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

/** Parse index.json text. `label` names the file in messages (e.g. `out/index.json`). */
export function parseIndexJson(text: string, label: string): IndexJson {
  const deep = jsonNestingOver(text, MAX_JSON_DEPTH);
  if (deep !== undefined) {
    throw new LayoutFormatError(
      `${label} nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep (at offset ${deep}); a real index.json is a few levels deep, so it is corrupt or hostile — refusing to read it (re-export the layout)`,
    );
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (error) {
    throw new LayoutFormatError(`${label} is not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(v)) throw new LayoutFormatError(`${label} is not a JSON object`);
  if (v.schemaVersion !== 2) throw new LayoutFormatError(`${label}: "schemaVersion" must be 2 (found ${JSON.stringify(v.schemaVersion) ?? 'nothing'})`);
  if (v.mediaType !== undefined && v.mediaType !== MEDIA.ociIndex) {
    throw new LayoutFormatError(`${label}: "mediaType" is ${JSON.stringify(v.mediaType)}; an OCI layout's index.json must be "${MEDIA.ociIndex}"`);
  }
  if (!Array.isArray(v.manifests)) throw new LayoutFormatError(`${label} has no "manifests" array`);
  v.manifests.forEach((m, i) => validateDescriptor(m, `${label}: manifests[${i}]`));
  return v as IndexJson;
}

/** Parse oci-layout text; throws on malformed JSON or an unknown imageLayoutVersion. */
export function parseOciLayout(text: string, label: string): { imageLayoutVersion: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (error) {
    throw new LayoutFormatError(`${label} is not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(v) || typeof v.imageLayoutVersion !== 'string') {
    throw new LayoutFormatError(`${label} has no "imageLayoutVersion" string`);
  }
  if (!(KNOWN_LAYOUT_VERSIONS as readonly string[]).includes(v.imageLayoutVersion)) {
    throw new LayoutFormatError(
      `${label}: unknown imageLayoutVersion "${v.imageLayoutVersion}" (known: ${KNOWN_LAYOUT_VERSIONS.join(', ')}); this layout was written by a tool this version of ocifix does not understand`,
    );
  }
  return { imageLayoutVersion: v.imageLayoutVersion };
}

/** Serialize index.json compactly, as Go's encoding/json (buildx, containerd) writes it. */
export function serializeIndexJson(index: IndexJson): string {
  return JSON.stringify(index);
}

/**
 * The descriptors a manifest or image index blob refers to (image index: its manifests; image
 * manifest: config and layers). `subject` is not followed: it may legitimately live elsewhere.
 * Returns undefined for media types that are not manifests or indexes.
 */
export function childDescriptors(mediaType: string, text: string, label: string): Descriptor[] | undefined {
  if (!isIndexMediaType(mediaType) && !isImageManifestMediaType(mediaType)) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (error) {
    throw new LayoutFormatError(`${label} is not valid JSON (${(error as Error).message}) but its descriptor says ${mediaType}`);
  }
  if (!isPlainObject(v)) throw new LayoutFormatError(`${label} is not a JSON object but its descriptor says ${mediaType}`);
  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(v.manifests)) throw new LayoutFormatError(`${label} (${mediaType}) has no "manifests" array`);
    return v.manifests.map((m, i) => validateDescriptor(m, `${label}: manifests[${i}]`));
  }
  const out: Descriptor[] = [];
  if (v.config === undefined) throw new LayoutFormatError(`${label} (${mediaType}) has no "config"`);
  out.push(validateDescriptor(v.config, `${label}: config`));
  if (!Array.isArray(v.layers)) throw new LayoutFormatError(`${label} (${mediaType}) has no "layers" array`);
  v.layers.forEach((l, i) => out.push(validateDescriptor(l, `${label}: layers[${i}]`)));
  return out;
}

/** Content identity of a descriptor: entries with equal keys describe the same content. */
export function contentKey(d: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>): string {
  return `${d.mediaType}\u0000${d.digest}\u0000${d.size}`;
}

/** Deep equality for JSON values, ignoring object key order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}
