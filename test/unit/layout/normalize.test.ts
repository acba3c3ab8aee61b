import { chmodSync, chownSync, existsSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError, OcifixError, UsageError } from '../../../src/errors.js';
import { normalizeLayout, type NormalizeOptions } from '../../../src/layout/normalize.js';
import { scanTar } from '../../../src/layout/tar-scan.js';
import {
  layoutItems,
  makeImage,
  makeLayout,
  packTar,
  perTagEntries,
  readIndex,
  snapshot,
  tarLayout,
  tempDir,
  writeIndex,
  writeOciLayout,
} from '../../fixtures/normalize/layouts.js';

const R = 'org.opencontainers.image.ref.name';
const C = 'io.containerd.image.name';
const OCI_LAYOUT = '{"imageLayoutVersion":"1.0.0"}';

async function readTar(path: string): Promise<Map<string, Buffer>> {
  const fh = await open(path, 'r');
  try {
    const scan = await scanTar(fh, (await fh.stat()).size, path);
    const out = new Map<string, Buffer>();
    const buf = readFileSync(path);
    for (const e of scan.entries) if (e.type === 'file') out.set(e.name, buf.subarray(e.dataOffset, e.dataOffset + e.size));
    return out;
  } finally {
    await fh.close();
  }
}

async function expectError<T extends OcifixError>(p: Promise<unknown>, type: new (...a: never[]) => T, code: number, re: RegExp): Promise<T> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    expect((e as OcifixError).exitCode).toBe(code);
    expect((e as Error).message).toMatch(re);
    return e as T;
  }
  throw new Error('expected an error');
}

/** Run normalize expecting an InputError; the input must be byte-identical afterwards. */
async function expectBadInput(path: string, re: RegExp, opts: NormalizeOptions = {}): Promise<void> {
  const before = snapshot(path);
  await expectError(normalizeLayout(path, opts), InputError, 2, re);
  expect(snapshot(path)).toEqual(before);
}

