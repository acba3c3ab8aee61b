/**
 * The only way ocifix talks to a registry: `buildx imagetools …`, with the buildx plugin started
 * directly as the docker CLI starts it (or through `docker <globals> buildx`, see
 * imagetoolsPlugin in src/exec/buildx-lookup.ts). imagetools brings
 * the user's auth (config.json, credential helpers), the builder's registry config (mirrors,
 * plain-http, CAs) and docker's global flags (forwarded by Docker). Nothing here decides anything;
 * the planners (planners.ts) does.
 */
import type { Docker } from '../exec/docker.js';
import type { RunOptions, RunResult } from '../exec/runner.js';
import { OcifixError, UsageError } from '../errors.js';
import { resolveBytes, type Resolved } from './manifest.js';

/** Reading or writing the registry failed (unreachable, auth, server error). Exit 1. */
export class RegistryError extends OcifixError {
  override name = 'RegistryError';
  constructor(
    message: string,
    /** buildx's own error text (its `ERROR: …` lines), when it printed one. */
    readonly buildxMessage = '',
  ) {
    super(message, 1);
  }
}

export interface CreateSpec {
  tags: string[];
  sources: string[];
  annotations?: string[];
  preferIndex?: boolean;
  dryRun?: boolean;
}

export interface ImagetoolsOptions {
  /** `--builder`; falls back to BUILDX_BUILDER from env. */
  builder?: string;
  env?: NodeJS.ProcessEnv;
  /** The buildx plugin file to start directly; without it every call goes through `docker buildx`. */
  plugin?: string;
  /** Pause between read attempts (tests make it short); default 250 ms, then 4× each time. */
  retryDelayMs?: number;
}

/** Seconds one imagetools call may take before it is ended (OCIFIX_REGISTRY_TIMEOUT overrides). */
export const DEFAULT_REGISTRY_TIMEOUT_S = 60;
/** Attempts of a read (inspect, dry run) that failed in a way a retry can cure. */
export const READ_ATTEMPTS = 3;

/** OCIFIX_REGISTRY_TIMEOUT (seconds, > 0) or the default; a bad value is a usage error naming it. */
export function registryTimeoutMs(env: NodeJS.ProcessEnv | undefined): number {
  const raw = env?.['OCIFIX_REGISTRY_TIMEOUT'];
  if (raw === undefined || raw === '') return DEFAULT_REGISTRY_TIMEOUT_S * 1000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`OCIFIX_REGISTRY_TIMEOUT=${JSON.stringify(raw)}: expected a number of seconds greater than 0 (default ${DEFAULT_REGISTRY_TIMEOUT_S})`);
  return Math.round(n * 1000);
}

/**
 * How long a write waits before its read-back: the write's own duration, 100 ms–1 s;
 * OCIFIX_REGISTRY_SETTLE_MS (milliseconds, ≥ 0; 0 = none) overrides. A bad value is a usage error
 * naming it, raised when the client is made — before anything is read or written.
 */
export function settleMs(writeMs: number, env: NodeJS.ProcessEnv | undefined): number {
  const raw = env?.['OCIFIX_REGISTRY_SETTLE_MS'];
  if (raw === undefined || raw === '') return Math.min(1000, Math.max(100, writeMs));
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(
      `OCIFIX_REGISTRY_SETTLE_MS=${JSON.stringify(raw)}: expected a number of milliseconds, 0 or more (default: the write's own duration, 100–1000)`,
    );
  return n;
}

/**
 * A failure a second attempt of the same read can cure: the connection dropped or timed out, the
 * registry was briefly overloaded (429, 5xx). Not: not found, unauthorized, refused (nothing listens).
 */
export function isTransient(message: string): boolean {
  return /connection reset|broken pipe|unexpected EOF|\bEOF\b|i\/o timeout|timed out|TLS handshake timeout|no answer within|\b(429|500|502|503|504)\b|too many requests|internal server error|bad gateway|service unavailable|gateway timeout/i.test(
    message,
  );
}

/** buildx's error text: its `ERROR: ` lines, else the last non-empty stderr line. */
export function buildxError(r: Pick<RunResult, 'stderr' | 'exitCode'>): string {
  const lines = r.stderr.split('\n').map((l) => l.trimEnd());
  const errs = lines.filter((l) => l.startsWith('ERROR: ')).map((l) => l.slice(7));
  if (errs.length > 0) return errs.join('; ');
  const last = lines.filter((l) => l.trim() !== '').pop();
  return last ?? `exit status ${r.exitCode}`;
}

/** `ERROR: REF: not found` is how imagetools reports a missing tag, digest or repository. */
export function isNotFound(message: string): boolean {
  return /: not found$/.test(message) || /manifest unknown/i.test(message) || /name unknown/i.test(message);
}

export class Imagetools {
  /** The builder passed as `--builder` to every imagetools call ('' = buildx's own default). */
  readonly builder: string;

  private readonly timeoutMs: number;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly retryDelayMs: number;
  /** The buildx plugin started directly, or undefined: through `docker buildx`. */
  readonly plugin: string | undefined;

  constructor(
    readonly docker: Docker,
    opts: ImagetoolsOptions = {},
  ) {
    this.builder = opts.builder || opts.env?.['BUILDX_BUILDER'] || '';
    this.timeoutMs = registryTimeoutMs(opts.env);
    settleMs(0, opts.env); // a bad OCIFIX_REGISTRY_SETTLE_MS fails here, before any write
    this.env = opts.env;
    this.retryDelayMs = opts.retryDelayMs ?? 250;
    this.plugin = opts.plugin;
  }

