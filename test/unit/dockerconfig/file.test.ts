/** Real files in a temp dir: atomic replace, mode, symlinks, a concurrent writer, an unwritable dir. */
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfigFile, writeConfigFile } from '../../../src/dockerconfig/file.js';
import { OcifixError } from '../../../src/errors.js';

/** The error a promise rejects with (undefined when it resolves). */
const caught = (fn: () => Promise<unknown>): Promise<unknown> =>
  fn().then(
    () => undefined,
    (e: unknown) => e,
  );

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ocifix-cfg-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('config.json writes', () => {
  it('replaces the file, keeping its mode', async () => {
    writeFileSync(join(dir, 'config.json'), '{}', { mode: 0o640 });
    chmodSync(join(dir, 'config.json'), 0o640);
    const f = await readConfigFile(dir);
    await writeConfigFile(f, '{"a":1}');
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('{"a":1}');
    expect(statSync(join(dir, 'config.json')).mode & 0o7777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['config.json']);
  });

  it.runIf(process.getuid?.() === 0)('keeps the owner of a config.json that belongs to another user (sudo)', async () => {
    const { chownSync } = await import('node:fs');
    writeFileSync(join(dir, 'config.json'), '{}');
    chownSync(join(dir, 'config.json'), 1234, 2345);
    await writeConfigFile(await readConfigFile(dir), '{"c":3}');
    const st = statSync(join(dir, 'config.json'));
    expect([st.uid, st.gid]).toEqual([1234, 2345]);
  });

  it('creates a missing config dir and file (0600, like docker)', async () => {
    const cfg = join(dir, 'new', '.docker');
    const f = await readConfigFile(cfg);
    expect(f.text).toBeUndefined();
    await writeConfigFile(f, '{}\n');
    expect(statSync(join(cfg, 'config.json')).mode & 0o7777).toBe(0o600);
  });

  it('follows a symlinked config.json and leaves it a symlink', async () => {
    mkdirSync(join(dir, 'dotfiles'));
    writeFileSync(join(dir, 'dotfiles', 'docker.json'), '{}');
    mkdirSync(join(dir, 'cfg'));
    symlinkSync('../dotfiles/docker.json', join(dir, 'cfg', 'config.json'));
    const f = await readConfigFile(join(dir, 'cfg'));
    expect(f.real).toBe(join(dir, 'dotfiles', 'docker.json'));
    await writeConfigFile(f, '{"b":2}');
    expect(lstatSync(join(dir, 'cfg', 'config.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'dotfiles', 'docker.json'), 'utf8')).toBe('{"b":2}');
    expect(readdirSync(join(dir, 'dotfiles'))).toEqual(['docker.json']);
  });

  it('a concurrent edit between read and rename: fails, the other writer’s content survives, no temp left', async () => {
    writeFileSync(join(dir, 'config.json'), '{}');
    const f = await readConfigFile(dir);
    const error = await caught(() => writeConfigFile(f, '{"mine":1}', { beforeCommit: () => writeFile(join(dir, 'config.json'), '{"auths":{"r":{}}}') }));
    expect(error).toBeInstanceOf(OcifixError);
    expect((error as Error).message).toMatch(/was changed by another program while ocifix was editing it; nothing was written/);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('{"auths":{"r":{}}}');
    expect(readdirSync(dir)).toEqual(['config.json']);
  });

  it('an unwritable config dir: clear error, file untouched', async () => {
    writeFileSync(join(dir, 'config.json'), '{"keep":true}');
    const f = await readConfigFile(dir);
    // root ignores mode bits; the immutable attribute stops root too
    const root = process.getuid?.() === 0;
    if (root) execFileSync('chattr', ['+i', dir]);
    else chmodSync(dir, 0o500);
    try {
      const error = await caught(() => writeConfigFile(f, '{}'));
      expect(error).toBeInstanceOf(OcifixError);
      expect((error as Error).message).toMatch(/^cannot write in .*: permission denied; nothing was changed/);
    } finally {
      if (root) execFileSync('chattr', ['-i', dir]);
      else chmodSync(dir, 0o700);
    }
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('{"keep":true}');
    expect(readdirSync(dir)).toEqual(['config.json']);
  });
});
