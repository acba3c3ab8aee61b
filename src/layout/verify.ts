/**
 * Check that the blobs a set of descriptors refers to are present with the right sizes, following
 * image indexes and manifests down to configs and layers. With `hash`, every blob is also hashed
 * (streamed) and compared with its digest.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { parseOciDigest, type ParsedDigest } from '../oci/digest.js';
import { childDescriptors, LayoutFormatError, MAX_MANIFEST_BYTES } from '../oci/layout.js';
import { type Descriptor, isImageManifestMediaType, isIndexMediaType } from '../oci/media.js';
import type { LayoutSource } from './source.js';

export interface VerifyResult {
  /** Distinct blobs checked for presence and size. */
  checked: number;
  /** Blobs whose content was hashed. */
  hashed: number;
  /** Total bytes of the checked blobs. */
  bytes: number;
  warnings: string[];
}

const HASHABLE = new Set(['sha256', 'sha512']);
const MAX_NODES = 100_000;

export async function verifyBlobs(src: LayoutSource, roots: Array<{ d: Descriptor; where: string }>, hash: boolean): Promise<VerifyResult> {
  const result: VerifyResult = { checked: 0, hashed: 0, bytes: 0, warnings: [] };
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const { d, where } = queue.shift()!;
    if (seen.has(d.digest)) continue;
    seen.add(d.digest);
    if (seen.size > MAX_NODES) throw new InputError(`${src.label} references more than ${MAX_NODES} blobs; refusing to walk it`);
    const label = src.blobLabel(d.digest);
    const size = await src.blobSize(d.digest);
    if (size === undefined) {
      if (Array.isArray(d.urls) && d.urls.length > 0) {
        result.warnings.push(`${label} is absent; it is a foreign layer fetched from ${String(d.urls[0])}`);
        continue;
      }
      throw new InputError(`${label} is missing (referenced by ${where}); the layout is incomplete — re-export it`);
    }
    if (size !== d.size) {
      throw new InputError(`${label} is ${size} bytes but ${where} says ${d.size}; the blob is truncated or corrupt — re-export the layout`);
    }
    result.checked += 1;
    result.bytes += size;
    const alg = (parseOciDigest(d.digest) as ParsedDigest).algorithm;
    let body: Buffer | undefined;
    const isJson = isIndexMediaType(d.mediaType) || isImageManifestMediaType(d.mediaType);
    if (isJson) {
      if (size > MAX_MANIFEST_BYTES)
        throw new InputError(`${label} is ${size} bytes; a ${d.mediaType} over ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB is not plausible — refusing to read it`);
      body = await src.readBlob(d.digest, size);
    }
    if (hash) {
      if (!HASHABLE.has(alg)) {
        result.warnings.push(`${label}: cannot verify digest algorithm ${alg}`);
      } else {
        const hex = body ? createHash(alg).update(body).digest('hex') : await src.hashBlob(d.digest, alg);
        if (`${alg}:${hex}` !== d.digest) {
          throw new InputError(`${label} does not match its digest (content hashes to ${alg}:${hex}); the blob is corrupt — re-export the layout`);
        }
        result.hashed += 1;
      }
    }
    if (body) {
      let children: Descriptor[] | undefined;
      try {
        children = childDescriptors(d.mediaType, body.toString('utf8'), label);
      } catch (error) {
        if (error instanceof LayoutFormatError) throw new InputError(error.message);
        throw error;
      }
      for (const c of children ?? []) queue.push({ d: c, where: label });
    }
  }
  return result;
}
