import { describe, expect, it } from 'vitest';
import { emptyOutput } from '../../../../src/build/fixes/empty-output.js';
import { applyFix } from './support.js';

describe('empty-output', () => {
  it('a file or directory destination of oci/docker/tar is removed when a failed build leaves it empty', () => {
    expect(applyFix(emptyOutput, ['-o', 'type=oci,dest=o.tar', '-o', 'type=tar,dest=t', '-o', 'type=docker,dest=d.tar', '.']).steps).toEqual([
      { kind: 'remove-empty-output', when: 'failure', path: 'o.tar' },
      { kind: 'remove-empty-output', when: 'failure', path: 't' },
      { kind: 'remove-empty-output', when: 'failure', path: 'd.tar' },
    ]);
  });

  it('not stdout, not local, not image exports', () => {
    expect(applyFix(emptyOutput, ['-o', 'type=oci,dest=-', '-o', 'type=local,dest=out', '--push', '-t', 'r/a', '.']).steps).toEqual([]);
  });
});
