/**
 * load-multi-platform — `--load` of several platforms into a daemon without the containerd image
 * store fails (buildx: "docker exporter does not currently support exporting manifest lists").
 * The main build goes to the build cache (every platform is built, so a failing one fails the
 * command), then extra builds load what the policy says: native (the daemon's platform), split
 * (every platform as TAG-os-arch), cacheonly (nothing), or error (refuse).
 */
import { editOutput, formatOutput } from '../../buildflags/outputs.js';
import { annotationEdits } from '../annotation-edits.js';
import { platformMatches, suffixedName } from '../derive.js';
import type { LoadBuild } from '../draft.js';
import type { RequestEdit } from '../edits.js';
import type { Fix } from './fix.js';

const ID = 'load-multi-platform';

function isIndexAttr(key: string): boolean {
  return /^annotation-(index|index-descriptor)(\[|\.)/.test(key);
}

export const loadMultiPlatform: Fix = {
  id: ID,
  title: '--load of several platforms on the classic image store',
  help:
    'A cache-only build of every platform, then the load the policy says (--ocifix-load): native, the daemon\'s own platform (default); split, every platform as TAG-os-arch; cacheonly, nothing; error, refuse. With the docker driver on such a daemon the build is refused.',
  reads: [],
  writes: ['load'],

  apply(r, d, facts, { policy }) {
    const loadOutputs = r.outputs.filter((o) => o.load);
    if (loadOutputs.length === 0 || r.platforms.length <= 1) return;
    const daemon = facts.daemon();
    if (!daemon || daemon.containerdStore) return;
    const b = facts.builder();
    if (b?.driver === 'docker') {
      d.refuse(
        `the docker driver of builder "${b.name}" runs on a daemon without the containerd image store, which cannot build several platforms (${r.platforms.join(', ')}). ` +
          'Build with a docker-container or remote builder (--builder NAME), or turn on the containerd image store.',
      );
      return;
    }
    if (!b && !facts.failed('builder')) return;
    const what = `--load of ${r.platforms.length} platforms (${r.platforms.join(', ')}) into a daemon without the containerd image store cannot work (buildx: "docker exporter does not currently support exporting manifest lists")`;
    const short = `the classic store cannot --load ${r.platforms.length} platforms`;
    let builds: LoadBuild[] = [];
    switch (policy.load) {
      case 'error':
        d.refuse(`${what}. Choose --ocifix-load=native (load ${daemon.platform} only), split (one tag per platform) or cacheonly (load nothing), or turn on the containerd image store.`);
        return;
      case 'native': {
        const nat = r.platforms.find((pl) => platformMatches(pl, daemon.platform));
        if (!nat) {
          d.refuse(
            `${what}, and none of them is the daemon's own platform (${daemon.platform}), so nothing can be loaded natively. Use --ocifix-load=split (one tag per platform) or --ocifix-load=cacheonly.`,
          );
          return;
        }
        builds = [{ platform: nat, split: false }];
        d.notice(`ocifix: ${short}: loading ${nat} only (--ocifix-load=native)`);
        break;
      }
      case 'split': {
        builds = r.platforms.map((pl) => ({ platform: pl, split: true }));
        const named = r.tags.length > 0 || loadOutputs.some((o) => o.names.length > 0);
        d.notice(`ocifix: ${short}: ${named ? 'one TAG-os-arch each' : 'each untagged'} (--ocifix-load=split)`);
        break;
      }
      case 'cacheonly':
        d.notice(`ocifix: ${short}: build cache only (--ocifix-load=cacheonly)`);
        break;
    }
    d.edit({ op: 'drop-load' });
    for (const o of loadOutputs) if (o.origin === 'output') d.edit({ op: 'drop-output', id: o.id! });
    const mainOutputs = r.outputs.filter((o) => !o.load);
    if (mainOutputs.length === 0) d.edit({ op: 'add-output', value: 'type=cacheonly' });
    // when --load was the only output, the user's --metadata-file/--iidfile describe the loaded image
    const loadOnly = mainOutputs.length === 0;
    let carrier = -1;
    if (loadOnly && builds.length > 0) {
      d.edit({ op: 'drop-metadata-and-iidfile' });
      carrier = Math.max(0, builds.findIndex((s) => !s.split || platformMatches(s.platform, daemon.platform)));
    }
    d.decide('load', { builds, carrier }, ID);
  },

  /** The load builds: after every other step's decision is known (the annotation grammar among them). */
  finish(r, d) {
    const load = d.decision('load');
    if (!load) return;
    const legacy = d.decision('legacyAnnotations') ?? false;
    const loadOutputs = r.outputs.filter((o) => o.load);
    load.builds.forEach((sb, i) => {
      const edits: RequestEdit[] = [{ op: 'set-platform', value: sb.platform }, { op: 'drop-push' }];
      for (const o of r.outputs) if (o.origin === 'output' && !o.load) edits.push({ op: 'drop-output', id: o.id! });
      edits.push({ op: 'drop-cache-to' });
      if (i !== load.carrier) edits.push({ op: 'drop-metadata-and-iidfile' });
      if (r.attestations.explicit.length > 0) edits.push({ op: 'drop-attestations' });
      // the classic store holds no index: no index annotations in a load
      edits.push(...annotationEdits(r, { dropIndex: true, legacy }).edits);
      for (const o of loadOutputs) {
        if (o.origin !== 'output') continue;
        let entry = o.entry;
        if (Object.keys(entry.attrs).some(isIndexAttr)) entry = editOutput(entry, { remove: isIndexAttr });
        if (sb.split && r.tags.length === 0 && entry.attrs['name']) {
          entry = editOutput(entry, { set: { name: entry.attrs['name'].split(',').map((n) => suffixedName(n.trim(), sb.platform)).join(',') } });
        }
        if (entry !== o.entry) edits.push({ op: 'set-output', id: o.id!, value: formatOutput(entry) });
      }
      if (sb.split) edits.push({ op: 'set-tags', values: r.tags.map((t) => suffixedName(t, sb.platform)) });
      const names = sb.split ? r.tags.map((t) => suffixedName(t, sb.platform)) : r.tags;
      d.build({
        edits,
        why: `load ${sb.platform}${sb.split ? '' : " (the daemon's platform)"} into the daemon${names.length ? ` as ${names.join(', ')}` : ''}`,
        // one build's stdout is the user's (-q prints one image ID): the one that carries --iidfile
        stdout: i === load.carrier ? 'inherit' : 'ignore',
      });
    });
  },
};
