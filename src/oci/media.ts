/**
 * Manifest and index media types, their predicates, and the descriptor shape (image-spec
 * descriptor.md, media-types.md; Docker image manifest v2 schema 1/2). Pure: no I/O.
 *
 * Docker schema 1 is a manifest (a registry may still serve one, and it is classified as such),
 * but not an image manifest: it has `fsLayers`, no `config`/`layers` to follow, and never belongs
 * in an OCI layout. So `isManifestMediaType` includes it and `isImageManifestMediaType` does not.
 */

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** An OCI image index or a Docker manifest list. */
export function isIndexMediaType(mt: string | undefined): boolean {
  return mt === MEDIA.ociIndex || mt === MEDIA.dockerList;
}

/** A schema-2 image manifest (OCI or Docker v2): a config and layers. */
export function isImageManifestMediaType(mt: string | undefined): boolean {
  return mt === MEDIA.ociManifest || mt === MEDIA.dockerManifest;
}

/** Docker image manifest v2 schema 1, signed or not (deprecated). */
export function isSchema1MediaType(mt: string | undefined): boolean {
  return mt === MEDIA.dockerSchema1 || mt === MEDIA.dockerSchema1Signed;
}

/** Any single-image manifest: schema 2 (OCI, Docker) or Docker schema 1. */
export function isManifestMediaType(mt: string | undefined): boolean {
  return isImageManifestMediaType(mt) || isSchema1MediaType(mt);
}

export function isDockerMediaType(mt: string | undefined): boolean {
  return (mt ?? '').startsWith('application/vnd.docker.');
}

/** `index`, `manifest`, or the media type itself (for listings). */
export function mediaKind(mt: string): string {
  if (isIndexMediaType(mt)) return 'index';
  if (isManifestMediaType(mt)) return 'manifest';
  return mt;
}

/** The OCI platform object as it appears in JSON. */
export interface JsonPlatform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

/** A descriptor (image-spec descriptor.md). Fields this tool does not know are carried through untouched. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  data?: string;
  platform?: JsonPlatform;
  artifactType?: string;
  [key: string]: unknown;
}
