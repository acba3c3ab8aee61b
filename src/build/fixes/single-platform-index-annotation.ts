/**
 * single-platform-index-annotation — `--annotation index:…` on a build whose image is a single
 * manifest fails (BuildKit: "index annotations not supported for single platform export").
 * The image becomes an index through `--build-arg BUILDKIT_MULTI_PLATFORM=1`, or (policy
 * manifest-only, or where that cannot work) the index annotations are dropped and the manifest
 * ones kept. Where no index can be stored at all — the docker driver or --load on the classic
 * image store, a docker tarball — buildx fails the same way and BUILDKIT_MULTI_PLATFORM cannot
 * help: the index annotations are dropped. The docker driver on the containerd image store
 * builds fine but stores no index annotation in the daemon: nothing to change, one notice says
 * so. Policy fail refuses instead.
 */
import { parseBoolValue } from '../../buildflags/args.js';
import { editOutput, formatOutput, outputAnnotations } from '../../buildflags/outputs.js';
import { INDEX_TYPES } from '../derive.js';
import { multiPlatformDisabled, multiPlatformForced, type BuildRequest, type RequestOutput } from '../request.js';
import type { Fix } from './fix.js';
import type { NoticeWords } from '../draft.js';

const ID = 'single-platform-index-annotation';
/** Why a docker-driver load into the containerd image store loses them (the notice and the refusal). */
const STORE_LOSES = 'the containerd image store keeps no index annotation of a docker-driver build';
const IMAGE_TYPES = new Set(['image', 'oci', 'docker']);

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function quoteList(xs: readonly string[], max = 2): string {
  const shown = xs.slice(0, max).join(', ');
  return xs.length > max ? `${shown} and ${xs.length - max} more` : shown;
}

