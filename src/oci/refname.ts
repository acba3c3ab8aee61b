/**
 * Names in an OCI image layout: the OCI `org.opencontainers.image.ref.name` grammar, and helpers
 * for the docker image names in `io.containerd.image.name` (parsed by src/registry/reference.ts,
 * the one image-reference parser). Pure functions, no I/O.
 *
 * OCI image-spec (annotations.md, "Pre-Defined Annotation Keys"):
 *   ref       ::= component ("/" component)*
 *   component ::= alphanum (separator alphanum)*
 *   alphanum  ::= [A-Za-z0-9]+
 *   separator ::= [-._:@+] | "--"
 * containers/image (skopeo) validates `oci:DIR:NAME` with exactly this grammar.
 */
import { formatReference, parseReference, ReferenceSyntaxError, type ImageRef } from '../registry/reference.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const CONTAINERD_NAME = 'io.containerd.image.name';

const COMPONENT = '[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*';
const REF_NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

/** True when `s` is a valid `org.opencontainers.image.ref.name` value. */
export function isValidRefName(s: string): boolean {
  return REF_NAME_RE.test(s);
}

/**
 * A docker image reference (`a:1`, `ghcr.io/o/a:1`, `a@sha256:…`) normalized the way docker does
 * (`a:1` → `docker.io/library/a:1`, no tag and no digest → `latest`), by the one reference parser
 * (src/registry/reference.ts). Returns the parser's message instead of throwing.
 */
function parseImageName(input: string): ImageRef | string {
  try {
    return parseReference(input);
  } catch (error) {
    if (error instanceof ReferenceSyntaxError) return error.message;
    throw error;
  }
}

/** Normalized full name, or undefined when `s` is not a docker reference. */
export function normalizeImageName(s: string): string | undefined {
  const r = parseImageName(s);
  return typeof r === 'string' ? undefined : formatReference(r);
}

/** The tag part of a full image name (`docker.io/library/a:1` → `1`), if it has one. */
export function tagOf(fullName: string): string | undefined {
  const r = parseImageName(fullName);
  return typeof r === 'string' ? undefined : r.tag;
}

/**
 * Does a ref.name value (or one part of a comma-joined one) hold a full image name rather than
 * a bare tag? Tags never contain `/`, `:` or `@`; full names from buildx always contain a `/`
 * (`docker.io/library/a:1`) and usually a `:`.
 */
export function looksLikeFullName(s: string): boolean {
  return /[/:@]/.test(s) && typeof parseImageName(s) !== 'string';
}

/** One name an image is known by in a layout: a tag (ref.name) and/or a full name. */
export interface ImageName {
  /** Value for `org.opencontainers.image.ref.name` (the tag part), if any. */
  tag?: string;
  /** Value for `io.containerd.image.name` (normalized full name), if any. */
  full?: string;
}

export function nameKey(n: ImageName): string {
  return `${n.tag ?? ''}\u0000${n.full ?? ''}`;
}

export function formatName(n: ImageName): string {
  if (n.full !== undefined) return n.full;
  if (n.tag !== undefined) return n.tag;
  return '(no name)';
}

/** A name built from one full image name: ref.name = tag part, io.containerd.image.name = the name. */
export function nameFromFull(full: string): ImageName {
  const normalized = normalizeImageName(full) ?? full;
  const tag = tagOf(normalized);
  return tag !== undefined ? { tag, full: normalized } : { full: normalized };
}

/** What the user asked for with `--ref`: a bare tag or a full image name. */
export type RefSelector = { kind: 'tag'; tag: string; raw: string } | { kind: 'full'; name: ImageName & { full: string }; raw: string };

/** Parse `--ref`. Returns an error message (for a usage error) instead of throwing. */
export function parseRefSelector(raw: string): RefSelector | string {
  if (raw.includes(',')) return `--ref "${raw}" holds a comma; give one name`;
  if (/[/:@]/.test(raw)) {
    const r = parseImageName(raw);
    if (typeof r === 'string') return `--ref "${raw}" is not a valid image name: ${r}`;
    if (r.tag === undefined) return `--ref "${raw}" has no tag; give NAME:TAG or a bare tag`;
    if (!isValidRefName(r.tag)) {
      return `--ref "${raw}": tag "${r.tag}" is not a valid OCI ref.name (letters and digits joined by single - . _ : @ + or --)`;
    }
    const full = formatReference(r);
    return { kind: 'full', name: { tag: r.tag, full }, raw };
  }
  if (!isValidRefName(raw)) {
    return `--ref "${raw}" is not a valid OCI ref.name (letters and digits joined by single - . _ : @ + or --)`;
  }
  return { kind: 'tag', tag: raw, raw };
}

/** Does an existing name match the selector? A tag matches any name with that tag. */
export function selectorMatches(sel: RefSelector, n: ImageName): boolean {
  if (sel.kind === 'tag') return n.tag === sel.tag;
  if (n.full !== undefined) return n.full === sel.name.full;
  return n.tag === sel.name.tag;
}

/**
 * The names one index.json entry carries, from its ref.name (possibly comma-joined, possibly full
 * names as written by buildx ≤ 0.19 for directories) and its io.containerd.image.name.
 */
export function namesOfAnnotations(annotations: Record<string, string> | undefined): ImageName[] {
  const refName = annotations?.[REF_NAME];
  const ctrName = annotations?.[CONTAINERD_NAME];
  const names: ImageName[] = [];
  const push = (n: ImageName): void => {
    if (!names.some((m) => nameKey(m) === nameKey(n))) names.push(n);
  };
  const parts =
    refName === undefined
      ? []
      : refName
          .split(',')
          .map((p) => p.trim())
          .filter((p) => p !== '');
  const ctr = ctrName !== undefined && ctrName !== '' ? nameFromFull(ctrName) : undefined;
  if (parts.length === 0) {
    if (ctr) push(ctr);
    return names;
  }
  let ctrUsed = ctr === undefined;
  for (const part of parts) {
    if (looksLikeFullName(part)) {
      const n = nameFromFull(part);
      if (ctr && n.full === ctr.full) ctrUsed = true;
      push(n);
    } else if (ctr && !ctrUsed && parts.length === 1 && ctr.tag === part) {
      push(ctr);
      ctrUsed = true;
    } else {
      push({ tag: part });
    }
  }
  if (ctr && !ctrUsed) push(ctr);
  return names;
}