describe('directory layouts', () => {
  it('per-tag (buildx ≥ 0.20) → single, in place: only index.json changes', async () => {
    const { dir, image } = makeLayout({ names: ['docker.io/library/a:1', 'docker.io/library/a:2'] });
    const before = snapshot(dir);
    const r = await normalizeLayout(dir);
    expect(r).toMatchObject({ kind: 'directory', changed: true, written: true, inPlace: true, keptRef: { refName: '1', imageName: 'docker.io/library/a:1' } });
    expect(r.entriesBefore).toHaveLength(2);
    expect(r.entriesAfter).toHaveLength(1);
    const after = snapshot(dir);
    const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
    expect(changed).toEqual(['index.json']);
    const idx = readIndex(dir);
    expect(idx.manifests).toHaveLength(1);
    expect(idx.manifests[0]).toMatchObject({ mediaType: image.mediaType, digest: image.digest, size: image.size });
    expect(idx.manifests[0]!.annotations).toMatchObject({ [R]: '1', [C]: 'docker.io/library/a:1' });
    expect(readdirSync(dir).filter((n) => n.includes('ocifix'))).toEqual([]);
    // idempotent
    const again = await normalizeLayout(dir);
    expect(again).toMatchObject({ changed: false, written: false });
  });

  it('comma-joined without oci-layout (buildx ≤ 0.19): writes oci-layout, leaves the empty ingest/ alone', async () => {
    const { dir } = makeLayout({ shape: 'comma', names: ['docker.io/library/a:1', 'docker.io/library/a:2'] });
    expect(existsSync(join(dir, 'oci-layout'))).toBe(false);
    const r = await normalizeLayout(dir, { mode: 'per-tag' });
    expect(r.changes.map((c) => c.kind)).toEqual(['write-oci-layout', 'split-comma-ref', 'split-per-tag']);
    expect(readFileSync(join(dir, 'oci-layout'), 'utf8')).toBe(OCI_LAYOUT);
    expect(statSync(join(dir, 'ingest')).isDirectory()).toBe(true);
    expect(readIndex(dir).manifests.map((m) => [m.annotations?.[R], m.annotations?.[C]])).toEqual([
      ['1', 'docker.io/library/a:1'],
      ['2', 'docker.io/library/a:2'],
    ]);
    // per-tag → single → per-tag
    await normalizeLayout(dir, { mode: 'single', ref: '2' });
    expect(readIndex(dir).manifests.map((m) => m.annotations?.[R])).toEqual(['2']);
    await normalizeLayout(dir, { mode: 'per-tag' });
    expect(readIndex(dir).manifests.map((m) => m.annotations?.[R])).toEqual(['2']);
  });

  it('an already normal layout is not touched (not even rewritten)', async () => {
    const { dir } = makeLayout({ shape: 'plain' });
    const mtime = statSync(join(dir, 'index.json')).mtimeMs;
    const r = await normalizeLayout(dir);
    expect(r).toMatchObject({ changed: false, written: false, changes: [] });
    expect(statSync(join(dir, 'index.json')).mtimeMs).toBe(mtime);
  });

  it('--check and --dry-run report the plan and write nothing', async () => {
    const { dir } = makeLayout({ shape: 'comma' });
    const before = snapshot(dir);
    expect(await normalizeLayout(dir, { check: true })).toMatchObject({ changed: true, written: false, check: true });
    expect(await normalizeLayout(dir, { dryRun: true })).toMatchObject({ changed: true, written: false, dryRun: true });
    expect(snapshot(dir)).toEqual(before);
  });

  it('-o writes a complete normalized copy; the input is unchanged', async () => {
    const { dir } = makeLayout({ attest: true });
    const before = snapshot(dir);
    const out = join(tempDir(), 'nested', 'out');
    const r = await normalizeLayout(dir, { output: out });
    expect(r).toMatchObject({ written: true, inPlace: false, output: out });
    expect(snapshot(dir)).toEqual(before);
    const copy = snapshot(out);
    for (const k of Object.keys(before)) if (k !== 'index.json') expect(copy[k]).toBe(before[k]);
    expect(readIndex(out).manifests).toHaveLength(1);
    expect((await normalizeLayout(out, { check: true })).changed).toBe(false);
    expect(readdirSync(join(out, '..')).filter((n) => n.includes('ocifix'))).toEqual([]);
  });

  it('-o onto an existing non-empty directory is a usage error; an empty one is fine', async () => {
    const { dir } = makeLayout();
    const busy = tempDir();
    writeFileSync(join(busy, 'x'), 'x');
    await expectError(normalizeLayout(dir, { output: busy }), UsageError, 125, /not empty/);
    const empty = tempDir();
    await normalizeLayout(dir, { output: empty });
    expect(existsSync(join(empty, 'oci-layout'))).toBe(true);
  });

  it('-o naming the input itself means in place', async () => {
    const { dir } = makeLayout();
    const r = await normalizeLayout(dir, { output: dir });
    expect(r.inPlace).toBe(true);
    expect(readIndex(dir).manifests).toHaveLength(1);
  });

  it('removes temporaries left by a killed run', async () => {
    const { dir } = makeLayout();
    writeFileSync(join(dir, '.index.json.ocifix-999999999-deadbeef.tmp'), 'partial');
    writeFileSync(join(dir, '.unrelated.tmp'), 'x');
    await normalizeLayout(dir);
    expect(readdirSync(dir).sort()).toEqual(['.unrelated.tmp', 'blobs', 'index.json', 'oci-layout']);
  });

  it('a symlinked index.json inside the layout is fine', async () => {
    const { dir } = makeLayout();
    writeFileSync(join(dir, 'real-index.json'), readFileSync(join(dir, 'index.json')));
    const p = join(dir, 'index.json');
    rmSync(p);
    symlinkSync('real-index.json', p);
    const r = await normalizeLayout(dir);
    expect(r.entriesAfter).toHaveLength(1);
  });
});

