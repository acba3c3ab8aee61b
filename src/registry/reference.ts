/**
 * Image references, parsed like buildx's `imagetools.ParseLocation` for registry references:
 * `reference.ParseNormalizedNamed` (github.com/distribution/reference v0.6.0) + `TagNameOnly`
 * (`:latest` when neither tag nor digest is given). Digests are validated like
 * github.com/opencontainers/go-digest v1.0.0 (src/oci/digest.ts). Pure: no I/O. Error messages are the Go ones.
 */
import { UsageError } from '../errors.js';
import { DIGEST_PATTERN, digestError } from '../oci/digest.js';

/** A malformed reference or digest; message is what buildx prints after `ERROR: `. */
export class ReferenceSyntaxError extends UsageError {
  override name = 'ReferenceSyntaxError';
}

export interface ImageRef {
  /** Registry host[:port], e.g. `docker.io`, `127.0.0.1:5000`. */
  domain: string;
  /** Repository path inside the registry, e.g. `library/alpine`. */
  path: string;
  tag?: string;
  digest?: string;
}

const NAME_TOTAL_LENGTH_MAX = 255;
const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tagPat = '[\\w][\\w.-]{0,127}';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

const REFERENCE_RE = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${DIGEST_PATTERN}))?$`);
const ANCHORED_NAME_RE = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const ANCHORED_IDENTIFIER_RE = /^[a-f0-9]{64}$/;

function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  if (slash === -1) return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name];
  const maybeDomain = name.slice(0, slash);
  const maybeRemote = name.slice(slash + 1);
  let domain: string;
  let remote: string;
  if (maybeDomain === 'localhost') [domain, remote] = [maybeDomain, maybeRemote];
  else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) [domain, remote] = [DEFAULT_DOMAIN, maybeRemote];
  else if (/[.:]/.test(maybeDomain)) [domain, remote] = [maybeDomain, maybeRemote];
  else if (maybeDomain.toLowerCase() !== maybeDomain) [domain, remote] = [maybeDomain, maybeRemote];
  else [domain, remote] = [DEFAULT_DOMAIN, name];
  if (domain === DEFAULT_DOMAIN && !remote.includes('/')) remote = OFFICIAL_REPO_PREFIX + remote;
  return [domain, remote];
}

/** distribution/reference `Parse` on an already-normalized string. */
function parseFull(s: string): ImageRef {
  const m = REFERENCE_RE.exec(s);
  if (!m) {
    if (s === '') throw new ReferenceSyntaxError('repository name must have at least one component');
    if (REFERENCE_RE.test(s.toLowerCase())) throw new ReferenceSyntaxError('repository name must be lowercase');
    throw new ReferenceSyntaxError('invalid reference format');
  }
  const nm = ANCHORED_NAME_RE.exec(m[1]!);
  const domain = nm?.[1] ?? '';
  const path = nm ? nm[2]! : m[1]!;
  if (path.length > NAME_TOTAL_LENGTH_MAX) throw new ReferenceSyntaxError(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  const ref: ImageRef = { domain, path };
  if (m[2]) ref.tag = m[2];
  if (m[3]) {
    const err = digestError(m[3]);
    if (err) throw new ReferenceSyntaxError(err);
    ref.digest = m[3];
  }
  return ref;
}

/**
 * Parse a user-typed reference like buildx does (`ubuntu` → `docker.io/library/ubuntu:latest`).
 * `latest` is added only when neither tag nor digest is present. Throws ReferenceSyntaxError (exit
 * 125) with the distribution/reference message.
 */
export function parseReference(s: string): ImageRef {
  if (ANCHORED_IDENTIFIER_RE.test(s)) throw new ReferenceSyntaxError(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  const [domain, remainder] = splitDockerDomain(s);
  const colon = remainder.indexOf(':');
  const remote = colon > -1 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote) throw new ReferenceSyntaxError(`invalid reference format: repository name (${remote}) must be lowercase`);
  const ref = parseFull(`${domain}/${remainder}`);
  if (ref.tag === undefined && ref.digest === undefined) ref.tag = 'latest';
  return ref;
}

/** `domain/path` */
export function repoName(r: Pick<ImageRef, 'domain' | 'path'>): string {
  return r.domain ? `${r.domain}/${r.path}` : r.path;
}

/** `domain/path[:tag][@digest]` (what buildx prints as the reference). */
export function formatReference(r: ImageRef): string {
  return `${repoName(r)}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** The same repository at a digest (tag dropped). */
export function atDigest(r: ImageRef, digest: string): ImageRef {
  return { domain: r.domain, path: r.path, digest };
}

/** The tag-only form (what a write goes to). */
export function tagOnly(r: ImageRef): ImageRef {
  return { domain: r.domain, path: r.path, tag: r.tag ?? 'latest' };
}

export function sameRepo(a: ImageRef, b: ImageRef): boolean {
  return a.domain === b.domain && a.path === b.path;
}
