// Shared pieces of the normalize e2e tests: the built binary, real buildx layouts, and checks
// with the real consumers (skopeo 1.9, crane, the registry).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import {
  buildx,
  type BuildxVersion,
  crane,
  describeResult,
  extractTar,
  fixture,
  getManifest,
  REPO_ROOT,
  run,
  type RunResult,
  skopeo,
  stack,
  uniqueRepo,
  workDir,
} from '../helpers/stack.js';

export const BIN = join(REPO_ROOT, 'dist', 'docker-ocifix');

export function requireBinary(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run make binary first`);
}

/** The built binary, invoked standalone (`docker-ocifix normalize …`). */
export function ocifix(args: readonly string[]): Promise<RunResult> {
  return run(BIN, args, { timeoutMs: 120_000 });
}

export interface Built {
  /** The layout as buildx wrote it (never modified by tests: copy it first). */
  path: string;
  tar: boolean;
  /** containerimage.digest from buildx's --metadata-file. */
  digest: string;
  tags: string[];
}

export interface BuildSpec {
  tags: number;
  provenance: boolean;
  tar: boolean;
  buildxVersion?: BuildxVersion;
}

/** `docker buildx build --builder single --platform linux/amd64,linux/arm64 -t a:1 … -o type=oci,…` from test/fixtures/scratch. */
export async function buildLayout(spec: BuildSpec): Promise<Built> {
  const dir = workDir(`norm-build-${spec.tags}-${spec.provenance ? 'att' : 'noatt'}-${spec.tar ? 'tar' : 'dir'}`);
  const tags = Array.from({ length: spec.tags }, (_, i) => String(i + 1));
  const dest = join(dir, spec.tar ? 'out.tar' : 'layout');
  const meta = join(dir, 'meta.json');
  const args = ['build', '--builder', 'single', '--platform', 'linux/amd64,linux/arm64', ...tags.flatMap((t) => ['-t', `a:${t}`])];
  if (!spec.provenance) args.push('--provenance=false');
  args.push('-o', `type=oci,dest=${dest}${spec.tar ? '' : ',tar=false'}`, '--metadata-file', meta, fixture('scratch'));
  const r = await buildx(args, spec.buildxVersion ? { buildxVersion: spec.buildxVersion } : {});
  expect(r.exitCode, describeResult(r)).toBe(0);
  const digest = (JSON.parse(readFileSync(meta, 'utf8')) as Record<string, string>)['containerimage.digest']!;
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  return { path: dest, tar: spec.tar, digest, tags };
}

/** A private copy of a layout (directory or tar) to run normalize on. */
export async function copyLayout(src: string, name = 'copy'): Promise<string> {
  const dst = join(workDir(`norm-${name}`), statSync(src).isDirectory() ? 'layout' : 'layout.tar');
  const r = await run('cp', ['-a', src, dst]);
  expect(r.exitCode, describeResult(r)).toBe(0);
  return dst;
}

export function transport(path: string, tar: boolean, ref?: string): string {
  return `${tar ? 'oci-archive' : 'oci'}:${path}${ref !== undefined ? `:${ref}` : ''}`;
}

/** skopeo inspect succeeds and reports the expected (index) digest. */
export async function expectSkopeoInspect(path: string, tar: boolean, digest: string, ref?: string): Promise<void> {
  const r = await skopeo(['inspect', transport(path, tar, ref)]);
  expect(r.exitCode, describeResult(r)).toBe(0);
  expect((JSON.parse(r.stdout) as { Digest: string }).Digest).toBe(digest);
}

/** skopeo copy --all to the registry; the registry then holds exactly the digest buildx built. */
export async function expectSkopeoPush(path: string, tar: boolean, digest: string, ref?: string): Promise<void> {
  const repo = uniqueRepo('norm-skopeo');
  const r = await skopeo(['copy', '--all', '--dest-tls-verify=false', transport(path, tar, ref), `docker://${stack().registry}/${repo}:v1`]);
  expect(r.exitCode, describeResult(r)).toBe(0);
  expect((await getManifest(repo, 'v1')).digest).toBe(digest);
}

/** crane push of the layout directory (a tar is extracted first: crane reads layouts as directories). */
export async function expectCranePush(path: string, tar: boolean, digest: string): Promise<void> {
  const dir = tar ? await extractTar(path) : path;
  const repo = uniqueRepo('norm-crane');
  const target = `${stack().registry}/${repo}:v1`;
  const r = await crane(['push', dir, target, '--insecure']);
  expect(r.exitCode, describeResult(r)).toBe(0);
  expect(r.stdout).toContain(digest);
  expect((await getManifest(repo, 'v1')).digest).toBe(digest);
  const d = await crane(['digest', target, '--insecure']);
  expect(d.exitCode, describeResult(d)).toBe(0);
  expect(d.stdout.trim()).toBe(digest);
}

/** Every file of a layout except index.json/oci-layout (directory: file bytes; tar: entry bytes via tar). */
export async function blobFingerprint(path: string, tar: boolean): Promise<Record<string, string>> {
  const dir = tar ? await extractTar(path) : path;
  const r = await run('sh', ['-c', 'cd "$1" && find blobs -type f -print0 | sort -z | xargs -0 sha256sum', 'sh', dir]);
  expect(r.exitCode, describeResult(r)).toBe(0);
  const out: Record<string, string> = {};
  for (const line of r.stdout.trim().split('\n')) {
    const [sum, file] = line.split(/\s+/);
    out[file!] = sum!;
  }
  return out;
}
