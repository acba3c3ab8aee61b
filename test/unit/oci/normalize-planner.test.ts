import { describe, expect, it } from 'vitest';
import { OcifixError } from '../../../src/errors.js';
import type { IndexJson } from '../../../src/oci/layout.js';
import type { Descriptor } from '../../../src/oci/media.js';
import { type Mode, planNormalize, type PlanOptions } from '../../../src/oci/normalize-planner.js';
import { parseRefSelector, type RefSelector } from '../../../src/oci/refname.js';
import { caught } from '../../support/caught.js';

const R = 'org.opencontainers.image.ref.name';
const C = 'io.containerd.image.name';
const T = 'org.opencontainers.image.created';
const IDX = 'application/vnd.oci.image.index.v1+json';
const X = { mediaType: IDX, digest: `sha256:${'1'.repeat(64)}`, size: 491 };
const Y = { mediaType: IDX, digest: `sha256:${'2'.repeat(64)}`, size: 1245 };

const perTag = (d: typeof X, names: string[]): Descriptor[] =>
  names.map((n) => ({ ...d, annotations: { [C]: n, [T]: '2025-01-01T00:00:00Z', [R]: n.slice(n.lastIndexOf(':') + 1) } }));
const index = (manifests: Descriptor[], extra: Record<string, unknown> = {}): IndexJson => ({ schemaVersion: 2, mediaType: IDX, manifests, ...extra });
const ref = (s: string): RefSelector => parseRefSelector(s) as RefSelector;
const plan = (manifests: Descriptor[], mode: Mode = 'single', r?: string, hasOciLayout = true, extra: Record<string, unknown> = {}) => {
  const opts: PlanOptions = r === undefined ? { mode } : { mode, ref: ref(r) };
  return planNormalize({ index: index(manifests, extra), hasOciLayout, label: 'out' }, opts);
};
const kinds = (p: ReturnType<typeof plan>) => p.changes.map((c) => c.kind);

