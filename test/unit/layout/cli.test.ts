import { describe, expect, it } from 'vitest';
import { runInProcess } from '../../support/run-in-process.js';
import { makeLayout, makeImage, perTagEntries, snapshot, tempDir, writeIndex, writeOciLayout } from '../../fixtures/normalize/layouts.js';

async function run(args: string[]) {
  return runInProcess(['normalize', ...args]);
}

describe('docker ocifix normalize (in process)', () => {
  it('prints the plan on stdout and normalizes', async () => {
    const { dir } = makeLayout();
    const r = await run([dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('2 entries -> 1 entry');
    expect(r.stdout).toContain('ref.name=1  image.name=docker.io/library/a:1');
    expect(r.stdout).toContain(`normalized ${dir}`);
    const again = await run([dir]);
    expect(again.stdout).toContain('already normal');
  });

  it('--check: 1 when changes are needed (plan printed, nothing written), 0 when normal', async () => {
    const { dir } = makeLayout({ shape: 'comma' });
    const before = snapshot(dir);
    const r = await run(['--check', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('write the missing oci-layout file');
    expect(r.stdout).toContain('is not normal');
    expect(snapshot(dir)).toEqual(before);
    expect((await run([dir])).code).toBe(0);
    expect((await run(['--check', dir])).code).toBe(0);
  });

  it('--dry-run --json gives a machine-readable report', async () => {
    const { dir, image } = makeLayout({ names: ['docker.io/library/a:1', 'docker.io/library/a:2', 'docker.io/library/a:3'] });
    const r = await run(['--dry-run', '--json', '--ref', 'a:3', dir]);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep).toMatchObject({
      kind: 'directory',
      changed: true,
      written: false,
      dryRun: true,
      keptRef: { refName: '3', imageName: 'docker.io/library/a:3' },
    });
    expect(rep.entriesBefore).toHaveLength(3);
    expect(rep.entriesAfter).toEqual([expect.objectContaining({ digest: image.digest })]);
    expect(rep.changes.map((c: { kind: string }) => c.kind)).toContain('merge-duplicates');
  });

  it('different images: exit 1 with the listing on stderr, nothing on stdout', async () => {
    const dir = tempDir();
    const a = makeImage(dir, { seed: 'a' });
    const b = makeImage(dir, { seed: 'b' });
    writeIndex(dir, [...perTagEntries(a, ['docker.io/library/a:1']), ...perTagEntries(b, ['docker.io/library/b:1'])]);
    writeOciLayout(dir);
    const r = await run([dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^docker ocifix: .* holds 2 different images/);
    expect(r.stderr).not.toContain('    at ');
  });

  it('bad input: exit 2, one clear line, no stack', async () => {
    const r = await run([tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/index\.json not found/);
    expect(r.stderr).not.toContain('    at ');
  });

  it('bad options: exit 125', async () => {
    const { dir } = makeLayout();
    expect((await run(['--mode', 'nope', dir])).code).toBe(125);
    expect((await run(['--ref', 'a,b', dir])).code).toBe(125);
    expect((await run([])).code).toBe(125);
  });
});
