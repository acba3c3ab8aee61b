/**
 * The only way ocifix talks to a registry: `buildx imagetools …`, with the buildx plugin started
 * directly as the docker CLI starts it (or through `docker <globals> buildx`, see
 * imagetoolsPlugin in src/exec/buildx-lookup.ts). imagetools brings
 * the user's auth (config.json, credential helpers), the builder's registry config (mirrors,
 * plain-http, CAs) and docker's global flags (forwarded by Docker). Nothing here decides anything;
 * the planners (planners.ts) does.
 */
import type { Docker } from '../exec/docker.js';
import type { RunResult } from '../exec/runner.js';
import { OcifixError } from '../errors.js';
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

  /** The buildx plugin started directly, or undefined: through `docker buildx`. */
  readonly plugin: string | undefined;

  constructor(
    readonly docker: Docker,
    opts: ImagetoolsOptions = {},
  ) {
    this.builder = opts.builder || opts.env?.['BUILDX_BUILDER'] || '';
    this.plugin = opts.plugin;
  }

  /** True when calls go through `docker buildx` (the previous call sequence, preflight included). */
  get viaDocker(): boolean {
    return this.plugin === undefined;
  }

  private exec(argv: readonly string[]): Promise<RunResult> {
    return this.plugin ? this.docker.buildxDirect(this.plugin, argv, { stdio: 'pipe' }) : this.docker.buildx(argv, { stdio: 'pipe' });
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
    const r = await this.exec(this.inspectArgv(ref));
    if (r.exitCode !== 0) {
      const msg = buildxError(r);
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
    const r = await this.exec(argv);
    if (r.exitCode !== 0) {
      const msg = buildxError(r);
      throw new RegistryError(`imagetools create --dry-run failed: ${msg}`, msg);
    }
    return Buffer.from(r.stdout.endsWith('\n') ? r.stdout.slice(0, -1) : r.stdout, 'utf8');
  }

  /** Run a writing `imagetools create`. Throws RegistryError with buildx's message on failure. */
  async create(argv: readonly string[]): Promise<RunResult> {
    const r = await this.exec(argv);
    if (r.exitCode !== 0) {
      const msg = buildxError(r);
      throw new RegistryError(`imagetools create failed: ${msg}`, msg);
    }
    return r;
  }
}
