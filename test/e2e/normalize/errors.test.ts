// The built binary on bad and refused input: exit codes, one clear line on stderr, nothing modified.
import { readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, requireStack, skopeo, workDir } from '../helpers/stack.js';
import {
  layoutItems,
  makeImage,
  makeLayout,
  packTar,
  perTagEntries,
  snapshot,
  tarLayout,
  writeIndex,
  writeOciLayout,
} from '../../fixtures/normalize/layouts.js';
import { BIN, ocifix, requireBinary } from './helpers.js';

type Maker = () => Promise<string>;

/** One ustar entry (header + padded data), no end-of-archive marker. */
function tarEntry(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const hdr = Buffer.alloc(512);
  hdr.write(name, 0);
  hdr.write('0000644\0', 100);
  hdr.write('0000000\0', 108);
  hdr.write('0000000\0', 116);
  hdr.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  hdr.write('00000000000\0', 136);
  hdr.write('        ', 148);
  hdr.write('0', 156);
  hdr.write('ustar\0', 257);
  hdr.write('00', 263);
  let sum = 0;
  for (const b of hdr) sum += b;
  hdr.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([hdr, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

const dirLayout =
  (mutate: (dir: string) => void): Maker =>
  async () => {
    const { dir } = makeLayout({}, join(workDir('norm-bad'), 'layout'));
    mutate(dir);
    return dir;
  };
const tarLayoutWith =
  (mutate: (items: ReturnType<typeof layoutItems>) => void, post?: (buf: Buffer) => Buffer): Maker =>
  async () => {
    const { dir } = makeLayout({}, join(workDir('norm-bad'), 'layout'));
    const items = layoutItems(dir);
    mutate(items);
    let buf = await packTar(items);
    if (post) buf = post(buf);
    const p = join(dir, '..', 'bad.tar');
    writeFileSync(p, buf);
    return p;
  };

const BAD: Array<[string, Maker, RegExp]> = [
  ['malformed index.json', dirLayout((d) => writeFileSync(join(d, 'index.json'), '{"schemaVersion":2,"manifests":[')), /layout\/index\.json is not valid JSON/],
  ['no index.json', dirLayout((d) => rmSync(join(d, 'index.json'))), /layout\/index\.json not found/],
  ['unknown oci-layout version', dirLayout((d) => writeOciLayout(d, '{"imageLayoutVersion":"1.1.0"}')), /oci-layout: unknown imageLayoutVersion "1\.1\.0"/],
  [
    'missing blob',
    dirLayout((d) => {
      const idx = JSON.parse(readFileSync(join(d, 'index.json'), 'utf8'));
      rmSync(join(d, 'blobs/sha256', idx.manifests[0].digest.slice(7)));
    }),
    /blobs\/sha256\/[0-9a-f]{64} is missing/,
  ],
  [
    'index.json symlinked outside the layout',
    dirLayout((d) => {
      const outside = join(d, '..', 'elsewhere.json');
      writeFileSync(outside, readFileSync(join(d, 'index.json')));
      rmSync(join(d, 'index.json'));
      symlinkSync(outside, join(d, 'index.json'));
    }),
    /index\.json is a symbolic link to .*, outside the layout/,
  ],
  ['huge index.json', dirLayout((d) => truncateSync(join(d, 'index.json'), 20 * 1024 * 1024)), /over the 16 MiB limit/],
  [
    'tar entry with ..',
    tarLayoutWith((i) => i.unshift({ name: 'blobs/../../x', data: Buffer.from('x') })),
    /bad\.tar: entry "blobs\/\.\.\/\.\.\/x" contains "\.\."/,
  ],
  ['tar entry with an absolute path', tarLayoutWith((i) => i.push({ name: '/tmp/x', data: Buffer.from('x') })), /absolute path/],
  ['duplicate tar entries', tarLayoutWith((i) => i.push({ ...i.find((x) => x.name === 'index.json')! })), /duplicate entry "index\.json"/],
  [
    'truncated tar',
    tarLayoutWith(
      () => undefined,
      (b) => b.subarray(0, b.length - 2048 - 100),
    ),
    /truncated/,
  ],
  [
    'gzip-compressed tar',
    tarLayoutWith(
      () => undefined,
      (b) => gzipSync(b),
    ),
    /gzip-compressed; .* gunzip -c/,
  ],
  [
    'not a tar',
    tarLayoutWith(
      () => undefined,
      () => Buffer.from('hello world\n'.repeat(100)),
    ),
    /not a tar archive/,
  ],
  [
    'index.json nested 100000 levels deep (was: internal error, Maximum call stack size exceeded)',
    dirLayout((d) => {
      const idx = readFileSync(join(d, 'index.json'), 'utf8');
      writeFileSync(join(d, 'index.json'), `${idx.slice(0, -1)},"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    }),
    /layout\/index\.json nests arrays or objects more than 512 levels deep \(at offset \d+\); a real index\.json is a few levels deep, so it is corrupt or hostile — refusing to read it/,
  ],
  [
    'an entry hidden after one end-of-archive zero block (was: rewritten without it, exit 0)',
    tarLayoutWith(
      () => undefined,
      (b) =>
        Buffer.concat([
          b.subarray(0, b.length - 1024),
          Buffer.alloc(512),
          tarEntry('blobs/sha256/hidden', 'seen by tar --ignore-zeros only'),
          Buffer.alloc(1024),
        ]),
    ),
    /bad\.tar: the end-of-archive zero block at offset \d+ is followed by more data at offset \d+; tar readers disagree on what such a file holds \(GNU tar stops at the zero block, Go's archive\/tar stops or fails with "invalid tar header", tar --ignore-zeros reads on\), so refusing to read it — re-export the layout/,
  ],
];

describe('normalize with the built binary: bad input', () => {
  beforeAll(async () => {
    await requireStack();
    requireBinary();
  });

  it.each(BAD)('%s: exit 2, one clear line, nothing modified', async (_name, make, re) => {
    const path = await make();
    const before = snapshot(path);
    const r = await ocifix(['normalize', path]);
    expect(r.exitCode, describeResult(r)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^docker ocifix: /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot(path)).toEqual(before);
  });

  it('different images: exit 1 with a listing, nothing written; --ref chooses', async () => {
    const dir = join(workDir('norm-two'), 'layout');
    const a = makeImage(dir, { seed: 'a' });
    const b = makeImage(dir, { seed: 'b' });
    writeIndex(dir, [...perTagEntries(a, ['docker.io/library/a:1', 'docker.io/library/a:2']), ...perTagEntries(b, ['docker.io/library/b:1'])]);
    writeOciLayout(dir);
    const before = snapshot(dir);
    const r = await ocifix(['normalize', dir]);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain('holds 2 different images');
    expect(r.stderr).toContain(`${a.digest} (application/vnd.oci.image.index.v1+json, ${a.size} bytes): docker.io/library/a:1, docker.io/library/a:2`);
    expect(r.stderr).toContain('docker.io/library/b:1');
    expect(snapshot(dir)).toEqual(before);

    const ok = await ocifix(['normalize', '--ref', 'b:1', dir]);
    expect(ok.exitCode, describeResult(ok)).toBe(0);
    expect(ok.stdout).toContain(`drop ${a.digest} (docker.io/library/a:1, docker.io/library/a:2)`);
    const sk = await skopeo(['inspect', `oci:${dir}`]);
    expect(sk.exitCode, describeResult(sk)).toBe(0);
    expect(JSON.parse(sk.stdout).Digest).toBe(b.digest);
  });

  it('--check on a tar: exit 1 and the plan, file untouched; --dry-run --json writes nothing', async () => {
    const { dir } = makeLayout({}, join(workDir('norm-check'), 'layout'));
    const tar = join(dir, '..', 'x.tar');
    await tarLayout(dir, tar);
    const before = snapshot(tar);
    const c = await ocifix(['normalize', '--check', tar]);
    expect(c.exitCode, describeResult(c)).toBe(1);
    expect(c.stdout).toContain('merge 2 entries');
    const d = await ocifix(['normalize', '--dry-run', '--json', tar]);
    expect(d.exitCode, describeResult(d)).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({ kind: 'tar', changed: true, written: false });
    expect(snapshot(tar)).toEqual(before);
  });

  it('usage errors exit 125; --help documents the command', async () => {
    expect((await ocifix(['normalize', '--mode', 'both', '/nonexistent'])).exitCode).toBe(125);
    const h = await ocifix(['normalize', '--help']);
    expect(h.exitCode, describeResult(h)).toBe(0);
    expect(h.stdout).toContain('--mode');
    expect(h.stdout).toContain('per-tag');
    expect(h.stdout).toContain('normalize out.tar -o fixed.tar');
    expect(BIN).toMatch(/dist\/docker-ocifix$/);
  });
});
