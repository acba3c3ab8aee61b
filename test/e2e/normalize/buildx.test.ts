// `docker-ocifix normalize` on layouts written by real buildx (v0.36.1: one index.json entry per tag;
// v0.15.1: one comma-joined entry), read and pushed by the real consumers afterwards.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, readLayoutIndex, requireStack, run, skopeo, workDir } from '../helpers/stack.js';
import {
  blobFingerprint,
  type Built,
  buildLayout,
  copyLayout,
  expectCranePush,
  expectSkopeoInspect,
  expectSkopeoPush,
  ocifix,
  requireBinary,
  transport,
} from './helpers.js';

const R = 'org.opencontainers.image.ref.name';
const C = 'io.containerd.image.name';

interface Case {
  name: string;
  tags: number;
  provenance: boolean;
  tar: boolean;
  buildxVersion?: 'v0.15.1';
  /** Remove oci-layout after the build (the buildx 0.10 / BuildKit 0.11 directory shape). */
  dropOciLayout?: boolean;
}

const CASES: Case[] = [
  { name: 'v0.36.1 dir, 2 tags, attestations', tags: 2, provenance: true, tar: false },
  { name: 'v0.36.1 dir, 3 tags, attestations', tags: 3, provenance: true, tar: false },
  { name: 'v0.36.1 dir, 2 tags, --provenance=false', tags: 2, provenance: false, tar: false },
  { name: 'v0.36.1 dir, 3 tags, --provenance=false', tags: 3, provenance: false, tar: false },
  { name: 'v0.36.1 tar, 2 tags, attestations', tags: 2, provenance: true, tar: true },
  { name: 'v0.36.1 tar, 3 tags, attestations', tags: 3, provenance: true, tar: true },
  { name: 'v0.36.1 tar, 2 tags, --provenance=false', tags: 2, provenance: false, tar: true },
  { name: 'v0.36.1 tar, 3 tags, --provenance=false', tags: 3, provenance: false, tar: true },
  { name: 'v0.15.1 dir, 2 tags (comma-joined ref.name)', tags: 2, provenance: true, tar: false, buildxVersion: 'v0.15.1' },
  {
    name: 'v0.15.1 dir, 3 tags (comma-joined), oci-layout removed by hand',
    tags: 3,
    provenance: false,
    tar: false,
    buildxVersion: 'v0.15.1',
    dropOciLayout: true,
  },
  { name: 'v0.15.1 tar, 2 tags', tags: 2, provenance: true, tar: true, buildxVersion: 'v0.15.1' },
];

