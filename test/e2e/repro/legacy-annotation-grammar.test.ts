// Pitfall legacy-annotation-grammar: buildx < 0.16 does not split a multi-type prefix
// (`index,manifest:k=v`); it becomes part of a manifest annotation's key (fixed by
// docker/buildx#2522 in 0.16). Raw buildx, no docker-ocifix involved.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildx, describeResult, fixture, readLayoutIndex, readLayoutJson, requireStack, workDir } from '../helpers/stack.js';

describe('repro legacy-annotation-grammar: index,manifest:k=v on buildx v0.15.1 (raw buildx)', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it.each([
    ['v0.15.1', { index: undefined, manifest: { 'index,manifest:org.example.both': 'yes' } }],
    ['v0.36.1', { index: { 'org.example.both': 'yes' }, manifest: { 'org.example.both': 'yes' } }],
  ] as const)('buildx %s', async (version, want) => {
    const dest = join(workDir(`legacy-${version}`), 'layout');
    const r = await buildx(
      [
        'build',
        '--builder',
        'single',
        '--annotation',
        'index,manifest:org.example.both=yes',
        '--build-arg',
        'BUILDKIT_MULTI_PLATFORM=1',
        '-o',
        `type=oci,dest=${dest},tar=false`,
        fixture('scratch'),
      ],
      { buildxVersion: version },
    );
    expect(r.exitCode, describeResult(r)).toBe(0);
    const index = readLayoutJson(dest, (await readLayoutIndex(dest)).manifests[0]!.digest);
    expect(index.annotations).toEqual(want.index);
    const manifest = readLayoutJson(dest, index.manifests![0]!.digest);
    expect(manifest.annotations).toEqual(want.manifest);
  });
});
