// normalize against real environment faults, with the built binary: a full file system (a small
// tmpfs), a read-only bind mount, and a user without permission (nobody, through setpriv). Each
// must end with exit 2 and one line naming the path, the problem and the fix; the layout (bytes,
// modes, owners) is unchanged and no temporary is left. Where the message suggests `-o PATH`,
// that fix is then shown to work. Needs root (mount, setpriv), like the stack itself.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeResult, requireStack, run, type RunResult, workDir } from '../helpers/stack.js';
import { makeLayout, snapshot, tarLayout } from '../../fixtures/normalize/layouts.js';
import { BIN, ocifix, requireBinary } from './helpers.js';

const KIB = 1024;
const mounts: string[] = [];
const scratch: string[] = [];

async function mustRun(file: string, args: string[]): Promise<RunResult> {
  const r = await run(file, args);
  expect(r.exitCode, describeResult(r)).toBe(0);
  return r;
}

async function tmpfs(dir: string, bytes: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await mustRun('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

async function readOnlyBind(src: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await mustRun('mount', ['--bind', src, dir]);
  mounts.push(dir);
  await mustRun('mount', ['-o', 'remount,bind,ro', dir]);
  return dir;
}

/** Fill the file system holding `dir` until a write fails (dd exits 1 with ENOSPC). */
async function fill(dir: string): Promise<void> {
  const r = await run('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=4k']);
  expect(r.stderr, describeResult(r)).toContain('No space left on device');
}

/** A directory everyone can enter (the stack's work dirs are 0700), for the runs as nobody. */
function openDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ocifix-env-'));
  chmodSync(d, 0o755);
  scratch.push(d);
  return d;
}

/** The built binary as nobody:nogroup with no supplementary groups. */
function asNobody(args: string[]): Promise<RunResult> {
  return run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', BIN, ...args], { timeoutMs: 120_000 });
}

/** exit 2, nothing on stdout, exactly one `docker ocifix:` line matching `re`, no stack trace. */
function expectOneLine(r: RunResult, re: RegExp): void {
  expect(r.exitCode, describeResult(r)).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines, describeResult(r)).toHaveLength(1);
  expect(lines[0]).toMatch(/^docker ocifix: /);
  expect(lines[0]).not.toContain('internal error');
  expect(lines[0]).toMatch(re);
}

const ocifixTemps = (dir: string): string[] => readdirSync(dir).filter((n) => n.includes('.ocifix-'));

