// Access to the real build stack started by `scripts/test-env up` (registry, two buildkitd,
// isolated dockerd, buildx v0.36.1 + v0.15.1 configs, skopeo, crane).
//
// Values come from $OCIFIX_TEST_STATE/env.json (default /tmp/ocifix-test-stack/env.json), written
// by `scripts/test-env up`. If it is missing, requireStack()/stack() throw, so e2e tests FAIL with
// a clear message instead of being skipped.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const STATE_DIR = process.env.OCIFIX_TEST_STATE ?? '/tmp/ocifix-test-stack';
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const FIXTURES_DIR = join(REPO_ROOT, 'test', 'fixtures');

export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;
/** distribution 2.8 answers 404 when Accept lacks the stored type: always send all four. */
export const ACCEPT_ALL = [MT.ociIndex, MT.dockerList, MT.ociManifest, MT.dockerManifest].join(', ');

export interface Stack {
  /** State dir of the stack (removed by `scripts/test-env down`). */
  state: string;
  /** host:port of the local registry, e.g. 127.0.0.1:5000 (plain HTTP). */
  registry: string;
  /** DOCKER_CONFIG whose docker-buildx plugin is buildx v0.36.1. */
  dockerConfig: string;
  /** DOCKER_CONFIG whose docker-buildx plugin is buildx v0.15.1 (same builders). */
  dockerConfigV015: string;
  /** Docker context (also a docker-driver buildx builder) for the isolated dockerd; current context in both configs. */
  dockerContext: string;
  /** unix:// address of the isolated dockerd (20.10, classic image store). */
  dockerdHost: string;
  buildkitA: string;
  buildkitB: string;
  buildx: string;
  buildxV015: string;
  buildkitd: string;
  buildctl: string;
  crane: string;
  /** Dir holding Debian's static `busybox`; use as `--build-context busybox=<dir>` with test/fixtures/runnable. */
  busyboxDir: string;
  /** Dir with crane/buildctl/buildx symlinks (prepended to PATH by `scripts/test-env env`). */
  binDir: string;
  /** The raw env.json object. */
  env: Record<string, string>;
}

const NOT_UP = `the e2e test stack is not up: run scripts/test-env up (state dir ${STATE_DIR})`;

let cached: Stack | undefined;

/** env.json's value of K; a clear error when the stack was started by an older test-env. */
function needEnv(env: Record<string, string>, k: string, file: string): string {
  const v = env[k];
  if (!v) throw new Error(`${file} lacks ${k}; re-run scripts/test-env up`);
  return v;
}

/** Synchronously load env.json; throws a clear error when the stack was never started. */
export function stack(): Stack {
  if (cached) return cached;
  const file = join(STATE_DIR, 'env.json');
  if (!existsSync(file)) throw new Error(`${NOT_UP}: ${file} is missing`);
  const env = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  const need = (k: string): string => needEnv(env, k, file);
  cached = {
    state: need('OCIFIX_TEST_STATE'),
    registry: need('REGISTRY'),
    dockerConfig: need('DOCKER_CONFIG'),
    dockerConfigV015: need('OCIFIX_DOCKER_CONFIG_V015'),
    dockerContext: need('OCIFIX_DOCKER_CONTEXT'),
    dockerdHost: need('OCIFIX_DOCKERD_HOST'),
    buildkitA: need('OCIFIX_BUILDKIT_A'),
    buildkitB: need('OCIFIX_BUILDKIT_B'),
    buildx: need('OCIFIX_BUILDX'),
    buildxV015: need('OCIFIX_BUILDX_V015'),
    buildkitd: need('OCIFIX_BUILDKITD'),
    buildctl: need('OCIFIX_BUILDCTL'),
    crane: need('OCIFIX_CRANE'),
    busyboxDir: need('OCIFIX_BUSYBOX_DIR'),
    binDir: need('OCIFIX_BIN_DIR'),
    env,
  };
  return cached;
}