function isIndexAttr(key: string): boolean {
  return /^annotation-(index|index-descriptor)(\[|\.)/.test(key);
}

function label(a: { type: string; key: string }): string {
  return a.type ? `${a.type}:${a.key}` : a.key;
}

/** The index annotations (flags and the output's own attributes) an export would carry. */
function indexAnnotationsOf(r: BuildRequest, o: RequestOutput): string[] {
  if (!IMAGE_TYPES.has(o.type)) return [];
  const flags = r.annotations.flatMap((a) => a.parsed ?? []);
  return unique([...flags.filter((a) => INDEX_TYPES.has(a.type)).map(label), ...outputAnnotations(o.entry).filter((a) => INDEX_TYPES.has(a.type)).map(label)]);
}

/** How a notice names an export: `--output VALUE`, `--push`, `--load`. */
function whereOf(o: RequestOutput): string {
  return o.origin === 'output' ? `--output ${o.raw ?? formatOutput(o.entry)}` : `--${o.origin}`;
}

/** One short annotation by name, else how many. */
function describeAnnotations(annos: readonly string[], words: NoticeWords): string {
  return annos.length === 1 && annos[0]!.length <= 32 ? words.annotation(annos[0]!) : `${annos.length} index annotation${annos.length === 1 ? '' : 's'}`;
}

/** Does this export end in the daemon's image store (a load, or an image not pushed nor written to a file)? */
function storesInDaemon(o: RequestOutput): boolean {
  return o.load || ((o.type === 'image' || o.type === 'docker') && o.dest === undefined && !o.push);
}

/**
 * A docker-driver build on the containerd image store: what its exporter stores in the daemon has
 * no index annotation, index or not (observed buildx 0.12–0.36 on Engine 29:
 * test/matrix/p1-containerd-store.test.ts); a push keeps them. The exports that lose some, which,
 * and whether the build also pushes.
 */
function storeLoss(
  r: BuildRequest,
  candidates: readonly RequestOutput[],
  daemon: () => { containerdStore: boolean } | undefined,
): { where: string[]; annos: string[]; pushed: boolean } | undefined {
  const losing = candidates.filter((o) => storesInDaemon(o) && indexAnnotationsOf(r, o).length > 0);
  // the daemon is asked only when something would be stored there
  if (losing.length === 0 || daemon()?.containerdStore !== true) return undefined;
  return {
    where: losing.map(whereOf),
    annos: unique(losing.flatMap((o) => indexAnnotationsOf(r, o))),
    pushed: candidates.some((o) => o.push),
  };
}

/** Does this export produce an image index by itself (several platforms, attestations, the flag)? */
function producesIndex(r: BuildRequest, o: RequestOutput): boolean {
  if (multiPlatformForced(r) || r.platforms.length > 1 || r.attestations.explicit.length > 0) return true;
  const inline = o.entry.attrs['attestation-inline'];
  const inlineOff = inline !== undefined && parseBoolValue(inline) === false;
  const inlineOn = inline !== undefined && parseBoolValue(inline) === true;
  if (o.type === 'image' && r.attestations.defaultProvenance && !inlineOff) return true;
  return inlineOn && r.attestations.defaultProvenance;
}

export const singlePlatformIndexAnnotation: Fix = {
  id: ID,
  title: 'index annotations on a single-platform build ("index annotations not supported for single platform export")',
  help:
    'Adds --build-arg BUILDKIT_MULTI_PLATFORM=1 so the image is an index that can carry them (--ocifix-index-annotations: force-index, the default; manifest-only drops them; fail refuses). Where no index can be stored (the docker driver or --load on the classic image store, a docker tarball) they are dropped; a docker-driver build loaded into the containerd image store keeps none (a notice says so).',
  reads: ['load'],
  writes: ['indexAnnotationsDropped'],

  apply(r, d, facts, { policy }) {
    const flagIndex = r.annotations.some((a) => (a.parsed ?? []).some((x) => INDEX_TYPES.has(x.type)));
    if (!flagIndex && !r.outputs.some((o) => outputAnnotations(o.entry).some((a) => INDEX_TYPES.has(a.type)))) return;
    const b = facts.builder();
    if (!b) return;
    const mainOutputs = d.mainOutputs(r.outputs);
    let candidates = mainOutputs;
    if (candidates.length === 0 && !d.decision('load') && b.driver === 'docker') {
      // the docker driver loads into its daemon when no output is given
      candidates = [{ origin: 'load', entry: { type: 'docker', attrs: {}, fields: [], bare: false }, type: 'docker', push: false, load: true, tar: true, stdout: false, names: r.tags }];
    }
    const single: string[] = [];
    const noIndexStore: string[] = [];
    let annos: string[] = [];
    for (const o of candidates) {
      const ia = indexAnnotationsOf(r, o);
      if (ia.length === 0) continue;
      const viaDaemon = o.load || b.driver === 'docker';
      let classic = o.type === 'docker' && o.dest !== undefined;
      if (!classic && viaDaemon) {
        const daemon = facts.daemon();
        if (!daemon) continue;
        classic = !daemon.containerdStore;
      }
      const where = whereOf(o);
      // The docker driver on the containerd image store exports through the daemon's image
      // exporter: with buildx's default provenance that is an index already, and buildx succeeds
      // (the store keeps no index annotation, as it does for every build there).
      const exported = b.driver === 'docker' && !classic && viaDaemon ? { ...o, type: 'image' } : o;
      if (classic) noIndexStore.push(o.type === 'docker' && o.dest !== undefined ? `${where} (a docker tarball)` : `${where} (${b.driver === 'docker' ? 'docker driver, ' : ''}daemon without the containerd image store)`);
      else if (!producesIndex(r, exported)) single.push(where);
      else continue;
      annos = unique([...annos, ...ia]);
    }
    const lost = b.driver === 'docker' ? storeLoss(r, candidates, () => facts.daemon()) : undefined;
    if (single.length + noIndexStore.length === 0 && !lost) return;
    const listed = quoteList(annos.map((a) => d.words.annotation(a)));
    const what = describeAnnotations(annos, d.words);
    const localOrTar = mainOutputs.some((o) => o.type === 'local' || o.type === 'tar');
    if (policy.indexAnnotations === 'fail' && (single.length + noIndexStore.length > 0 || (lost && !lost.pushed))) {
      d.refuse(
        noIndexStore.length
          ? `index annotations (${listed}) cannot be stored by ${noIndexStore.join(', ')}: it holds no image index (--ocifix-index-annotations=fail)`
          : single.length
            ? `index annotations (${listed}) on a single-platform export (${single.join(', ')}): buildx would fail with "index annotations not supported for single platform export" (--ocifix-index-annotations=fail; force-index or manifest-only make it build)`
            : `index annotations (${quoteList(lost!.annos.map((a) => d.words.annotation(a)))}) are not kept by ${lost!.where.join(', ')}: ${STORE_LOSES} (--ocifix-index-annotations=fail; --push or a builder of another driver keeps them)`,
      );
      return;
    }
    // nothing ocifix can change there: the build runs as typed, and the user hears what the store loses
    const storeNotice = (): void => {
      if (!lost) return;
      d.notice(
        `ocifix: ${describeAnnotations(lost.annos, d.words)} not kept in the daemon: ${STORE_LOSES} (${lost.pushed ? 'the pushed image keeps them' : '--push or a builder of another driver keeps them'})`,
      );
    };
    if (single.length + noIndexStore.length === 0) return storeNotice();
    if (policy.indexAnnotations === 'force-index' && noIndexStore.length === 0 && !multiPlatformDisabled(r) && !localOrTar) {
      d.edit({ op: 'add-build-arg', key: 'BUILDKIT_MULTI_PLATFORM', value: '1' });
      d.notice(`ocifix: added ${d.words.buildArg('BUILDKIT_MULTI_PLATFORM', '1')}: index annotations need an image index`);
      return storeNotice();
    }
    const why = noIndexStore.length
      ? noIndexStore.some((x) => x.endsWith('(a docker tarball)'))
        ? 'a docker tarball holds no image index'
        : 'the classic image store holds no image index'
      : policy.indexAnnotations === 'manifest-only'
        ? 'one-manifest image (--ocifix-index-annotations=manifest-only)'
        : multiPlatformDisabled(r)
          ? `one-manifest image (BUILDKIT_MULTI_PLATFORM=${r.multiPlatform})`
          : 'an image index would also change the local/tar output';
    d.notice(`ocifix: dropped ${what}: ${why}`);
    d.decide('indexAnnotationsDropped', true, ID);
    // the index attributes of the outputs go too (the flags: annotation-edits.ts, with the grammar)
    for (const o of mainOutputs) {
      if (o.origin !== 'output' || !Object.keys(o.entry.attrs).some(isIndexAttr)) continue;
      d.edit({ op: 'set-output', id: o.id!, value: formatOutput(editOutput(o.entry, { remove: isIndexAttr })) });
    }
  },
};
