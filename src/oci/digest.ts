/**
 * Digests (`algorithm:encoded`): the one place they are validated. Pure: no I/O.
 *
 * Two rules, for two kinds of input:
 *  - what buildx accepts from a user (a reference's `@digest`, `--digest`): github.com/opencontainers/go-digest
 *    v1.0.0 `Digest.Validate` — only sha256/sha384/sha512, exact hex length, go-digest's messages
 *    (`digestError`, `parseDigest`);
 *  - what may appear in an OCI image layout: the image-spec descriptor.md grammar, any algorithm,
 *    the registered ones (sha256, sha512) checked strictly (`parseOciDigest`).
 */
import { UsageError } from '../errors.js';

/** Hex length of each algorithm go-digest implements. */
const HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
/** Algorithms the OCI image-spec registers (descriptor.md "Registered algorithms"). */
const OCI_REGISTERED = new Set(['sha256', 'sha512']);

/** distribution/reference `DigestRegexp` (also used inside the reference grammar). */
export const DIGEST_PATTERN = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const ANCHORED_DIGEST_RE = new RegExp(`^${DIGEST_PATTERN}$`);
/** image-spec descriptor.md: `algorithm ":" encoded`. */
const OCI_DIGEST_RE = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** go-digest `Digest.Validate`: returns the error text, or undefined when valid. */
export function digestError(d: string): string | undefined {
  const i = d.indexOf(':');
  if (i <= 0 || i + 1 === d.length) return 'invalid checksum digest format';
  const alg = d.slice(0, i);
  const enc = d.slice(i + 1);
  const size = HEX_LENGTH[alg];
  if (size === undefined) return ANCHORED_DIGEST_RE.test(d) ? 'unsupported digest algorithm' : 'invalid checksum digest format';
  if (enc.length !== size) return 'invalid checksum digest length';
  return /^[a-f0-9]+$/.test(enc) ? undefined : 'invalid checksum digest format';
}

/** A `--digest` style value (`sha256:<64 hex>`), as buildx checks it. Throws UsageError (exit 125) with go-digest's text. */
export function parseDigest(d: string): string {
  const err = digestError(d);
  if (err) throw new UsageError(`invalid digest ${JSON.stringify(d)}: ${err}`);
  return d;
}

/** The algorithm and the first 12 encoded characters (`sha256:0123456789ab`), for listings and messages. */
export function shortDigest(digest: string): string {
  const i = digest.indexOf(':');
  return i >= 0 ? digest.slice(0, i + 13) : digest;
}

export interface ParsedDigest {
  algorithm: string;
  encoded: string;
}

/** A digest in an OCI layout (descriptor.md "Digests"). Returns the problem as a message instead of throwing. */
export function parseOciDigest(digest: string): ParsedDigest | string {
  const m = OCI_DIGEST_RE.exec(digest);
  if (!m) return `"${digest}" is not a digest (algorithm:encoded)`;
  const algorithm = m[1]!;
  const encoded = m[2]!;
  if (OCI_REGISTERED.has(algorithm)) {
    const size = HEX_LENGTH[algorithm]!;
    if (encoded.length !== size || !/^[a-f0-9]+$/.test(encoded)) return `"${digest}" is not a valid ${algorithm} digest (${size} lowercase hex digits)`;
  }
  return { algorithm, encoded };
}