describe('different images', () => {
  function twoImages(): string {
    const dir = tempDir();
    const a = makeImage(dir, { seed: 'a' });
    const b = makeImage(dir, { seed: 'b' });
    writeIndex(dir, [...perTagEntries(a, ['docker.io/library/a:1', 'docker.io/library/a:2']), ...perTagEntries(b, ['docker.io/library/b:1'])]);
    writeOciLayout(dir);
    return dir;
  }
  it('are refused (exit 1) and nothing is written', async () => {
    const dir = twoImages();
    const before = snapshot(dir);
    await expectError(normalizeLayout(dir), OcifixError, 1, /2 different images[\s\S]*docker\.io\/library\/b:1[\s\S]*--ref/);
    expect(snapshot(dir)).toEqual(before);
  });
  it('--ref chooses one and reports the dropped one', async () => {
    const dir = twoImages();
    const r = await normalizeLayout(dir, { ref: 'b:1' });
    expect(r.dropped.map((d) => d.names)).toEqual([['docker.io/library/a:1', 'docker.io/library/a:2']]);
    expect(readIndex(dir).manifests.map((m) => m.annotations?.[C])).toEqual(['docker.io/library/b:1']);
  });
});

describe('bad directory layouts: exit 2, nothing modified', () => {
  it('no index.json', async () => {
    const { dir } = makeLayout();
    rmSync(join(dir, 'index.json'));
    await expectBadInput(dir, /index\.json not found: .* is not an OCI image layout/);
  });
  it('malformed index.json', async () => {
    const { dir } = makeLayout();
    writeFileSync(join(dir, 'index.json'), '{"schemaVersion":2,');
    await expectBadInput(dir, /index\.json is not valid JSON/);
  });
  it.each([
    ['schemaVersion', '{"schemaVersion":1,"manifests":[]}', /schemaVersion.*must be 2/],
    ['manifests', '{"schemaVersion":2}', /no "manifests" array/],
    ['digest', '{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:abc","size":1}]}', /manifests\[0\].*not a valid sha256 digest/],
    ['size', `{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:${'a'.repeat(64)}","size":-1}]}`, /manifests\[0\] has no valid "size"/],
    [
      'mediaType',
      '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]}',
      /must be "application\/vnd\.oci\.image\.index\.v1\+json"/,
    ],
  ])('invalid index.json (%s)', async (_n, text, re) => {
    const { dir } = makeLayout();
    writeFileSync(join(dir, 'index.json'), text);
    await expectBadInput(dir, re);
  });
  it('unknown imageLayoutVersion', async () => {
    const { dir } = makeLayout();
    writeOciLayout(dir, '{"imageLayoutVersion":"2.0.0"}');
    await expectBadInput(dir, /oci-layout: unknown imageLayoutVersion "2\.0\.0"/);
  });
  it('malformed oci-layout', async () => {
    const { dir } = makeLayout();
    writeOciLayout(dir, 'nope');
    await expectBadInput(dir, /oci-layout is not valid JSON/);
  });
  it('missing image index blob', async () => {
    const { dir, image } = makeLayout();
    rmSync(join(dir, 'blobs/sha256', image.digest.slice(7)));
    await expectBadInput(dir, new RegExp(`blobs/sha256/${image.digest.slice(7)} is missing`));
  });
  it('missing layer blob (found by following the index and manifests)', async () => {
    const { dir, image } = makeLayout();
    const idx = JSON.parse(readFileSync(join(dir, 'blobs/sha256', image.digest.slice(7)), 'utf8'));
    const man = JSON.parse(readFileSync(join(dir, 'blobs/sha256', idx.manifests[1].digest.slice(7)), 'utf8'));
    rmSync(join(dir, 'blobs/sha256', man.layers[0].digest.slice(7)));
    await expectBadInput(dir, new RegExp(`${man.layers[0].digest.slice(7)} is missing \\(referenced by .*${idx.manifests[1].digest.slice(7)}\\)`));
  });
  it('blob with the wrong size', async () => {
    const { dir, image } = makeLayout();
    const idx = JSON.parse(readFileSync(join(dir, 'blobs/sha256', image.digest.slice(7)), 'utf8'));
    const man = JSON.parse(readFileSync(join(dir, 'blobs/sha256', idx.manifests[0].digest.slice(7)), 'utf8'));
    truncateSync(join(dir, 'blobs/sha256', man.config.digest.slice(7)), 3);
    await expectBadInput(dir, /is 3 bytes but .* says \d+/);
  });
  it('--verify-blobs catches same-size corruption', async () => {
    const { dir, image } = makeLayout();
    const idx = JSON.parse(readFileSync(join(dir, 'blobs/sha256', image.digest.slice(7)), 'utf8'));
    const man = JSON.parse(readFileSync(join(dir, 'blobs/sha256', idx.manifests[0].digest.slice(7)), 'utf8'));
    const p = join(dir, 'blobs/sha256', man.layers[0].digest.slice(7));
    const b = readFileSync(p);
    b[b.length - 1] = b[b.length - 1]! ^ 0xff;
    writeFileSync(p, b);
    expect((await normalizeLayout(dir, { check: true })).changed).toBe(true);
    await expectBadInput(dir, /does not match its digest/, { verifyBlobs: true });
  });
  it('--verify-blobs on a good layout hashes every blob', async () => {
    const { dir } = makeLayout({ attest: true });
    const r = await normalizeLayout(dir, { verifyBlobs: true, check: true });
    // index + 2×(manifest, config, layer) + 2×(attestation manifest, config, statement)
    expect(r.blobs).toMatchObject({ checked: 13, hashed: 13 });
  });
  it('index.json symlinked outside the layout', async () => {
    const { dir } = makeLayout();
    const outside = join(tempDir(), 'index.json');
    writeFileSync(outside, readFileSync(join(dir, 'index.json')));
    rmSync(join(dir, 'index.json'));
    symlinkSync(outside, join(dir, 'index.json'));
    const before = readFileSync(outside);
    await expectBadInput(dir, /index\.json is a symbolic link to .*, outside the layout/);
    expect(readFileSync(outside)).toEqual(before);
  });
  it('deeply nested index.json: refused before anything recurses (arrays and objects, any depth)', async () => {
    for (const [open, close] of [
      ['[', ']'],
      ['{"a":', '}'],
    ] as const) {
      for (const depth of [513, 5000, 1_000_000]) {
        const { dir } = makeLayout();
        const idx = readFileSync(join(dir, 'index.json'), 'utf8');
        writeFileSync(join(dir, 'index.json'), `${idx.slice(0, -1)},"x":${open.repeat(depth)}1${close.repeat(depth)}}`);
        await expectBadInput(dir, /index\.json nests arrays or objects more than 512 levels deep \(at offset \d+\); a real index\.json is a few levels deep/);
      }
    }
  });
  it('512 levels of nesting are still read, rewritten and kept', async () => {
    const { dir } = makeLayout();
    const idx = readFileSync(join(dir, 'index.json'), 'utf8');
    // the top-level object is level 1
    writeFileSync(join(dir, 'index.json'), `${idx.slice(0, -1)},"x":${'['.repeat(511)}"[{"${']'.repeat(511)}}`);
    await normalizeLayout(dir);
    const after = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { x: unknown; manifests: unknown[] };
    expect(after.manifests).toHaveLength(1);
    expect(JSON.stringify(after.x)).toBe(`${'['.repeat(511)}"[{"${']'.repeat(511)}`);
  });
  it('huge index.json', async () => {
    const { dir } = makeLayout();
    truncateSync(join(dir, 'index.json'), 17 * 1024 * 1024);
    await expectBadInput(dir, /index\.json is 17825792 bytes, over the 16 MiB limit/);
  });
  it('not a layout at all', async () => {
    await expectError(normalizeLayout(join(tempDir(), 'nope')), InputError, 2, /no such file or directory/);
  });
});

