/**
 * The post-build operations of `docker ocifix build`, wired to the same functions the `normalize`,
 * `annotate`, `retag` and `verify` commands run (src/layout/normalize.ts, src/registry/execute.ts):
 * atomic layout writes, compare-and-swap registry writes, read-back checks.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Docker } from '../exec/docker.js';
import { OcifixError } from '../errors.js';
import { normalizeLayout } from '../layout/normalize.js';
import { annotateIndex, repointTag, verifyTag } from '../registry/execute.js';
import { atDigest, formatReference, parseReference, tagOnly } from '../registry/reference.js';
import type { BuildIO, PostStepOps, TagCheck } from './execute.js';

/** Copy a stream into a file in a new private (0700) temporary directory; the file is 0600. */
export async function captureStream(stream: NodeJS.ReadableStream): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'docker-ocifix-stdin-'));
  const path = join(dir, 'stdin');
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(stream, createWriteStream(path, { mode: 0o600, flags: 'wx' }));
  } catch (error) {
    await remove();
    throw new OcifixError(`cannot read stdin for the builds (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return { path, remove };
}

export interface OpsOptions {
  /** How a build runs (as `docker buildx ARGS` would); default through `docker buildx`. */
  runBuildx?: (args: readonly string[], env: Record<string, string>, io: BuildIO) => Promise<{ exitCode: number; stdout: string }>;
  /** Our stdin (read by captureStdin). */
  stdin?: NodeJS.ReadableStream;
  /** `--builder` of the build (imagetools uses it for registry config). */
  builder?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  log?: (line: string) => void;
}

/**
 * The `REPO:TAG@DIGEST` reference annotateIndex writes through: the tag the user pushed (`latest`
 * when `-t` named none, as buildx does) checked to be at the pushed digest before the write.
 */
export function annotateTarget(ref: string, digest: string): string {
  return formatReference({ ...tagOnly(parseReference(ref)), digest });
}

/** `name:tag` → `name@sha256:…` (the source of a re-point, by digest). */
export function repoAtDigest(ref: string, digest: string): string {
  return formatReference(atDigest(parseReference(ref), digest));
}

export function defaultOps(docker: Docker, opts: OpsOptions): PostStepOps {
  const registry = { ...(opts.builder ? { builder: opts.builder } : {}), env: opts.env, ...(opts.log ? { log: opts.log } : {}) };
  return {
    async buildx(args, env, io) {
      if (opts.runBuildx) return opts.runBuildx(args, env, io);
      const r = await docker.buildx(args, { stdio: 'inherit', env, stdout: io.stdout === 'capture' ? 'pipe' : io.stdout, ...(io.stdinFile ? { stdinFile: io.stdinFile } : {}) });
      return { exitCode: r.exitCode, stdout: r.stdout };
    },

    captureStdin: () => captureStream(opts.stdin ?? process.stdin),

    async normalize(path, ref) {
      const report = await normalizeLayout(path, { ref, mode: 'single', cwd: opts.cwd });
      const kept = report.keptRef?.imageName ?? report.keptRef?.refName ?? ref;
      if (!report.changed) return undefined;
      return `${report.entriesBefore.length} index.json entries → ${report.entriesAfter.length} (${kept})`;
    },

    async annotate(refs, digest, annotations) {
      const [first, ...others] = refs;
      if (!first) throw new OcifixError('internal: annotate without a tag');
      const outcome = await annotateIndex(docker, annotateTarget(first, digest), { set: annotations, tags: others }, registry);
      const { digest: d, mediaType, size } = outcome.plan.result;
      return { digest: d, mediaType, size };
    },

    async verifyAnnotations(ref, annotations) {
      const { report } = await verifyTag(docker, ref, { annotations }, registry);
      return report.problems.map((p) => p.message);
    },

    async ensureTag(ref, digest): Promise<TagCheck> {
      const { report } = await verifyTag(docker, ref, { digest }, registry);
      if (report.found && report.digest === digest) return { state: 'ok' };
      const was = report.found ? (report.digest ?? null) : null;
      // A single-manifest push (e.g. --provenance=false, one platform) is a manifest, not an index.
      const outcome = await repointTag(docker, repoAtDigest(ref, digest), [ref], { ...registry, allowManifest: true, action: 'repoint' });
      // the re-read before the write found it in place (a registry's read-after-write lag): nothing was written
      return outcome.written ? { state: 'repointed', was } : { state: 'ok' };
    },
  };
}
