import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { scanTar, type TarScan } from '../../../src/layout/tar-scan.js';
import { layoutItems, makeLayout, packTar, tempDir, type TarItem } from '../../fixtures/normalize/layouts.js';

async function scanBuf(buf: Buffer): Promise<TarScan> {
  const p = join(tempDir(), 'x.tar');
  await writeFile(p, buf);
  const fh = await open(p, 'r');
  try {
    return await scanTar(fh, buf.length, 'x.tar');
  } finally {
    await fh.close();
  }
}

async function scanError(buf: Buffer): Promise<InputError> {
  try {
    await scanBuf(buf);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).exitCode).toBe(2);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

const file = (name: string, data = 'x'): TarItem => ({ name, data: Buffer.from(data) });

describe('scanTar', () => {
  it('indexes a layout tar without reading blob data', async () => {
    const { dir } = makeLayout();
    const items = layoutItems(dir);
    const buf = await packTar(items);
    const scan = await scanBuf(buf);
    expect(scan.entries.map((e) => e.name)).toEqual(items.map((i) => i.name.replace(/\/$/, '')));
    const idx = scan.byName.get('index.json')!;
    expect(buf.subarray(idx.dataOffset, idx.dataOffset + idx.size).toString()).toContain('"manifests"');
    expect(scan.end).toBe(buf.length - 1024);
    for (const e of scan.entries) expect(e.end % 512).toBe(0);
  });

  it('reads PAX long names and GNU-style ./ prefixes', async () => {
    const long = `blobs/${'d'.repeat(150)}/x`;
    const scan = await scanBuf(await packTar([file(long, 'abc'), file('./index.json', '{}')]));
    expect(scan.byName.get(long)?.size).toBe(3);
    expect(scan.byName.has('index.json')).toBe(true);
    expect(scan.entries[0]!.start).toBe(0);
    expect(scan.entries[0]!.dataOffset).toBeGreaterThan(512);
  });

  describe('data after the end-of-archive zero block (readers disagree: GNU tar stops, Go fails, tar -i reads on)', () => {
    const ZERO = Buffer.alloc(512);
    const body = async (items: TarItem[]): Promise<Buffer> => await packTar(items, { trailer: false });

    it('one zero block, then a hidden entry: refused, naming both offsets', async () => {
      const a = await body([file('index.json', '{}')]);
      const hidden = await packTar([file('blobs/sha256/hidden', 'x')]);
      const e = await scanError(Buffer.concat([a, ZERO, hidden]));
      expect(e.message).toBe(
        `x.tar: the end-of-archive zero block at offset ${a.length} is followed by more data at offset ${a.length + 512}; tar readers disagree on what such a file holds (GNU tar stops at the zero block, Go's archive/tar stops or fails with "invalid tar header", tar --ignore-zeros reads on), so refusing to read it — re-export the layout`,
      );
    });

    it('the full two-block marker, then an entry: refused', async () => {
      const a = await body([file('index.json', '{}')]);
      const e = await scanError(Buffer.concat([a, ZERO, ZERO, await packTar([file('oci-layout', '{}')])]));
      expect(e.message).toContain(`zero block at offset ${a.length} is followed by more data at offset ${a.length + 1024}`);
    });

    it('one stray non-zero byte deep in the padding: refused', async () => {
      const a = await body([file('index.json', '{}')]);
      const pad = Buffer.alloc(200 * 1024);
      pad[150_000] = 1;
      const e = await scanError(Buffer.concat([a, pad]));
      expect(e.message).toContain(`followed by more data at offset ${a.length + 150_000}`);
    });

    it('zero padding to a 10240-byte record, or a single zero block at the end, is fine', async () => {
      const a = await body([file('a'), file('b')]);
      const padded = Buffer.concat([a, Buffer.alloc(10240 - (a.length % 10240))]);
      expect((await scanBuf(padded)).entries).toHaveLength(2);
      expect((await scanBuf(Buffer.concat([a, ZERO]))).entries).toHaveLength(2);
    });
  });

  it('accepts a tar without the end-of-archive marker', async () => {
    const scan = await scanBuf(await packTar([file('a'), file('b')], { trailer: false }));
    expect(scan.entries).toHaveLength(2);
  });

  it('rejects gzip with the fix', async () => {
    const e = await scanError(gzipSync(await packTar([file('a')])));
    expect(e.message).toMatch(/x\.tar is gzip-compressed.*gunzip -c x\.tar/);
  });

  it('rejects something that is not a tar', async () => {
    expect((await scanError(Buffer.from('{"schemaVersion":2}'.padEnd(2048, ' ')))).message).toContain('not a tar archive');
    expect((await scanError(Buffer.alloc(0))).message).toContain('empty');
  });

  it.each([
    ['../evil', '".."'],
    ['blobs/../../evil', '".."'],
    ['/etc/passwd', 'absolute path'],
  ])('rejects the entry name %s', async (name, why) => {
    const e = await scanError(await packTar([file(name)]));
    expect(e.message).toContain(why);
    expect(e.message).toContain(name);
  });

  it('rejects duplicate entries (also after ./ normalization)', async () => {
    const e = await scanError(await packTar([file('index.json', '{}'), file('blobs/x'), file('./index.json', '{}')]));
    expect(e.message).toContain('duplicate entry "index.json"');
  });

  it('rejects links', async () => {
    const e = await scanError(await packTar([{ name: 'index.json', type: 'symlink', linkname: '/etc/passwd' }]));
    expect(e.message).toContain('symbolic link');
  });

  it('rejects a truncated tar at any cut inside a header or data', async () => {
    const buf = await packTar([file('blobs/sha256/a', 'x'.repeat(3000)), file('index.json', '{}')]);
    // 700/3000: inside the first entry's data; 3684/4000: inside the second header
    for (const cut of [700, 3000, 3584 + 100, 4000]) {
      const e = await scanError(buf.subarray(0, cut));
      expect(e.message).toContain('truncated');
    }
    // less than one header: not a tar at all
    expect((await scanError(buf.subarray(0, 100))).message).toContain('x.tar is not a tar archive (100 bytes, shorter than one tar header)');
  });

  it('rejects a corrupt header checksum', async () => {
    const buf = await packTar([file('a', 'x'.repeat(600)), file('b')]);
    buf[1536 + 5] = 0x41;
    expect((await scanError(buf)).message).toContain('checksum');
  });
});
