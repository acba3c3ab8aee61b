// Matrix, pitfall 3: `--output type=oci` with two -t. The directory layout's index.json is written
// by buildx's vendored BuildKit client: one entry whose ref.name is the comma-joined full names
// before buildx 0.20 (BuildKit client < 0.19), one entry per tag from 0.20 (BuildKit PR #5589).
// The tarball is written by the buildkitd: checked against BuildKit v0.32 (`single`) and v0.18
// (`single-old`). ocifix normalizes every case to one entry named after the first tag.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OciIndexJson } from '../e2e/helpers/stack.js';
import { readFileSync } from 'node:fs';
import { crane, describeResult, extractTar, fixture, readLayoutIndex, ref, requireStack, skopeo, uniqueRepo, workDir } from '../e2e/helpers/stack.js';
import { before, begin, capture, matrix, matrixVersions, notices, ocifixBuild, ok, rawBuild, record, type MatrixStack } from './helpers.js';

const TAGS = ['-t', 'ocifix-mx3:v1', '-t', 'ocifix-mx3:latest'];
const PLATFORMS = ['--platform', 'linux/amd64,linux/arm64'];
const FULL = ['docker.io/library/ocifix-mx3:v1', 'docker.io/library/ocifix-mx3:latest'];
let m: MatrixStack;

function refNames(idx: OciIndexJson): string[] {
  return idx.manifests.map((d) => d.annotations?.['org.opencontainers.image.ref.name'] ?? '');
}
function shape(idx: OciIndexJson): string {
  const names = refNames(idx);
  return idx.manifests.length === 1 ? `1 entry, ref.name "${names[0]}"` : `${idx.manifests.length} entries (ref.name ${names.join(', ')})`;
}

/** The one notice of the oci-multiple-tags fix: after the build, what the layout at `dest` became. */
function normalized(dest: string, entries: number): string {
  return `ocifix: normalized ${dest} for crane and skopeo: ${entries} index.json entries → 1 (${FULL[0]})`;
}

/** ocifix's layout must be one entry, ref.name v1, readable by skopeo without a ref and pushable by crane. */
async function expectNormalized(dir: string, v: string): Promise<void> {
  const idx = await readLayoutIndex(dir);
  expect(idx.manifests).toHaveLength(1);
  expect(refNames(idx)).toEqual(['v1']);
  expect(idx.manifests[0]!.annotations?.['io.containerd.image.name']).toBe(FULL[0]);
  const sk = await skopeo(['inspect', '--raw', `oci:${dir}`]);
  expect(sk.exitCode, describeResult(sk)).toBe(0);
  const sk1 = await skopeo(['inspect', '--raw', `oci:${dir}:v1`]);
  expect(sk1.exitCode, describeResult(sk1)).toBe(0);
  const cr = await crane(['push', dir, ref(uniqueRepo(`mx3-${v}`)), '--insecure']);
  expect(cr.exitCode, describeResult(cr)).toBe(0);
}

describe.each(matrixVersions())('pitfall 3 (type=oci, two tags), buildx %s', (v) => {
  beforeAll(async () => {
    await requireStack();
    m = matrix();
  });

  it('directory layout: comma-joined ref.name before 0.20, one entry per tag from 0.20; ocifix: one entry named v1', async () => {
    const pitfall = '3 type=oci,tar=false, 2 tags';
    begin(pitfall, v);
    const perTag = !before(v, '0.20.0');
    const rawDest = join(workDir('mx3-raw'), 'layout');
    const r = await rawBuild(v, ['--builder', 'single', ...PLATFORMS, ...TAGS, '-o', `type=oci,dest=${rawDest},tar=false`, fixture('scratch')]);
    ok(r);
    const rawIdx = await readLayoutIndex(rawDest);
    capture(v, 'p3-oci-dir-2-tags.index.json', readFileSync(join(rawDest, 'index.json'), 'utf8'));
    let raw: string;
    if (perTag) {
      expect(refNames(rawIdx)).toEqual(['v1', 'latest']);
      const sk = await skopeo(['inspect', '--raw', `oci:${rawDest}`]);
      expect(sk.stderr).toContain('more than one image in oci, choose an image');
      raw = `${shape(rawIdx)}; skopeo/crane refuse it`;
    } else {
      expect(refNames(rawIdx)).toEqual([FULL.join(',')]);
      // one entry: readable without a ref, but no entry is named v1
      const sk = await skopeo(['inspect', '--raw', `oci:${rawDest}:v1`]);
      expect(sk.exitCode, describeResult(sk)).not.toBe(0);
      raw = `${shape(rawIdx)}; oci:DIR:v1 not found`;
    }

    const dest = join(workDir('mx3-fix'), 'layout');
    const o = await ocifixBuild(v, ['--builder', 'single', ...PLATFORMS, ...TAGS, '-o', `type=oci,dest=${dest},tar=false`, fixture('scratch')]);
    ok(o);
    // nothing before the build; one line after it, from the normalize step
    expect(notices(o), describeResult(o)).toEqual([normalized(dest, perTag ? 2 : 1)]);
    await expectNormalized(dest, v);
    record({ pitfall, version: v, exists: true, raw, ocifix: '1 entry, ref.name "v1"; skopeo and crane read it' });
  });

  for (const [builder, label] of [
    ['single', 'new'],
    ['single-old', 'old'],
  ] as const) {
    it(`tarball from BuildKit ${label}: one entry per tag; ocifix: one entry named v1`, async () => {
      const bk = label === 'new' ? m.buildkitVersion : m.buildkitOldVersion;
      const pitfall = `3 type=oci tarball, 2 tags, BuildKit ${bk}`;
      begin(pitfall, v);
      const rawDest = join(workDir('mx3-rawtar'), 'out.tar');
      const r = await rawBuild(v, ['--builder', builder, ...PLATFORMS, ...TAGS, '-o', `type=oci,dest=${rawDest}`, fixture('scratch')]);
      ok(r);
      const rawIdx = await readLayoutIndex(rawDest);
      capture(v, `p3-oci-tar-2-tags-buildkit-${bk}.index.json`, `${JSON.stringify(rawIdx)}\n`);
      expect(refNames(rawIdx)).toEqual(['v1', 'latest']);
      const sk = await skopeo(['inspect', '--raw', `oci-archive:${rawDest}`]);
      expect(sk.stderr).toContain('more than one image in oci, choose an image');

      const dest = join(workDir('mx3-fixtar'), 'out.tar');
      const o = await ocifixBuild(v, ['--builder', builder, ...PLATFORMS, ...TAGS, '-o', `type=oci,dest=${dest}`, fixture('scratch')]);
      ok(o);
      expect(notices(o), describeResult(o)).toEqual([normalized(dest, 2)]);
      await expectNormalized(await extractTar(dest), v);
      record({
        pitfall,
        version: v,
        exists: true,
        raw: `${shape(rawIdx)}; skopeo/crane refuse it`,
        ocifix: '1 entry, ref.name "v1"; skopeo and crane read it',
      });
    });
  }
});
