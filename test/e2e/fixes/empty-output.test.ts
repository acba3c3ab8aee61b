// empty-output on the real stack: the inputs of test/e2e/repro/empty-output.test.ts. A failed
// export that leaves an empty destination it created is cleaned up; one that existed is kept.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, fixture, requireStack, workDir } from '../helpers/stack.js';
import { notices, ocifixBuild } from '../build/helpers.js';

describe('empty-output: the 0-byte file of a failed oci export', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it('a failed oci export (buildx v0.15.1) leaves no 0-byte file behind', async () => {
    const dest = join(workDir('f1-cleanup'), 'out.tar');
    const r = await ocifixBuild(['--builder', 'single', '--target', 'nope', '-o', `type=oci,dest=${dest}`, fixture('scratch')], { version: 'v0.15.1' });
    expect(r.exitCode, describeResult(r)).not.toBe(0);
    expect(r.stderr).toContain('target stage "nope" could not be found');
    expect(notices(r)).toEqual([`ocifix: removed ${dest}: the failed build left it empty and it did not exist before`]);
    expect(existsSync(dest)).toBe(false);
  });

  it('a destination that existed before the build is left as it is', async () => {
    const dest = join(workDir('f1-keep'), 'out.tar');
    writeFileSync(dest, '');
    const r = await ocifixBuild(['--builder', 'single', '--target', 'nope', '-o', `type=oci,dest=${dest}`, fixture('scratch')], { version: 'v0.15.1' });
    expect(r.exitCode).not.toBe(0);
    expect(notices(r)).toEqual([]);
    expect(existsSync(dest)).toBe(true);
  });
});
