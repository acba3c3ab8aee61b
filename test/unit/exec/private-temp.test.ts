import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../../src/errors.js';
import { makePrivateTempDir } from '../../../src/exec/private-temp.js';

describe('makePrivateTempDir', () => {
  let saved: string | undefined;
  let base: string;
  beforeEach(() => {
    saved = process.env['TMPDIR'];
    base = mkdtempSync(join(tmpdir(), 'ocifix-pt-'));
    process.env['TMPDIR'] = base;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = saved;
    rmSync(base, { recursive: true, force: true });
  });

  it('is a fresh 0700 directory under TMPDIR, whatever the umask; remove() takes it and its files, twice is fine', async () => {
    const old = process.umask(0);
    let t;
    try {
      t = await makePrivateTempDir();
    } finally {
      process.umask(old);
    }
    expect(dirname(t.path)).toBe(base);
    expect(t.path).toMatch(/\/docker-ocifix-[A-Za-z0-9]{6}$/);
    expect(statSync(t.path).mode & 0o7777).toBe(0o700);
    writeFileSync(join(t.path, 'metadata.json'), '{}');
    await t.remove();
    expect(existsSync(t.path)).toBe(false);
    await t.remove();
    const other = await makePrivateTempDir();
    expect(other.path).not.toBe(t.path);
    await other.remove();
  });

  it('an unusable TMPDIR is one line naming it and the fix, exit 2', async () => {
    process.env['TMPDIR'] = join(base, 'missing');
    const e = await makePrivateTempDir().catch((error: unknown) => error);
    expect(e).toBeInstanceOf(EnvironmentError);
    expect((e as EnvironmentError).exitCode).toBe(2);
    expect((e as Error).message).toBe(
      `cannot create a private temporary directory in ${join(base, 'missing')}: no such file or directory (ENOENT); set TMPDIR to a writable directory`,
    );
  });
});
