// Replays the captured real `buildx imagetools create --dry-run` outputs of buildx v0.36.1 and
// v0.15.1 (test/fixtures/imagetools-dry-run/, captured by test/e2e/registry/imagetools-golden.test.ts
// with OCIFIX_CAPTURE_GOLDENS=1): the planner, given the same source bytes and request, runs the
// same command and predicts exactly the bytes buildx printed. This is what lets the write path skip
// the dry run (Step.predicted).
import { describe, expect, it } from 'vitest';
import { modelCovers } from '../../../src/registry/manifest.js';
import type { Descriptor } from '../../../src/oci/media.js';
import { GOLDEN_VERSIONS, loadCaptures, planGolden } from './golden-plan.js';

const captures = loadCaptures();

describe('imagetools byte model against captured real dry-run output', () => {
  it('has captures of every kind of step', () => {
    expect(captures.length).toBeGreaterThanOrEqual(9);
    const kinds = new Set(captures.map((c) => c.request.action));
    expect(kinds).toEqual(new Set(['annotate', 'retag']));
  });

  for (const c of captures) {
    for (const v of GOLDEN_VERSIONS) {
      it(`${c.name} (${v}): ${c.about}`, () => {
        const plan = planGolden(c.request, c.source);
        const step = plan.steps[0]!;
        expect(plan.steps).toHaveLength(1);
        expect(step.preflight).toEqual(c.argv);
        expect(step.predicted).toBe(true);
        // buildx prints the bytes it would push plus one newline
        const out = c.outputs[v]!;
        expect(out.at(-1)).toBe(0x0a);
        expect(Buffer.from(plan.result.bytes, 'utf8').equals(out.subarray(0, -1))).toBe(true);
        expect(plan.result.digest).toBe(step.digest);
      });
    }
  }
});

describe('modelCovers: what the captures do not prove falls back to the dry run', () => {
  const d: Descriptor = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${'a'.repeat(64)}`,
    size: 10,
    platform: { os: 'linux', architecture: 'amd64' },
  };
  it('covers the captured shapes', () => {
    expect(modelCovers([d, { ...d, annotations: { 'org.example.k': '<é\u2028>' }, urls: ['x'], artifactType: 't' }], { 'org.example.i': 'a=b\n' })).toBe(true);
  });
  it('not inline data, odd sizes, keys outside reverse-domain names, NUL or lone surrogates', () => {
    expect(modelCovers([{ ...d, data: 'e30=' }], undefined)).toBe(false);
    expect(modelCovers([{ ...d, size: 1.5 }], undefined)).toBe(false);
    expect(modelCovers([{ ...d, size: 2 ** 60 }], undefined)).toBe(false);
    expect(modelCovers([d], { 'a b': 'x' })).toBe(false);
    expect(modelCovers([d], { ':k': 'x' })).toBe(false);
    expect(modelCovers([{ ...d, annotations: { k: 'a\0b' } }], undefined)).toBe(false);
    expect(modelCovers([d], { k: '\ud800' })).toBe(false);
    expect(modelCovers([{ ...d, platform: { os: 'linux', architecture: 'amd64', 'os.features': [1 as unknown as string] } }], undefined)).toBe(false);
  });
});