describe('tar layouts', () => {
  for (const first of ['blobs', 'meta'] as const) {
    it(`in place (${first} first): blobs byte-identical, new index.json, idempotent`, async () => {
      const { dir } = makeLayout({ attest: true, names: ['docker.io/library/a:1', 'docker.io/library/a:2', 'docker.io/library/a:3'] });
      const tar = join(tempDir(), 'out.tar');
      await tarLayout(dir, tar, first);
      const before = await readTar(tar);
      const r = await normalizeLayout(tar);
      expect(r).toMatchObject({ kind: 'tar', changed: true, written: true, keptRef: { refName: '1' } });
      const after = await readTar(tar);
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      for (const [k, v] of before) if (k !== 'index.json') expect(after.get(k)).toEqual(v);
      expect(JSON.parse(after.get('index.json')!.toString()).manifests).toHaveLength(1);
      expect(readdirSync(join(tar, '..'))).toEqual(['out.tar']);
      expect(await normalizeLayout(tar)).toMatchObject({ changed: false, written: false });
    });
  }

  it('adds oci-layout to a tar that lacks it; -o leaves the input alone', async () => {
    const { dir } = makeLayout({ shape: 'comma' });
    const tar = join(tempDir(), 'in.tar');
    await tarLayout(dir, tar);
    const before = snapshot(tar);
    const out = join(tempDir(), 'fixed.tar');
    const r = await normalizeLayout(tar, { output: out, mode: 'per-tag' });
    expect(r.changes[0]!.kind).toBe('write-oci-layout');
    expect(snapshot(tar)).toEqual(before);
    const files = await readTar(out);
    expect(files.get('oci-layout')!.toString()).toBe(OCI_LAYOUT);
    expect(JSON.parse(files.get('index.json')!.toString()).manifests).toHaveLength(2);
  });

  it('only what changes is rewritten: a missing oci-layout is appended after the untouched entries', async () => {
    const { dir } = makeLayout({ shape: 'plain', ociLayout: false });
    const tar = join(tempDir(), 'in.tar');
    await tarLayout(dir, tar);
    const before = readFileSync(tar);
    const r = await normalizeLayout(tar);
    expect(r.changes.map((c) => c.kind)).toEqual(['write-oci-layout']);
    const after = readFileSync(tar);
    const files = await readTar(tar);
    expect(files.get('oci-layout')!.toString()).toBe(OCI_LAYOUT);
    // everything but the end-of-archive marker is kept byte for byte, in place
    expect(after.subarray(0, before.length - 1024)).toEqual(before.subarray(0, before.length - 1024));
  });

  it('an unchanged oci-layout entry stays where it is', async () => {
    const { dir } = makeLayout();
    const items = layoutItems(dir, 'blobs');
    const lay = items.splice(
      items.findIndex((i) => i.name === 'oci-layout'),
      1,
    );
    const tar = join(tempDir(), 'in.tar');
    writeFileSync(tar, await packTar([...lay, ...items]));
    const before = readFileSync(tar);
    await normalizeLayout(tar);
    const after = readFileSync(tar);
    expect(after.subarray(0, 1024)).toEqual(before.subarray(0, 1024));
    const fh = await open(tar, 'r');
    const scan = await scanTar(fh, after.length, tar);
    await fh.close();
    expect(scan.entries.map((e) => e.name).at(0)).toBe('oci-layout');
    expect(scan.entries.map((e) => e.name).at(-1)).toBe('index.json');
  });

  it('-o of an already normal tar writes an identical copy', async () => {
    const { dir } = makeLayout({ shape: 'plain' });
    const tar = join(tempDir(), 'in.tar');
    await tarLayout(dir, tar);
    const out = join(tempDir(), 'copy.tar');
    const r = await normalizeLayout(tar, { output: out });
    expect(r).toMatchObject({ changed: false, written: true });
    expect(readFileSync(out)).toEqual(readFileSync(tar));
  });

  it('a tar -o onto a directory is a usage error', async () => {
    const { dir } = makeLayout();
    const tar = join(tempDir(), 'in.tar');
    await tarLayout(dir, tar);
    await expectError(normalizeLayout(tar, { output: tempDir() }), UsageError, 125, /not a regular file/);
  });

  async function badTar(mutate: (items: ReturnType<typeof layoutItems>) => void, opts: { trailer?: boolean } = {}): Promise<string> {
    const { dir } = makeLayout();
    const items = layoutItems(dir);
    mutate(items);
    const tar = join(tempDir(), 'bad.tar');
    writeFileSync(tar, await packTar(items, opts));
    return tar;
  }

  it('entry with ..', async () => {
    await expectBadInput(await badTar((i) => i.push({ name: '../escape', data: Buffer.from('x') })), /bad\.tar: entry "\.\.\/escape" contains "\.\."/);
  });
  it('absolute entry', async () => {
    await expectBadInput(await badTar((i) => i.push({ name: '/etc/x', data: Buffer.from('x') })), /absolute path/);
  });
  it('duplicate entry', async () => {
    await expectBadInput(await badTar((i) => i.push({ name: 'index.json', data: Buffer.from('{}') })), /duplicate entry "index\.json"/);
  });
  it('truncated tar', async () => {
    const tar = await badTar(() => undefined);
    const buf = readFileSync(tar);
    writeFileSync(tar, buf.subarray(0, Math.floor(buf.length / 2) + 7));
    await expectBadInput(tar, /truncated/);
  });
  it('gzip-compressed tar', async () => {
    const tar = await badTar(() => undefined);
    writeFileSync(tar, gzipSync(readFileSync(tar)));
    await expectBadInput(tar, /gzip-compressed/);
  });
  it('huge index.json in a tar', async () => {
    await expectBadInput(
      await badTar((items) => {
        const i = items.find((x) => x.name === 'index.json')!;
        i.data = Buffer.alloc(17 * 1024 * 1024, 0x20);
      }),
      /bad\.tar:index\.json is 17825792 bytes, over the 16 MiB limit/,
    );
  });
  it('missing blob in a tar', async () => {
    await expectBadInput(
      await badTar((items) => {
        const k = items.findIndex((x) => x.name.startsWith('blobs/sha256/') && x.data?.[0] === 0x1f); // a gzip layer
        expect(k).toBeGreaterThan(0);
        items.splice(k, 1);
      }),
      /bad\.tar:blobs\/sha256\/[0-9a-f]{64} is missing/,
    );
  });
  it('no index.json in a tar', async () => {
    await expectBadInput(
      await badTar((items) =>
        items.splice(
          items.findIndex((x) => x.name === 'index.json'),
          1,
        ),
      ),
      /bad\.tar has no index\.json/,
    );
  });
  it('an entry hidden after an end-of-archive zero block', async () => {
    const { dir } = makeLayout();
    const tar = join(tempDir(), 'bad.tar');
    const hidden = await packTar([{ name: 'blobs/sha256/hidden', data: Buffer.from('not seen by GNU tar') }]);
    writeFileSync(tar, Buffer.concat([await packTar(layoutItems(dir), { trailer: false }), Buffer.alloc(512), hidden]));
    await expectBadInput(tar, /bad\.tar: the end-of-archive zero block at offset \d+ is followed by more data at offset \d+; tar readers disagree/);
  });
  it('unknown oci-layout version in a tar', async () => {
    await expectBadInput(
      await badTar((items) => {
        items.find((x) => x.name === 'oci-layout')!.data = Buffer.from('{"imageLayoutVersion":"9"}');
      }),
      /bad\.tar:oci-layout: unknown imageLayoutVersion "9"/,
    );
  });
});

