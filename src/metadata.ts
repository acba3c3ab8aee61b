/**
 * The docker-cli-plugin metadata. Kept free of imports: the entry answers
 * `docker-cli-plugin-metadata` before anything else is loaded, because the docker CLI runs it
 * before every `docker ocifix …`, on every `docker --help`, `docker info` and TAB completion.
 */
export const VERSION: string = __OCIFIX_VERSION__;

export const METADATA = {
  SchemaVersion: '0.1.0',
  Vendor: 'docker-ocifix',
  Version: VERSION,
  ShortDescription: 'Multi-platform buildx builds that do what you meant',
  URL: 'https://github.com/docker-ocifix/docker-ocifix',
} as const;

/** The Go plugin library prints the metadata with a 5-space indent; so do we. */
export function metadataJson(): string {
  return `${JSON.stringify(METADATA, null, '     ')}\n`;
}

export interface VersionInfo {
  name: string;
  version: string;
  node: string;
  platform: string;
}

export function versionInfo(): VersionInfo {
  return { name: 'docker-ocifix', version: VERSION, node: process.version, platform: `${process.platform}/${process.arch}` };
}

/** What `docker ocifix version` prints (the entry's fast path and VersionCommand share it). */
export function versionText(json: boolean): string {
  const info = versionInfo();
  return json ? `${JSON.stringify(info, null, 2)}\n` : `docker-ocifix v${info.version} (node ${info.node}, ${info.platform})\n`;
}