describe.each(CASES)('normalize: $name', (c) => {
  let built: Built;

  beforeAll(async () => {
    await requireStack();
    requireBinary();
    built = await buildLayout({ tags: c.tags, provenance: c.provenance, tar: c.tar, ...(c.buildxVersion ? { buildxVersion: c.buildxVersion } : {}) });
    if (c.dropOciLayout) rmSync(join(built.path, 'oci-layout'));
  });

  it('single (default), in place: skopeo and crane read and push it; pushed digest = buildx digest', async () => {
    const path = await copyLayout(built.path, 'single');
    const blobsBefore = await blobFingerprint(path, c.tar);
    const before = await readLayoutIndex(path);
    if (c.buildxVersion === 'v0.15.1' && !c.tar) {
      expect(before.manifests).toHaveLength(1);
      expect(before.manifests[0]!.annotations?.[R]).toBe(built.tags.map((t) => `docker.io/library/a:${t}`).join(','));
    } else {
      expect(before.manifests).toHaveLength(c.tags);
    }

    const r = await ocifix(['normalize', path]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(r.stdout).toContain(`normalized ${path}`);
    if (c.dropOciLayout) {
      expect(r.stdout).toContain('write the missing oci-layout file');
      expect(readFileSync(join(path, 'oci-layout'), 'utf8')).toBe('{"imageLayoutVersion":"1.0.0"}');
    }

    const after = await readLayoutIndex(path);
    expect(after.manifests).toHaveLength(1);
    expect(after.manifests[0]).toMatchObject({ digest: built.digest, annotations: { [R]: '1', [C]: 'docker.io/library/a:1' } });
    expect(await blobFingerprint(path, c.tar)).toEqual(blobsBefore);
    if (!c.tar) expect(existsSync(join(path, 'ingest'))).toBe(existsSync(join(built.path, 'ingest')));

    await expectSkopeoInspect(path, c.tar, built.digest);
    const raw = await skopeo(['inspect', '--raw', transport(path, c.tar)]);
    expect(raw.exitCode, describeResult(raw)).toBe(0);
    await expectSkopeoPush(path, c.tar, built.digest);
    await expectCranePush(path, c.tar, built.digest);

    const check = await ocifix(['normalize', '--check', path]);
    expect(check.exitCode, describeResult(check)).toBe(0);
    expect(check.stdout).toContain('already normal');
  });

  it('per-tag to -o: skopeo finds every tag by name; then back to single with --ref', async () => {
    const src = await copyLayout(built.path, 'pertag-src');
    const out = join(src, '..', c.tar ? 'pertag.tar' : 'pertag');
    const r = await ocifix(['normalize', '--mode', 'per-tag', '-o', out, '--json', src]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const rep = JSON.parse(r.stdout) as { changed: boolean; entriesAfter: Array<{ annotations: Record<string, string> }> };
    expect(rep.entriesAfter.map((e) => [e.annotations[R], e.annotations[C]])).toEqual(built.tags.map((t) => [t, `docker.io/library/a:${t}`]));
    // tars (any buildx) and v0.36.1 directories are already per-tag; normalizing only copies them
    expect(rep.changed).toBe((c.buildxVersion === 'v0.15.1' && !c.tar) || c.dropOciLayout === true);
    for (const t of built.tags) await expectSkopeoInspect(out, c.tar, built.digest, t);
    await expectSkopeoPush(out, c.tar, built.digest, built.tags.at(-1));

    const last = built.tags.at(-1)!;
    const s = await ocifix(['normalize', '--ref', `a:${last}`, out]);
    expect(s.exitCode, describeResult(s)).toBe(0);
    const idx = await readLayoutIndex(out);
    expect(idx.manifests).toEqual([
      expect.objectContaining({ digest: built.digest, annotations: expect.objectContaining({ [R]: last, [C]: `docker.io/library/a:${last}` }) }),
    ]);
    await expectSkopeoInspect(out, c.tar, built.digest);
    await expectSkopeoInspect(out, c.tar, built.digest, last);
    await expectCranePush(out, c.tar, built.digest);
  });
});

describe('normalize: hand-made comma-joined layout without oci-layout (mkoci.sh recipe)', () => {
  it('becomes readable by name and without a reference', async () => {
    await requireStack();
    requireBinary();
    const dir = join(workDir('norm-mkoci'), 'multi');
    const script = join(import.meta.dirname, '..', '..', 'fixtures', 'normalize', 'mkoci.sh');
    const mk = await run('bash', [script, dir]);
    expect(mk.exitCode, describeResult(mk)).toBe(0);
    const digest = mk.stdout.trim();
    expect(digest).toBe('sha256:12bf0fb2e8463a689f389934835d626b2ec90bd8ad8fc055955148039b7a34de');
    // the buildx 0.10 / BuildKit 0.11 directory shape: comma-joined ref.name, no containerd name, no oci-layout, empty ingest/
    const idx = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    idx.manifests[0].annotations = { [R]: 'docker.io/library/a:1,docker.io/library/a:2' };
    writeFileSync(join(dir, 'index.json'), JSON.stringify(idx));
    rmSync(join(dir, 'oci-layout'));
    mkdirSync(join(dir, 'ingest'));
    const no2 = await skopeo(['inspect', `oci:${dir}:2`]);
    expect(no2.stderr).toContain('no descriptor found for reference');

    const check = await ocifix(['normalize', '--check', '--mode', 'per-tag', dir]);
    expect(check.exitCode, describeResult(check)).toBe(1);
    const r = await ocifix(['normalize', '--mode', 'per-tag', dir]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    await expectSkopeoInspect(dir, false, digest, '1');
    await expectSkopeoInspect(dir, false, digest, '2');
    const single = await ocifix(['normalize', dir]);
    expect(single.exitCode, describeResult(single)).toBe(0);
    await expectSkopeoInspect(dir, false, digest);
    await expectSkopeoPush(dir, false, digest);
    await expectCranePush(dir, false, digest);
  });
});
