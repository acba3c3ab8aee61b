/**
 * push-tags — a tag can end up on a platform manifest instead of the index, or on an older index
 * (a second push racing the first, registries like ECR: docker/buildx#2959). After a push every
 * tag is checked against the pushed digest, read from the build's --metadata-file (a private
 * temporary one when the user gave none; theirs is still written), and re-pointed when it is not
 * on it. Silent unless it re-points a tag.
 */
import { pushRefs } from '../pushed.js';
import type { Fix } from './fix.js';

const ID = 'push-tags';

export const pushTags: Fix = {
  id: ID,
  title: 'a pushed tag left on a platform manifest or an older index',
  help: 'Every pushed tag is checked against the pushed digest and re-pointed when it is not on it (a temporary --metadata-file is added when none is given; yours is still written).',
  reads: ['load'],
  writes: ['metadataFile'],

  apply(r, d, _facts, { tempMetadataFile }) {
    const refs = pushRefs(d.mainOutputs(r.outputs));
    if (refs.length === 0) return;
    if (r.metadataFile !== undefined) d.decide('metadataFile', { path: r.metadataFile, temporary: false }, ID);
    else {
      d.decide('metadataFile', { path: tempMetadataFile, temporary: true }, ID);
      d.edit({ op: 'set-metadata-file', path: tempMetadataFile });
      if (r.env.BUILDX_METADATA_PROVENANCE === undefined) d.buildxEnv['BUILDX_METADATA_PROVENANCE'] = 'disabled';
    }
    d.step({ kind: 'verify-tags', when: 'success', refs });
  },

  finish(_r, d) {
    const meta = d.decision('metadataFile');
    if (meta?.temporary) d.step({ kind: 'remove-temp', when: 'always', path: meta.path });
  },
};