describe('single mode', () => {
  it('merges buildx ≥ 0.20 per-tag entries into one, keeping the first name and other annotations', () => {
    const p = plan(perTag(X, ['docker.io/library/a:1', 'docker.io/library/a:2']));
    expect(p.changed).toBe(true);
    expect(p.writeIndexJson).toBe(true);
    expect(p.writeOciLayout).toBe(false);
    expect(p.after).toEqual([{ ...X, annotations: { [C]: 'docker.io/library/a:1', [T]: '2025-01-01T00:00:00Z', [R]: '1' } }]);
    expect(p.kept).toEqual({ refName: '1', imageName: 'docker.io/library/a:1' });
    expect(kinds(p)).toEqual(['merge-duplicates', 'drop-names']);
    expect(p.changes[1]!.message).toContain('docker.io/library/a:2');
  });

  it('splits a comma-joined ref.name (buildx ≤ 0.19 directory) and writes the missing oci-layout', () => {
    const p = plan([{ ...X, annotations: { [T]: 'now', [R]: 'docker.io/library/a:1,docker.io/library/a:2' } }], 'single', undefined, false);
    expect(p.after).toEqual([{ ...X, annotations: { [C]: 'docker.io/library/a:1', [T]: 'now', [R]: '1' } }]);
    expect(p.writeOciLayout).toBe(true);
    expect(kinds(p)).toEqual(['write-oci-layout', 'split-comma-ref', 'drop-names']);
  });

  it('a single full name in ref.name becomes tag + io.containerd.image.name', () => {
    const p = plan([{ ...X, annotations: { [R]: 'docker.io/library/a:1' } }]);
    expect(p.after[0]!.annotations).toEqual({ [C]: 'docker.io/library/a:1', [R]: '1' });
    expect(kinds(p)).toEqual(['full-name-ref']);
  });

  it('--ref tag keeps that tag and its full name', () => {
    const p = plan(perTag(X, ['docker.io/library/a:1', 'docker.io/library/a:2', 'docker.io/library/a:3']), 'single', '2');
    expect(p.kept).toEqual({ refName: '2', imageName: 'docker.io/library/a:2' });
    expect(p.after).toHaveLength(1);
  });

  it('--ref full name in familiar form', () => {
    const p = plan(perTag(X, ['docker.io/library/a:1', 'docker.io/library/a:2']), 'single', 'a:2');
    expect(p.kept).toEqual({ refName: '2', imageName: 'docker.io/library/a:2' });
  });

  it('--ref with a new full name renames (ref.name = tag part, containerd name = full name)', () => {
    const p = plan(perTag(X, ['docker.io/library/a:1']), 'single', 'ghcr.io/o/b:9');
    expect(p.after[0]!.annotations).toEqual({ [C]: 'ghcr.io/o/b:9', [T]: '2025-01-01T00:00:00Z', [R]: '9' });
    expect(p.changed).toBe(true);
  });

  it('--ref with a new bare tag drops the now inconsistent containerd name', () => {
    const p = plan(perTag(X, ['docker.io/library/a:1']), 'single', 'v9');
    expect(p.after[0]!.annotations).toEqual({ [T]: '2025-01-01T00:00:00Z', [R]: 'v9' });
  });

  it('--ref naming what is already kept is not a change', () => {
    const p = plan(perTag(X, ['docker.io/library/a:1']), 'single', '1');
    expect(p.changed).toBe(false);
    expect(p.changes).toEqual([]);
  });

  it('keeps descriptor fields (platform, artifactType) and index.json top-level fields', () => {
    const e = { ...X, platform: { architecture: 'amd64', os: 'linux' }, artifactType: 'x/y', annotations: { [R]: '1', 'org.example': 'k' } };
    const p = plan([e, { ...e, annotations: { [R]: '2', 'org.other': 'v' } }], 'single', undefined, true, { annotations: { top: 'level' } });
    expect(p.after).toEqual([
      { ...X, platform: { architecture: 'amd64', os: 'linux' }, artifactType: 'x/y', annotations: { 'org.example': 'k', 'org.other': 'v', [R]: '1' } },
    ]);
    expect(p.index.annotations).toEqual({ top: 'level' });
    expect(p.index.schemaVersion).toBe(2);
  });
});

describe('per-tag mode', () => {
  it('buildx ≥ 0.20 output is already normal', () => {
    const p = plan(perTag(X, ['docker.io/library/a:1', 'docker.io/library/a:2']), 'per-tag');
    expect(p.changed).toBe(false);
    expect(p.changes).toEqual([]);
  });

  it('comma-joined entry becomes one spec-correct entry per tag', () => {
    const p = plan(
      [{ ...X, annotations: { [T]: 'now', [R]: 'docker.io/library/a:1,docker.io/library/a:2,docker.io/library/a:3' } }],
      'per-tag',
      undefined,
      false,
    );
    expect(p.after.map((d) => [d.annotations?.[R], d.annotations?.[C]])).toEqual([
      ['1', 'docker.io/library/a:1'],
      ['2', 'docker.io/library/a:2'],
      ['3', 'docker.io/library/a:3'],
    ]);
    expect(p.after.every((d) => d.annotations?.[T] === 'now' && d.digest === X.digest)).toBe(true);
    expect(kinds(p)).toContain('split-per-tag');
  });

  it('--ref puts the chosen tag first', () => {
    const p = plan(perTag(X, ['docker.io/library/a:1', 'docker.io/library/a:2', 'docker.io/library/a:3']), 'per-tag', '3');
    expect(p.after.map((d) => d.annotations?.[R])).toEqual(['3', '1', '2']);
    expect(p.kept).toEqual({ refName: '3', imageName: 'docker.io/library/a:3' });
  });

  it('exact duplicates collapse', () => {
    const p = plan([...perTag(X, ['docker.io/library/a:1']), ...perTag(X, ['docker.io/library/a:1'])], 'per-tag');
    expect(p.after).toHaveLength(1);
    expect(kinds(p)).toEqual(['merge-duplicates']);
  });
});