/** stack() plus a liveness check of the registry, dockerd socket and buildkitd sockets. Use in beforeAll. */
export async function requireStack(): Promise<Stack> {
  const s = stack();
  try {
    const r = await fetch(`http://${s.registry}/v2/`, { signal: AbortSignal.timeout(5000) });
    if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
  } catch (e) {
    throw new Error(`${NOT_UP}: registry ${s.registry} does not answer (${(e as Error).message})`, { cause: e });
  }
  for (const sock of [s.dockerdHost, s.buildkitA, s.buildkitB]) {
    const p = sock.replace(/^unix:\/\//, '');
    if (!existsSync(p) || !statSync(p).isSocket()) throw new Error(`${NOT_UP}: socket ${p} is missing`);
  }
  return s;
}

// ------------------------------------------------------------------ processes

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** argv for messages */
  command: string;
}
export interface RunOptions {
  /** Extra environment (merged over process.env; a value of undefined removes the variable). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/** Run a program with an argv array (never a shell string). Never throws on a non-zero exit. */
export async function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await execa(file, [...args], {
    reject: false,
    env: opts.env,
    extendEnv: true,
    cwd: opts.cwd,
    input: opts.input,
    timeout: opts.timeoutMs ?? 240_000,
    stripFinalNewline: false,
  });
  const out = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    exitCode: typeof r.exitCode === 'number' ? r.exitCode : -1,
    stdout: out(r.stdout),
    stderr: out(r.stderr) + (r.failed && r.exitCode === undefined ? `\n[run] ${r.message}` : ''),
    command: [file, ...args].join(' '),
  };
}