  /** True when calls go through `docker buildx` (the previous call sequence, preflight included). */
  get viaDocker(): boolean {
    return this.plugin === undefined;
  }

  private exec(argv: readonly string[], extra: Pick<RunOptions, 'timeoutMs' | 'survivesCancel'> = {}): Promise<RunResult> {
    const o = { stdio: 'pipe' as const, ...extra };
    return this.plugin ? this.docker.buildxDirect(this.plugin, argv, o) : this.docker.buildx(argv, o);
  }

  /** How long a write that took `writeMs` waits before its read-back (see settleMs). */
  settleMs(writeMs: number): number {
    return settleMs(writeMs, this.env);
  }

  /** One imagetools call, ended after the timeout (then its stderr says so, for buildxError). */
  private async call(argv: readonly string[]): Promise<RunResult> {
    const r = await this.exec(argv, { timeoutMs: this.timeoutMs });
    if (!r.timedOut) return r;
    return { ...r, exitCode: r.exitCode || 1, stderr: `${r.stderr}\nERROR: no answer within ${this.timeoutMs / 1000} s (OCIFIX_REGISTRY_TIMEOUT)` };
  }

  /** A read: retried with backoff while it fails in a way a retry can cure (isTransient). */
  private async read(argv: readonly string[]): Promise<RunResult> {
    let r = await this.call(argv);
    for (let attempt = 1; attempt < READ_ATTEMPTS && r.exitCode !== 0 && isTransient(buildxError(r)); attempt++) {
      await new Promise((res) => setTimeout(res, this.retryDelayMs * 4 ** (attempt - 1)));
      r = await this.call(argv);
    }
    return r;
  }

  private builderArgs(): string[] {
    return this.builder ? ['--builder', this.builder] : [];
  }

  /** argv after `docker buildx` for `imagetools inspect --raw REF`. */
  inspectArgv(ref: string): string[] {
    return ['imagetools', 'inspect', ...this.builderArgs(), '--raw', ref];
  }

  /**
   * argv after `docker buildx` for `imagetools create`. `dryRun` ⇒ `--dry-run` (buildx prints the
   * resulting bytes instead of pushing; the tags still tell it the repository).
   */
  createArgv(spec: CreateSpec): string[] {
    const argv = ['imagetools', 'create', ...this.builderArgs()];
    if (spec.dryRun) argv.push('--dry-run');
    else argv.push('--progress', 'plain');
    if (spec.preferIndex === false) argv.push('--prefer-index=false');
    for (const t of spec.tags) argv.push('-t', t);
    for (const a of spec.annotations ?? []) argv.push('--annotation', a);
    argv.push(...spec.sources);
    return argv;
  }

  /** The full command line a user could paste (`docker [globals] buildx …`). */
  commandLine(argv: readonly string[]): string[] {
    return [this.docker.executable, ...this.docker.argv(['buildx', ...argv])];
  }

  /** Exact bytes of REF (manifest or index). null when the registry says it does not exist. */
  async tryInspect(ref: string): Promise<Resolved | null> {
    return this.answer(ref, await this.read(this.inspectArgv(ref)));
  }

  /**
   * Where REF is now, for the last message after a failed or cancelled write: one attempt, at most
   * 5 s, and it runs even after a signal (the write was already cancelled; this only reads).
   */
  async readState(ref: string): Promise<string | null> {
    const r = await this.exec(this.inspectArgv(ref), { timeoutMs: Math.min(this.timeoutMs, 5000), survivesCancel: true });
    return this.answer(ref, r, r.timedOut ? 'no answer within 5 s' : undefined)?.digest ?? null;
  }

  /** An inspect's answer: the manifest; null when REF does not exist; a RegistryError for anything else. */
  private answer(ref: string, r: RunResult, failure?: string): Resolved | null {
    if (r.exitCode !== 0) {
      const msg = failure ?? buildxError(r);
      if (isNotFound(msg)) return null;
      throw new RegistryError(`cannot read ${ref}: ${msg}`, msg);
    }
    try {
      return resolveBytes(Buffer.from(r.stdout, 'utf8'));
    } catch (e) {
      throw new RegistryError(`cannot read ${ref}: the registry returned something that is not a manifest (${(e as Error).message})`);
    }
  }

  /** Like tryInspect, but a missing REF is an error. */
  async inspect(ref: string): Promise<Resolved> {
    const r = await this.tryInspect(ref);
    if (!r) throw new RegistryError(`${ref}: not found`, `${ref}: not found`);
    return r;
  }

  /** Run `imagetools create --dry-run …`: the exact bytes buildx would push (its trailing newline removed). */
  async dryRun(argv: readonly string[]): Promise<Buffer> {
    if (!argv.includes('--dry-run')) throw new Error('dryRun needs a --dry-run argv');
    const r = await this.read(argv);
    if (r.exitCode !== 0) {
      const msg = buildxError(r);
      throw new RegistryError(`imagetools create --dry-run failed: ${msg}`, msg);
    }
    return Buffer.from(r.stdout.endsWith('\n') ? r.stdout.slice(0, -1) : r.stdout, 'utf8');
  }

  /** Run a writing `imagetools create`. Throws RegistryError with buildx's message on failure. */
  async create(argv: readonly string[]): Promise<RunResult> {
    // a write is not retried: it may have landed
    const r = await this.call(argv);
    if (r.exitCode !== 0) {
      const msg = buildxError(r);
      throw new RegistryError(`imagetools create failed: ${msg}`, msg);
    }
    return r;
  }
}