describe('normalize: environment faults are one clear line, exit 2, nothing changed', () => {
  beforeAll(async () => {
    await requireStack();
    requireBinary();
  });
  afterAll(async () => {
    for (const m of mounts.reverse()) await run('umount', ['-l', m]);
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it('disk full, tar in place: the new copy does not fit beside the input', async () => {
    const fs = await tmpfs(join(workDir('env-full-tar'), 'fs'), 1024 * KIB);
    // two 300 KiB incompressible layers: a ~620 KiB tar, and no room for a second copy
    const { dir } = makeLayout({ payloadBytes: 300 * KIB }, join(workDir('env-full-tar-src'), 'layout'));
    const tar = join(fs, 'layout.tar');
    await tarLayout(dir, tar);
    const before = snapshot(fs);
    const r = await ocifix(['normalize', tar]);
    expectOneLine(
      r,
      /^docker ocifix: cannot write .*\/fs\/layout\.tar: no space left on the device \(ENOSPC on .*\); a normalized tar is written as a whole new copy before it replaces the input: free that much space there, or write the result elsewhere with -o PATH on another file system\. Nothing was changed$/,
    );
    expect(snapshot(fs)).toEqual(before);
    // the fix it names works
    const out = join(workDir('env-full-tar-out'), 'fixed.tar');
    const ok = await ocifix(['normalize', tar, '-o', out]);
    expect(ok.exitCode, describeResult(ok)).toBe(0);
    expect(snapshot(fs)).toEqual(before);
  });

  it('disk full, directory in place: even the small index.json cannot be written', async () => {
    const fs = await tmpfs(join(workDir('env-full-dir'), 'fs'), 512 * KIB);
    const { dir } = makeLayout({}, join(fs, 'layout'));
    await fill(fs);
    const before = snapshot(dir);
    const r = await ocifix(['normalize', dir]);
    expectOneLine(
      r,
      /^docker ocifix: cannot write .*\/fs\/layout: no space left on the device \(ENOSPC.*\); free some space there, or write the result elsewhere with -o PATH\. Nothing was changed$/,
    );
    expect(snapshot(dir)).toEqual(before);
    expect(ocifixTemps(dir)).toEqual([]);
  });

  it('disk full, -o: the copy is removed, the target never appears', async () => {
    const fs = await tmpfs(join(workDir('env-full-o'), 'fs'), 256 * KIB);
    const { dir } = makeLayout({ payloadBytes: 200 * KIB }, join(workDir('env-full-o-src'), 'layout'));
    const before = snapshot(dir);
    const r = await ocifix(['normalize', dir, '-o', join(fs, 'out')]);
    expectOneLine(
      r,
      /^docker ocifix: cannot write .*\/fs\/out: no space left on the device \(ENOSPC.*\); free some space there, or choose another -o PATH\. Nothing was changed$/,
    );
    expect(readdirSync(fs)).toEqual([]);
    expect(snapshot(dir)).toEqual(before);
  });

  it('read-only file system (a read-only bind mount), directory and tar in place; -o elsewhere works', async () => {
    const src = workDir('env-ro-src');
    makeLayout({}, join(src, 'layout'));
    await tarLayout(join(src, 'layout'), join(src, 'layout.tar'));
    const ro = await readOnlyBind(src, join(workDir('env-ro'), 'ro'));
    const before = snapshot(ro);
    for (const name of ['layout', 'layout.tar']) {
      const r = await ocifix(['normalize', join(ro, name)]);
      expectOneLine(
        r,
        new RegExp(
          `^docker ocifix: cannot write .*/ro/${name.replace('.', '\\.')}: read-only file system \\(EROFS on .*\\); write the result to a writable file system with -o PATH\\. Nothing was changed$`,
        ),
      );
    }
    // and -o into the read-only mount
    const r = await ocifix(['normalize', join(ro, 'layout'), '-o', join(ro, 'out')]);
    expectOneLine(
      r,
      /^docker ocifix: cannot write .*\/ro\/out: read-only file system \(EROFS on .*\/ro\/\.out\.ocifix-\d+-[0-9a-f]+\.tmp\); choose an -o PATH on a writable file system\. Nothing was changed$/,
    );
    expect(snapshot(ro)).toEqual(before);
    const ok = await ocifix(['normalize', join(ro, 'layout'), '-o', join(workDir('env-ro-out'), 'out')]);
    expect(ok.exitCode, describeResult(ok)).toBe(0);
  });

  it('permission denied as nobody: a root-owned layout can be read but not rewritten; -o to a dir of ours works', async () => {
    const base = openDir();
    const { dir } = makeLayout({}, join(base, 'layout'));
    const tar = join(base, 'layout.tar');
    await tarLayout(dir, tar);
    const before = snapshot(base);
    const d = await asNobody(['normalize', dir]);
    expectOneLine(
      d,
      /^docker ocifix: cannot write .*\/layout: permission denied \(EACCES on .*\/layout\/\.index\.json\.ocifix-\d+-[0-9a-f]+\.tmp\); run as a user who may write there \(files are replaced by rename, so the layout's directory must be writable\), or write the result elsewhere with -o PATH\. Nothing was changed$/,
    );
    const t = await asNobody(['normalize', tar]);
    expectOneLine(
      t,
      /^docker ocifix: cannot write .*\/layout\.tar: permission denied \(EACCES on .*\/\.layout\.tar\.ocifix-\d+-[0-9a-f]+\.tmp\); run as a user who may write there/,
    );
    expect(snapshot(base)).toEqual(before);
    const mine = join(openDir(), 'nobody');
    mkdirSync(mine);
    await mustRun('chown', ['65534:65534', mine]);
    const ok = await asNobody(['normalize', dir, '-o', join(mine, 'out')]);
    expect(ok.exitCode, describeResult(ok)).toBe(0);
    expect(snapshot(base)).toEqual(before);
  });

  it('permission denied as nobody: an unreadable (root, mode 000) index.json, and an unreadable blob with --verify-blobs', async () => {
    const base = openDir();
    const { dir } = makeLayout({}, join(base, 'layout'));
    chmodSync(join(dir, 'index.json'), 0o000);
    const before = snapshot(dir);
    const r = await asNobody(['normalize', dir]);
    expectOneLine(
      r,
      /^docker ocifix: cannot read .*\/layout\/index\.json: permission denied \(EACCES\); run as a user who may read the whole layout, or fix its permissions$/,
    );
    expect(snapshot(dir)).toEqual(before);

    const b = makeLayout({}, join(base, 'layout2'));
    const blob = join(b.dir, 'blobs', 'sha256', b.image.digest.slice(7));
    chmodSync(blob, 0o000);
    const before2 = snapshot(b.dir);
    const v = await asNobody(['normalize', '--check', '--verify-blobs', b.dir]);
    expectOneLine(
      v,
      new RegExp(`^docker ocifix: cannot read ${blob}: permission denied \\(EACCES\\); run as a user who may read the whole layout, or fix its permissions$`),
    );
    expect(snapshot(b.dir)).toEqual(before2);
  });

  it('modes and owner survive a rewrite by root: a 0600 index.json owned by nobody stays so', async () => {
    const { dir } = makeLayout({ shape: 'comma' }, join(workDir('env-owner'), 'layout'));
    await mustRun('chown', ['65534:65534', join(dir, 'index.json')]);
    chmodSync(join(dir, 'index.json'), 0o600);
    const r = await ocifix(['normalize', dir]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const st = snapshot(dir);
    expect(st['index.json']).toMatch(/ 600 65534:65534$/);
    expect(st['oci-layout']).toMatch(/ 600 65534:65534$/);
  });
});