/** Describe a result for assertion messages. */
export function describeResult(r: RunResult): string {
  return `$ ${r.command}\nexit ${r.exitCode}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

export type BuildxVersion = 'v0.36.1' | 'v0.15.1';

export interface DockerOptions extends RunOptions {
  /** Which buildx plugin `docker buildx` resolves to (selects the DOCKER_CONFIG). Default v0.36.1. */
  buildxVersion?: BuildxVersion;
}

/** Environment for `docker` against the stack: its DOCKER_CONFIG, no inherited DOCKER_HOST/context/builder. */
export function dockerEnv(opts: DockerOptions = {}): Record<string, string | undefined> {
  const s = stack();
  return {
    DOCKER_CONFIG: opts.buildxVersion === 'v0.15.1' ? s.dockerConfigV015 : s.dockerConfig,
    DOCKER_HOST: undefined,
    DOCKER_CONTEXT: undefined,
    BUILDX_BUILDER: undefined,
    BUILDKIT_PROGRESS: 'plain',
    ...opts.env,
  };
}

/** `docker ARGS` (the first docker on PATH, i.e. the 28.x CLI) with the stack's DOCKER_CONFIG. */
export function docker(args: readonly string[], opts: DockerOptions = {}): Promise<RunResult> {
  return run('docker', args, { ...opts, env: dockerEnv(opts) });
}

/** `docker buildx ARGS` with buildx v0.36.1 (default) or v0.15.1. */
export function buildx(args: readonly string[], opts: DockerOptions = {}): Promise<RunResult> {
  return docker(['buildx', ...args], opts);
}

export function skopeo(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run('skopeo', args, opts);
}

/** crane v0.21.9; pass --insecure yourself for registry operations (plain-HTTP registry). */
export function crane(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(stack().crane, args, opts);
}

// ------------------------------------------------------------------ names, dirs

/** A registry-valid repository name unique to this test run, e.g. `ocifix-e2e/repro1-lx3k9a-1f2e`. */
export function uniqueRepo(prefix = 'test'): string {
  const p =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'test';
  return `ocifix-e2e/${p}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * The registry the registry e2e files run against: the plain-HTTP one, or with
 * OCIFIX_E2E_REGISTRY=secure (the `e2e-secure` vitest project) the stack's TLS + htpasswd one —
 * then every child trusts its CA through SSL_CERT_FILE and finds the login through DOCKER_CONFIG
 * (REGISTRY_AUTH_FILE for skopeo), and the HTTP helpers below log in.
 */
export const SECURE_E2E = process.env['OCIFIX_E2E_REGISTRY'] === 'secure';

export interface SecureRegistry {
  /** host:port (a loopback host name, never 127.0.0.1: see scripts/test-env) */
  addr: string;
  /** the test CA alone, and the system roots + it (for SSL_CERT_FILE) */
  ca: string;
  bundle: string;
  user: string;
  password: string;
  /** the registry's server certificate and key (the TLS fault proxy serves with them) */
  cert: string;
  key: string;
  /** host:port kept for the TLS fault proxy (buildkitd trusts the CA for it; the configs hold its login) */
  faultProxy: string;
}
let secureCached: SecureRegistry | undefined;

/** The stack's TLS + htpasswd registry (read once from env.json and its password file). */
export function secureRegistry(): SecureRegistry {
  if (secureCached) return secureCached;
  const need = (k: string): string => needEnv(stack().env, k, 'the env.json of the stack (no secure registry)');
  secureCached = {
    addr: need('OCIFIX_SECURE_REGISTRY'),
    ca: need('OCIFIX_SECURE_REGISTRY_CA'),
    bundle: need('OCIFIX_SECURE_REGISTRY_CA_BUNDLE'),
    user: need('OCIFIX_SECURE_REGISTRY_USER'),
    password: readFileSync(need('OCIFIX_SECURE_REGISTRY_PASSWORD_FILE'), 'utf8').trim(),
    cert: need('OCIFIX_SECURE_REGISTRY_CERT'),
    key: need('OCIFIX_SECURE_REGISTRY_KEY'),
    faultProxy: need('OCIFIX_SECURE_FAULT_PROXY'),
  };
  return secureCached;
}

let secureEnvSet = false;
/** host:port of the registry the e2e registry files use (see SECURE_E2E). */
export function e2eRegistry(): string {
  if (!SECURE_E2E) return stack().registry;
  const sec = secureRegistry();
  if (!secureEnvSet) {
    // every child (ocifix, buildx, crane, skopeo) trusts the CA and finds the stack's login
    process.env['SSL_CERT_FILE'] = sec.bundle;
    process.env['DOCKER_CONFIG'] = stack().dockerConfig;
    process.env['REGISTRY_AUTH_FILE'] = join(stack().dockerConfig, 'config.json');
    secureEnvSet = true;
  }
  return sec.addr;
}

/** One HTTP(S) request to the e2e registry (Basic auth and the CA on the secure one). */
async function registryRequest(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const addr = e2eRegistry();
  if (!SECURE_E2E) {
    const r = await fetch(`http://${addr}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    return { status: r.status, headers: Object.fromEntries(r.headers), body: Buffer.from(await r.arrayBuffer()) };
  }
  const sec = secureRegistry();
  const auth = Buffer.from(`${sec.user}:${sec.password}`).toString('base64');
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`https://${addr}${path}`, { method, headers: { ...headers, authorization: `Basic ${auth}` }, ca: readFileSync(sec.ca) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h[k] = v;
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `REGISTRY/repo:tag` (the e2e registry: see e2eRegistry) */
export function ref(repo: string, tag = 'v1'): string {
  return `${e2eRegistry()}/${repo}:${tag}`;
}

/** A fresh scratch dir inside the state dir (removed by `scripts/test-env down`). */
export function workDir(prefix = 'work'): string {
  const base = join(stack().state, 'work');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${prefix.replace(/[^A-Za-z0-9_-]/g, '-')}-`));
}

/** Absolute path of a build context under test/fixtures. */
export function fixture(name: string): string {
  return join(FIXTURES_DIR, name);
}

// ------------------------------------------------------------------ registry

export interface Manifest {
  mediaType: string;
  digest: string;
  /** parsed JSON */
  body: ManifestBody;
  /** exact bytes as served */
  raw: Buffer;
}
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}
export interface ManifestBody {
  schemaVersion: number;
  mediaType?: string;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** GET a manifest by tag or digest; null on 404. Checks that Docker-Content-Digest matches the bytes. */
export async function tryGetManifest(repo: string, reference: string): Promise<Manifest | null> {
  const url = `${e2eRegistry()}/v2/${repo}/manifests/${reference}`;
  const r = await registryRequest('GET', `/v2/${repo}/manifests/${reference}`, { Accept: ACCEPT_ALL });
  if (r.status === 404) return null;
  const raw = r.body;
  if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status} ${raw.toString('utf8')}`);
  const digest = r.headers['docker-content-digest'] ?? '';
  if (digest !== sha256(raw)) throw new Error(`GET ${url}: Docker-Content-Digest ${digest} != sha256 of body ${sha256(raw)}`);
  return {
    mediaType: (r.headers['content-type'] ?? '').split(';')[0]!.trim(),
    digest,
    body: JSON.parse(raw.toString('utf8')) as ManifestBody,
    raw,
  };
}

/** GET a manifest by tag or digest; throws if it does not exist. */
export async function getManifest(repo: string, reference: string): Promise<Manifest> {
  const m = await tryGetManifest(repo, reference);
  if (!m) throw new Error(`manifest ${e2eRegistry()}/${repo}:${reference} not found`);
  return m;
}

/** PUT raw manifest bytes under a tag or digest; returns the registry's Docker-Content-Digest. */
export async function putManifest(repo: string, reference: string, raw: Buffer | string, mediaType: string): Promise<string> {
  const r = await registryRequest('PUT', `/v2/${repo}/manifests/${reference}`, { 'Content-Type': mediaType }, raw);
  if (r.status !== 201) throw new Error(`PUT ${e2eRegistry()}/v2/${repo}/manifests/${reference}: HTTP ${r.status} ${r.body.toString('utf8')}`);
  return r.headers['docker-content-digest'] ?? '';
}

/** Tags of a repository; [] if the repository does not exist. */
export async function listTags(repo: string): Promise<string[]> {
  const r = await registryRequest('GET', `/v2/${repo}/tags/list`);
  if (r.status === 404) return [];
  if (r.status !== 200) throw new Error(`tags/list ${repo}: HTTP ${r.status} ${r.body.toString('utf8')}`);
  const j = JSON.parse(r.body.toString('utf8')) as { tags: string[] | null };
  return j.tags ?? [];
}

// ------------------------------------------------------------------ OCI layouts

export interface OciIndexJson {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
}

/** index.json of an OCI layout given as a directory or as a tar file. */
export async function readLayoutIndex(path: string): Promise<OciIndexJson> {
  if (statSync(path).isDirectory()) return JSON.parse(readFileSync(join(path, 'index.json'), 'utf8')) as OciIndexJson;
  const r = await run('tar', ['-xOf', path, 'index.json']);
  if (r.exitCode !== 0) throw new Error(`cannot read index.json from ${path}: ${r.stderr}`);
  return JSON.parse(r.stdout) as OciIndexJson;
}

/** Extract a layout tar into a fresh directory and return it. */
export async function extractTar(tarFile: string, into = workDir('untar')): Promise<string> {
  const r = await run('tar', ['-C', into, '-xf', tarFile]);
  if (r.exitCode !== 0) throw new Error(`tar -xf ${tarFile}: ${r.stderr}`);
  return into;
}

/** A blob of an OCI layout directory, parsed as JSON. */
export function readLayoutJson<T = ManifestBody>(layoutDir: string, digest: string): T {
  const [alg, hex] = digest.split(':');
  return JSON.parse(readFileSync(join(layoutDir, 'blobs', alg!, hex!), 'utf8')) as T;
}