describe('modes and owners are kept (cp -p), never widened', () => {
  const mode = (p: string): number => statSync(p).mode & 0o7777;
  const owner = (p: string): string => `${statSync(p).uid}:${statSync(p).gid}`;
  const root = process.getuid?.() === 0;

  it('in place, directory: a 0600 index.json stays 0600; a missing oci-layout is created like index.json', async () => {
    const { dir } = makeLayout({ shape: 'comma' });
    chmodSync(join(dir, 'index.json'), 0o600);
    await normalizeLayout(dir);
    expect(mode(join(dir, 'index.json'))).toBe(0o600);
    expect(mode(join(dir, 'oci-layout'))).toBe(0o600);
    // index.json at 0640 beside an existing (so untouched) oci-layout at 0444
    const b = makeLayout().dir;
    chmodSync(join(b, 'index.json'), 0o640);
    chmodSync(join(b, 'oci-layout'), 0o444);
    await normalizeLayout(b);
    expect([mode(join(b, 'index.json')), mode(join(b, 'oci-layout'))]).toEqual([0o640, 0o444]);
  });

  for (const first of ['blobs', 'meta'] as const) {
    it(`in place and -o, tar (${first} first): a 0600 tar stays 0600, its copy is 0600`, async () => {
      const { dir } = makeLayout();
      const tar = join(tempDir(), 'in.tar');
      await tarLayout(dir, tar, first);
      chmodSync(tar, 0o600);
      const out = join(tempDir(), 'out.tar');
      await normalizeLayout(tar, { output: out });
      await normalizeLayout(tar);
      expect(mode(tar)).toBe(0o600);
      expect(mode(out)).toBe(0o600);
      // an already normal tar copied with -o as well
      const copy = join(tempDir(), 'copy.tar');
      await normalizeLayout(tar, { output: copy });
      expect(mode(copy)).toBe(0o600);
    });
  }

  it('-o of a 0700 directory: the copy is 0700, and every file and subdirectory keeps its mode', async () => {
    const { dir } = makeLayout({ attest: true });
    chmodSync(dir, 0o700);
    chmodSync(join(dir, 'index.json'), 0o600);
    chmodSync(join(dir, 'blobs'), 0o750);
    const blob = readdirSync(join(dir, 'blobs', 'sha256'))[0]!;
    chmodSync(join(dir, 'blobs', 'sha256', blob), 0o400);
    const before = snapshot(dir);
    const out = join(tempDir(), 'out');
    await normalizeLayout(dir, { output: out });
    const copy = snapshot(out);
    expect(copy['./']).toBe(before['./']);
    expect(copy['./']).toMatch(/^dir 700 /);
    for (const k of Object.keys(before)) if (k !== 'index.json') expect(copy[k], k).toBe(before[k]);
    expect(mode(join(out, 'index.json'))).toBe(0o600);
    expect(mode(join(out, 'oci-layout'))).toBe(mode(join(dir, 'oci-layout')));
  });

  it.runIf(root)('as root: the owner of a rewritten index.json, tar and -o copy is kept', async () => {
    const { dir } = makeLayout({ shape: 'comma' });
    chownSync(join(dir, 'index.json'), 1234, 2345);
    const out = join(tempDir(), 'out');
    await normalizeLayout(dir, { output: out });
    await normalizeLayout(dir);
    expect(owner(join(dir, 'index.json'))).toBe('1234:2345');
    expect(owner(join(dir, 'oci-layout'))).toBe('1234:2345');
    expect(owner(join(out, 'index.json'))).toBe('1234:2345');
    const tar = join(tempDir(), 'in.tar');
    await tarLayout(makeLayout().dir, tar);
    chownSync(tar, 1234, 2345);
    chmodSync(tar, 0o640);
    const r = await normalizeLayout(tar);
    expect(r.warnings).toEqual([]);
    expect([owner(tar), mode(tar)]).toEqual(['1234:2345', 0o640]);
  });
});

describe('usage errors', () => {
  it('bad --ref and --mode', async () => {
    const { dir } = makeLayout();
    await expectError(normalizeLayout(dir, { ref: 'a,b' }), UsageError, 125, /--ref "a,b" holds a comma/);
    await expectError(normalizeLayout(dir, { mode: 'x' as never }), UsageError, 125, /--mode x/);
  });
});
