/**
 * The golden cases of the imagetools byte model: one request against one source index, planned
 * exactly as `docker ocifix annotate` / `retag` plan it. Shared by the capture (e2e, real buildx
 * `imagetools create --dry-run` of both versions, test/e2e/registry/imagetools-golden.test.ts) and
 * the unit test that replays the captures (imagetools-golden.test.ts). Pure.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseIndexAnnotations, parseRemovals } from '../../../src/registry/execute.js';
import { Imagetools } from '../../../src/registry/imagetools.js';
import { resolveBytes } from '../../../src/registry/manifest.js';
import { planAnnotate, planRetag, type Plan } from '../../../src/registry/planners.js';
import { parseReference, tagOnly } from '../../../src/registry/reference.js';

export const GOLDEN_DIR = resolve(__dirname, '../../fixtures/imagetools-dry-run');
/** The buildx versions of the test stack (scripts/test-env): every capture is made with both. */
export const GOLDEN_VERSIONS = ['v0.36.1', 'v0.15.1'] as const;

export type GoldenRequest =
  { action: 'annotate'; ref: string; set?: string[]; remove?: string[] } | { action: 'retag'; source: string; targets: string[]; allowManifest?: boolean };

export interface GoldenCase {
  name: string;
  /** What the case proves. */
  about: string;
  request: GoldenRequest;
  /** The `--dry-run` argv after `buildx` the capture ran (what the planner gave then). */
  argv?: string[];
}

/** argv builder only: no process is ever started through it. */
const argvBuilder = new Imagetools(undefined as never, {});

export function planGolden(request: GoldenRequest, source: Buffer): Plan {
  const current = resolveBytes(source);
  if (request.action === 'annotate') {
    return planAnnotate({
      target: tagOnly(parseReference(request.ref)),
      current,
      set: parseIndexAnnotations(request.set ?? []),
      remove: parseRemovals(request.remove ?? []),
      extraTags: [],
      argv: argvBuilder,
    });
  }
  return planRetag({
    source: parseReference(request.source),
    resolved: current,
    targets: request.targets.map((t) => ({ ref: parseReference(t), digest: null })),
    allowManifest: request.allowManifest ?? false,
    argv: argvBuilder,
  });
}

export interface CapturedCase extends GoldenCase {
  dir: string;
  source: Buffer;
  /** Raw stdout of `buildx imagetools create --dry-run`, per buildx version. */
  outputs: Record<string, Buffer>;
}

export function loadCaptures(): CapturedCase[] {
  return readdirSync(GOLDEN_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(GOLDEN_DIR, d.name);
      const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as GoldenCase;
      const outputs: Record<string, Buffer> = {};
      for (const v of GOLDEN_VERSIONS) outputs[v] = readFileSync(join(dir, `dry-run-${v}.out`));
      return { ...c, dir, source: readFileSync(join(dir, 'source.json')), outputs };
    });
}
