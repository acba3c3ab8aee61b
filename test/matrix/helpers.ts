/**
 * The version matrix (`make test-matrix`): every buildx version of the stack's matrix
 * (`scripts/test-env up --matrix`), raw buildx next to `docker ocifix build`, on the same inputs.
 *
 * Each check records one cell — pitfall × buildx version → what raw buildx did, what ocifix did —
 * into build/matrix/results.jsonl; scripts/matrix-table.mjs prints the table from it. A cell is
 * recorded only after its assertions passed, so a printed cell is a proven one; a failed check
 * shows as FAILED in the table.
 */
import { appendFileSync, cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import semverLt from 'semver/functions/lt.js';
import { describeResult, REPO_ROOT, run, stack, workDir, type RunResult } from '../e2e/helpers/stack.js';

export const BINARY = join(REPO_ROOT, 'dist', 'docker-ocifix');
export const RESULTS = process.env.OCIFIX_MATRIX_RESULTS ?? join(REPO_ROOT, 'build', 'matrix', 'results.jsonl');

export interface MatrixStack {
  versions: string[];
  configDir: string;
  registry: string;
  /** unix:// of the isolated Docker Engine 29 with the containerd image store */
  ctdHost: string;
  ctdContext: string;
  ctdVersion: string;
  /** unix:// of the isolated dockerd 20.10 (classic store) */
  classicHost: string;
  buildkitOldVersion: string;
  buildkitVersion: string;
  docker29: string;
}

export function matrix(): MatrixStack {
  const s = stack();
  const e = s.env;
  if (e['OCIFIX_MATRIX'] !== '1') throw new Error('the stack was not started with the matrix: run scripts/test-env up --matrix');
  return {
    versions: (e['OCIFIX_MATRIX_VERSIONS'] ?? '').split(/\s+/).filter(Boolean),
    configDir: e['OCIFIX_MATRIX_DIR']!,
    registry: s.registry,
    ctdHost: e['OCIFIX_DOCKERD_CONTAINERD_HOST']!,
    ctdContext: e['OCIFIX_DOCKERD_CONTAINERD_CONTEXT']!,
    ctdVersion: e['OCIFIX_DOCKERD_CONTAINERD_VERSION']!,
    classicHost: s.dockerdHost,
    buildkitOldVersion: e['OCIFIX_BUILDKIT_OLD_VERSION']!,
    buildkitVersion: e['OCIFIX_BUILDKIT_VERSION']!,
    docker29: e['OCIFIX_DOCKER29']!,
  };
}

/** Versions to run: all of the matrix, or OCIFIX_MATRIX_ONLY="v0.12.1 v0.36.1". */
export function matrixVersions(): string[] {
  let all: string[];
  try {
    all = matrix().versions;
  } catch {
    // collected without a matrix stack: one placeholder so describe.each has rows; the tests then fail in beforeAll
    return ['(no matrix stack)'];
  }
  const only = (process.env.OCIFIX_MATRIX_ONLY ?? '').split(/\s+/).filter(Boolean);
  return only.length ? all.filter((v) => only.includes(v)) : all;
}

/** `0.15.1` < `0.16.0`, written with the v of the tool dirs. */
export function before(version: string, gate: string): boolean {
  return semverLt(version.replace(/^v/, ''), gate.replace(/^v/, ''));
}

const configs = new Map<string, string>();

/** A copy of the matrix DOCKER_CONFIG of `version` with dist/docker-ocifix as a CLI plugin. */
export function matrixConfig(version: string): string {
  const known = configs.get(version);
  if (known) return known;
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`make binary\` first`);
  const src = join(matrix().configDir, `config-${version}`);
  if (!existsSync(src)) throw new Error(`${src} is missing: scripts/test-env up --matrix`);
  const dir = join(workDir(`mx-cfg-${version}`), 'docker-config');
  cpSync(src, dir, { recursive: true, verbatimSymlinks: true });
  symlinkSync(BINARY, join(dir, 'cli-plugins', 'docker-ocifix'));
  configs.set(version, dir);
  return dir;
}

export interface MxOptions {
  env?: Record<string, string | undefined>;
  /** the docker CLI to run (default: `docker` on PATH, 28.2) */
  dockerBin?: string;
  /** docker global flags in front of the command, e.g. ['--context', 'dockerd-containerd'] */
  globals?: string[];
}

function env(version: string, opts: MxOptions): Record<string, string | undefined> {
  return {
    DOCKER_CONFIG: matrixConfig(version),
    DOCKER_HOST: undefined,
    DOCKER_CONTEXT: undefined,
    BUILDX_BUILDER: undefined,
    BUILDKIT_PROGRESS: 'plain',
    ...opts.env,
  };
}

