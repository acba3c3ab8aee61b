/**
 * oci-multiple-tags — `--output type=oci` with several `-t` writes one index.json entry per tag
 * (buildx ≥ 0.20 with BuildKit ≥ 0.19, moby/buildkit#5589; a comma-joined ref name before,
 * moby/buildkit#5572; by spec, docker/buildx#2952), which crane ("layout
 * contains 2 entries") and skopeo ("more than one image in oci") refuse: after the build the
 * layout is normalized to one entry (the first tag, or --ocifix-keep-tag). A multi-node builder
 * cannot write oci/tar at all ("oci for multi-node builds currently not supported"): refused
 * before anything runs.
 */
import { assignNodes, isMultiNodeSplit, tagPart } from '../derive.js';
import type { Fix } from './fix.js';

export const ociMultipleTags: Fix = {
  id: 'oci-multiple-tags',
  title: '--output type=oci with several tags',
  help: 'The OCI layout is normalized to one index.json entry (the first tag, or --ocifix-keep-tag) so that crane and skopeo read it. A multi-node builder cannot write oci/tar: refused before running.',
  reads: ['load'],
  writes: [],

  apply(r, d, facts, { policy }) {
    for (const o of d.mainOutputs(r.outputs)) {
      if ((o.type === 'oci' || o.type === 'tar') && r.platforms.length > 1) {
        const b = facts.builder();
        if (b && isMultiNodeSplit(b, r.platforms)) {
          const nodes = assignNodes(b, r.platforms);
          const where = r.platforms.map((pl, i) => `${pl} on ${b.nodes[nodes[i]!]?.name ?? '?'}`).join(', ');
          d.refuse(
            `builder "${b.name}" would build ${where}, and buildx cannot write --output type=${o.type} from a multi-node build ("${o.type} for multi-node builds currently not supported"). ` +
              'Use a single-node builder (--builder NAME), build the platforms one node at a time, or --push and read the index from the registry.',
          );
        }
      }
      if (o.type !== 'oci' || o.names.length <= 1) continue;
      if (o.dest === undefined || o.stdout) {
        d.notice(`ocifix: an OCI layout on stdout keeps its ${o.names.length} index.json entries: crane and skopeo refuse that`);
        continue;
      }
      let keep = o.names[0]!;
      if (policy.keepTag !== undefined) {
        const k = policy.keepTag;
        const match = o.names.find((n) => n === k) ?? o.names.find((n) => tagPart(n) === k);
        if (!match) {
          d.refuse(`--ocifix-keep-tag=${k} names none of the tags of the OCI output (${o.names.join(', ')})`);
          continue;
        }
        keep = match;
      }
      // its one line comes after the build, from the step: "normalized DEST …: 3 index.json entries → 1 (NAME)"
      d.step({ kind: 'normalize', when: 'success', path: o.dest, ref: keep, mode: 'single' });
    }
  },
};
