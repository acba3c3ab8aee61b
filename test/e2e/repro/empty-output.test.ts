// Pitfall empty-output: a failed oci export leaves a 0-byte destination file on buildx v0.15.1
// (v0.36.1 removes it itself). Raw buildx, no docker-ocifix involved.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildx, describeResult, fixture, requireStack, workDir } from '../helpers/stack.js';

describe('repro empty-output: a failed oci export (raw buildx)', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it.each([
    ['v0.15.1', true],
    ['v0.36.1', false],
  ] as const)('buildx %s: a 0-byte file left behind: %s', async (version, left) => {
    const dest = join(workDir(`empty-${version}`), 'out.tar');
    const r = await buildx(['build', '--builder', 'single', '--target', 'nope', '-o', `type=oci,dest=${dest}`, fixture('scratch')], { buildxVersion: version });
    expect(r.exitCode, describeResult(r)).not.toBe(0);
    expect(r.stderr).toContain('target stage "nope" could not be found');
    expect(existsSync(dest)).toBe(left);
    if (left) expect(statSync(dest).size).toBe(0);
  });
});
