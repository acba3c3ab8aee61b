import { describe, expect, it } from 'vitest';
import { isImageManifestMediaType, isIndexMediaType, isManifestMediaType, isSchema1MediaType, MEDIA, mediaKind } from '../../../src/oci/media.js';
import { resolveBytes } from '../../../src/registry/manifest.js';

describe('media types: one set of predicates', () => {
  it('indexes', () => {
    expect([MEDIA.ociIndex, MEDIA.dockerList].every(isIndexMediaType)).toBe(true);
    expect(isIndexMediaType(MEDIA.ociManifest)).toBe(false);
    expect(isIndexMediaType(undefined)).toBe(false);
  });
  it('schema 1 is a manifest but not an image manifest (nothing to follow, never in a layout)', () => {
    for (const mt of [MEDIA.dockerSchema1, MEDIA.dockerSchema1Signed]) {
      expect(isSchema1MediaType(mt)).toBe(true);
      expect(isManifestMediaType(mt)).toBe(true);
      expect(isImageManifestMediaType(mt)).toBe(false);
    }
    for (const mt of [MEDIA.ociManifest, MEDIA.dockerManifest]) {
      expect(isImageManifestMediaType(mt)).toBe(true);
      expect(isManifestMediaType(mt)).toBe(true);
      expect(isSchema1MediaType(mt)).toBe(false);
    }
  });
  it('mediaKind', () => {
    expect(mediaKind(MEDIA.dockerList)).toBe('index');
    expect(mediaKind(MEDIA.ociManifest)).toBe('manifest');
    expect(mediaKind(MEDIA.dockerSchema1Signed)).toBe('manifest');
    expect(mediaKind('application/vnd.in-toto+json')).toBe('application/vnd.in-toto+json');
  });
  it('registry bytes: a schema 1 body is classified as a manifest', () => {
    expect(resolveBytes(Buffer.from(JSON.stringify({ schemaVersion: 1, fsLayers: [] }))).kind).toBe('manifest');
    expect(resolveBytes(Buffer.from(JSON.stringify({ schemaVersion: 1, mediaType: MEDIA.dockerSchema1Signed }))).kind).toBe('manifest');
  });
});