/** `docker ARGS` with the matrix config of `version`. */
export function mxDocker(version: string, args: readonly string[], opts: MxOptions = {}): Promise<RunResult> {
  return run(opts.dockerBin ?? 'docker', [...(opts.globals ?? []), ...args], { env: env(version, opts) });
}

/**
 * The docker driver of Engine 29: `docker --context dockerd-containerd buildx build --builder
 * dockerd-containerd`. buildx <= 0.15 refuses a docker-driver builder of a context other than the
 * current one ("use `docker --context=dockerd-containerd buildx` to switch to context"), so the
 * context is selected with the global flag, as a user of those versions has to.
 */
export function ctdDriver(): { globals: string[]; builder: string[] } {
  const c = matrix().ctdContext;
  return { globals: ['--context', c], builder: ['--builder', c] };
}
/** `docker buildx build ARGS` (raw buildx at `version`). */
export function rawBuild(version: string, args: readonly string[], opts: MxOptions = {}): Promise<RunResult> {
  return mxDocker(version, ['buildx', 'build', ...args], opts);
}
/** `docker ocifix build ARGS` over buildx `version`. */
export function ocifixBuild(version: string, args: readonly string[], opts: MxOptions = {}): Promise<RunResult> {
  return mxDocker(version, ['ocifix', 'build', ...args], opts);
}

/**
 * The `ocifix:` notice lines of a run (one per fix that changed something), without the tag check's
 * progress line: "ocifix: checking that … point(s) at sha256:…" is printed only when the check after
 * a push takes longer than a second, which on a loaded machine depends on timing, not on the build.
 */
export function notices(r: RunResult): string[] {
  return r.stderr.split('\n').filter((l) => l.startsWith('ocifix: ') && !/^ocifix: checking that .* points? at sha256:[0-9a-f]{12}…$/.test(l));
}

/** `s` as a RegExp source that matches it literally. */
export function literal(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The ERROR line buildx printed (without the `ERROR: ` prefix), or ''. */
export function errorLine(r: RunResult): string {
  return (
    r.stderr
      .split('\n')
      .filter((l) => l.startsWith('ERROR: '))
      .pop()
      ?.slice(7)
      .trim() ?? ''
  );
}

export interface Cell {
  pitfall: string;
  version: string;
  /** what raw buildx did (short) */
  raw: string;
  /** what docker ocifix build did (short) */
  ocifix: string;
  /** whether the pitfall exists at this version (ocifix must change nothing where it does not) */
  exists: boolean;
}

function write(line: object): void {
  mkdirSync(join(RESULTS, '..'), { recursive: true });
  appendFileSync(RESULTS, `${JSON.stringify({ ...line, at: new Date().toISOString() })}\n`);
}

/** Mark a cell as started: if its check fails before record(), the table shows it as FAILED. */
export function begin(pitfall: string, version: string): void {
  write({ pitfall, version, status: 'started' });
}

/** Record a proven cell for the table (call it after the cell's assertions). */
export function record(cell: Cell): void {
  write({ ...cell, status: 'ok' });
}

export function ok(r: RunResult): void {
  if (r.exitCode !== 0) throw new Error(`expected success\n${describeResult(r)}`);
}

/**
 * The image index a containerd-store daemon holds for `tag`, read from `docker save` (an OCI
 * layout): its media type and annotations. undefined when the tag is not there.
 */
export async function storedIndex(
  host: string,
  tag: string,
): Promise<{ mediaType: string; annotations: Record<string, string>; manifests: number } | undefined> {
  const env = { DOCKER_HOST: host };
  const insp = await run('docker', ['image', 'inspect', '--format', '{{json .Descriptor}}', tag], { env: { ...env, DOCKER_CONFIG: stack().dockerConfig } });
  if (insp.exitCode !== 0) return undefined;
  const desc = JSON.parse(insp.stdout) as { mediaType: string; digest: string };
  const tar = join(workDir('mx-save'), 'image.tar');
  const save = await run('docker', ['save', '-o', tar, tag], { env: { ...env, DOCKER_CONFIG: stack().dockerConfig } });
  if (save.exitCode !== 0) throw new Error(describeResult(save));
  const blob = await run('tar', ['-xOf', tar, `blobs/sha256/${desc.digest.slice('sha256:'.length)}`]);
  if (blob.exitCode !== 0) throw new Error(describeResult(blob));
  const body = JSON.parse(blob.stdout) as { mediaType?: string; annotations?: Record<string, string>; manifests?: unknown[] };
  return { mediaType: desc.mediaType, annotations: body.annotations ?? {}, manifests: body.manifests?.length ?? 0 };
}

export const CAPTURED = join(RESULTS, '..', 'captured');

/** Keep a real output of this version under build/matrix/captured/VERSION/NAME (copied into test/fixtures/matrix by hand). */
export function capture(version: string, name: string, content: string): void {
  const dir = join(CAPTURED, version);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), content);
}