describe('shapes convert both ways and the result is a fixed point', () => {
  const inputs: Array<[string, Descriptor[], boolean]> = [
    ['per-tag 2', perTag(X, ['docker.io/library/a:1', 'docker.io/library/a:2']), true],
    ['per-tag 3', perTag(X, ['docker.io/library/a:1', 'docker.io/library/a:2', 'docker.io/library/a:3']), true],
    ['comma', [{ ...X, annotations: { [R]: 'docker.io/library/a:1,docker.io/library/a:2' } }], false],
    ['plain', [{ ...X }], true],
    ['tag only', [{ ...X, annotations: { [R]: 'latest' } }], true],
    ['inconsistent', [{ ...X, annotations: { [R]: 'v1', [C]: 'docker.io/library/a:2' } }], true],
  ];
  for (const [name, manifests, hasLayout] of inputs) {
    for (const mode of ['single', 'per-tag'] as const) {
      it(`${name} → ${mode} → stable`, () => {
        const p1 = plan(manifests, mode, undefined, hasLayout);
        const p2 = plan(p1.after, mode, undefined, true);
        expect(p2.changed).toBe(false);
        expect(p2.after).toEqual(p1.after);
        if (mode === 'single') expect(p1.after).toHaveLength(1);
        const other = mode === 'single' ? 'per-tag' : 'single';
        const p3 = plan(p1.after, other);
        expect(plan(p3.after, other).changed).toBe(false);
      });
    }
  }
  it('plain layout without names is normal in both modes', () => {
    expect(plan([{ ...X }]).changed).toBe(false);
    expect(plan([{ ...X }], 'per-tag').changed).toBe(false);
  });
  it('only the missing oci-layout is a change', () => {
    const p = plan([{ ...X }], 'single', undefined, false);
    expect(p.changed).toBe(true);
    expect(p.writeIndexJson).toBe(false);
    expect(kinds(p)).toEqual(['write-oci-layout']);
  });
  it('an empty index.json is normal, with a warning', () => {
    const p = plan([]);
    expect(p.changed).toBe(false);
    expect(p.warnings[0]).toContain('no images');
  });
  it('the plan is plain JSON data', () => {
    const p = plan(perTag(X, ['docker.io/library/a:1', 'docker.io/library/a:2']));
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});

describe('different images', () => {
  const two = [...perTag(X, ['docker.io/library/a:1', 'docker.io/library/a:2']), ...perTag(Y, ['docker.io/library/b:1'])];

  it('are refused with a listing (exit 1)', () => {
    const err = caught(() => plan(two));
    expect(err).toBeInstanceOf(OcifixError);
    const e = err as OcifixError;
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain('2 different images');
    expect(e.message).toContain(X.digest);
    expect(e.message).toContain('docker.io/library/a:1, docker.io/library/a:2');
    expect(e.message).toContain('docker.io/library/b:1');
    expect(e.message).toContain('--ref');
  });

  it('also in per-tag mode', () => {
    expect(() => plan(two, 'per-tag')).toThrow(/different images/);
  });

  it('--ref selects one and says what was dropped', () => {
    const p = plan(two, 'single', 'b:1');
    expect(p.after).toEqual([{ ...Y, annotations: { [C]: 'docker.io/library/b:1', [T]: '2025-01-01T00:00:00Z', [R]: '1' } }]);
    expect(p.dropped).toEqual([{ ...X, names: ['docker.io/library/a:1', 'docker.io/library/a:2'] }]);
    expect(p.changes.find((c) => c.kind === 'drop-image')?.message).toContain(X.digest);
  });

  it('--ref selecting by tag in per-tag mode keeps all of that image’s tags', () => {
    const p = plan(two, 'per-tag', '2');
    expect(p.after.map((d) => d.annotations?.[C])).toEqual(['docker.io/library/a:2', 'docker.io/library/a:1']);
  });

  it('--ref matching none, or ambiguous, is refused', () => {
    expect(() => plan(two, 'single', 'c:1')).toThrow(/names none/);
    expect(() => plan(two, 'single', '1')).toThrow(/matches 2 different images/);
  });
});
