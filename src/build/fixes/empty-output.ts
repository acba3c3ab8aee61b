/**
 * empty-output — a failed oci/docker/tar export can leave a 0-byte file or an empty directory at
 * its destination (buildx ≤ 0.15 does; 0.36 removes it itself). When the destination did not exist
 * before the build and is empty after a failure, it is removed.
 */
import type { Fix } from './fix.js';

export const emptyOutput: Fix = {
  id: 'empty-output',
  title: 'an empty destination left by a failed export',
  help: 'When a failed oci/docker/tar export leaves a 0-byte file or an empty directory that did not exist before, it is removed.',
  reads: [],
  writes: [],
  apply() {},
  finish(r, d) {
    for (const o of d.mainOutputs(r.outputs)) {
      if ((o.type === 'oci' || o.type === 'docker' || o.type === 'tar') && o.dest !== undefined && !o.stdout && o.dest !== '') {
        d.step({ kind: 'remove-empty-output', when: 'failure', path: o.dest });
      }
    }
  },
};
