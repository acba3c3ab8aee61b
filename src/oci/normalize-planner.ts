/**
 * The normalize planner: index.json entries before → plan → entries after. Pure and
 * deterministic; the plan is plain JSON-serializable data. Only index.json's `manifests` and the
 * `oci-layout` file are ever changed; blobs (and so the image index bytes) are not touched.
 *
 * Modes:
 *   single   exactly one entry, which crane and skopeo read without a reference
 *   per-tag  one entry per tag (ref.name = tag, io.containerd.image.name = full name), the
 *            buildx ≥ 0.20 shape, so `skopeo … oci:DIR:TAG` finds every tag
 */
import { OcifixError } from '../errors.js';
import { shortDigest } from './digest.js';
import { type IndexJson, contentKey, jsonEqual, OCI_LAYOUT_CONTENT } from './layout.js';
import type { Descriptor } from './media.js';
import {
  CONTAINERD_NAME,
  type ImageName,
  REF_NAME,
  type RefSelector,
  formatName,
  isValidRefName,
  looksLikeFullName,
  nameKey,
  namesOfAnnotations,
  selectorMatches,
} from './refname.js';

export const MODES = ['single', 'per-tag'] as const;
export type Mode = (typeof MODES)[number];

export type ChangeKind =
  'write-oci-layout' | 'split-comma-ref' | 'full-name-ref' | 'merge-duplicates' | 'split-per-tag' | 'drop-image' | 'drop-names' | 'set-ref' | 'fix-annotations';

export interface Change {
  kind: ChangeKind;
  message: string;
}

/** One distinct image (content) in the layout and the names it carries. */
export interface ImageSummary {
  mediaType: string;
  digest: string;
  size: number;
  names: string[];
}

export interface KeptRef {
  /** org.opencontainers.image.ref.name of the (first) entry after normalizing. */
  refName?: string;
  /** io.containerd.image.name of the (first) entry after normalizing. */
  imageName?: string;
}

export interface Plan {
  mode: Mode;
  /** True when anything would be written. */
  changed: boolean;
  writeIndexJson: boolean;
  writeOciLayout: boolean;
  /** index.json manifests before and after. */
  before: Descriptor[];
  after: Descriptor[];
  /** The complete new index.json (other top-level fields untouched). */
  index: IndexJson;
  kept: KeptRef | null;
  images: ImageSummary[];
  dropped: ImageSummary[];
  changes: Change[];
  warnings: string[];
}

export interface PlanInput {
  index: IndexJson;
  /** Whether the layout has an `oci-layout` file (already validated when present). */
  hasOciLayout: boolean;
  /** How to name the layout in messages, e.g. `out/` or `out.tar`. */
  label: string;
}

export interface PlanOptions {
  mode: Mode;
  ref?: RefSelector;
}

interface Group {
  key: string;
  entries: number[];
  names: ImageName[];
  /** For each name (by key): index of the first entry carrying it. */
  source: Map<string, number>;
}

function otherAnnotations(d: Descriptor): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.annotations ?? {})) if (k !== REF_NAME && k !== CONTAINERD_NAME) out[k] = v;
  return out;
}

/** Drop tag-only names whose tag is also carried by a name with a full image name. */
function dedupeNames(names: ImageName[]): ImageName[] {
  const out: ImageName[] = [];
  for (const n of names) {
    if (n.full === undefined && n.tag !== undefined && names.some((m) => m.full !== undefined && m.tag === n.tag)) continue;
    if (!out.some((m) => nameKey(m) === nameKey(n))) out.push(n);
  }
  return out;
}

function groupEntries(manifests: Descriptor[]): Group[] {
  const groups = new Map<string, Group>();
  manifests.forEach((d, i) => {
    const key = contentKey(d);
    let g = groups.get(key);
    if (!g) {
      g = { key, entries: [], names: [], source: new Map() };
      groups.set(key, g);
    }
    g.entries.push(i);
    for (const n of namesOfAnnotations(d.annotations)) {
      const k = nameKey(n);
      if (!g.source.has(k)) {
        g.source.set(k, i);
        g.names.push(n);
      }
    }
  });
  for (const g of groups.values()) g.names = dedupeNames(g.names);
  return [...groups.values()];
}

function summary(g: Group, manifests: Descriptor[]): ImageSummary {
  const d = manifests[g.entries[0]!]!;
  return { mediaType: d.mediaType, digest: d.digest, size: d.size, names: g.names.map(formatName) };
}

/** Build one index.json entry: source entry's fields, merged other annotations, the given name. */
function buildEntry(src: Descriptor, others: Record<string, string>, name: ImageName | undefined): Descriptor {
  const ann: Record<string, string> = { ...others };
  if (name?.tag !== undefined) ann[REF_NAME] = name.tag;
  if (name?.full !== undefined) ann[CONTAINERD_NAME] = name.full;
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(ann).sort()) sorted[k] = ann[k]!;
  const hasAnn = Object.keys(sorted).length > 0;
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const [k, v] of Object.entries(src)) {
    if (k === 'annotations') {
      if (hasAnn) out.annotations = sorted;
      placed = true;
      continue;
    }
    out[k] = v;
    if (!placed && hasAnn && !('annotations' in src) && k === ('urls' in src ? 'urls' : 'size')) {
      out.annotations = sorted;
      placed = true;
    }
  }
  if (!placed && hasAnn) out.annotations = sorted;
  return out as Descriptor;
}

/** Other annotations for an entry built from `srcIndex`: its own first, then the group's others. */
function mergedOthers(g: Group, manifests: Descriptor[], srcIndex: number): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const i of g.entries) {
    for (const [k, v] of Object.entries(otherAnnotations(manifests[i]!))) if (!(k in merged)) merged[k] = v;
  }
  return { ...merged, ...otherAnnotations(manifests[srcIndex]!) };
}

function listing(groups: Group[], manifests: Descriptor[]): string {
  return groups
    .map((g) => {
      const s = summary(g, manifests);
      return `  ${s.digest} (${s.mediaType}, ${s.size} bytes): ${s.names.length ? s.names.join(', ') : '(no name)'}`;
    })
    .join('\n');
}

function exampleRef(groups: Group[]): string {
  for (const g of groups) for (const n of g.names) if (n.full ?? n.tag) return (n.full ?? n.tag)!;
  return 'NAME';
}

/** Pick the one group to keep; throws OcifixError(…, 1) for "different images, refused". */
function selectGroup(groups: Group[], input: PlanInput, opts: PlanOptions): Group {
  if (groups.length === 1) return groups[0]!;
  const manifests = input.index.manifests;
  if (!opts.ref) {
    throw new OcifixError(
      `${input.label} holds ${groups.length} different images; refusing to merge them (nothing written):\n${listing(groups, manifests)}\n` +
        `Choose the image to keep with --ref NAME (e.g. --ref ${exampleRef(groups)}); the others are dropped from index.json (their blobs stay).`,
      1,
    );
  }
  const sel = opts.ref;
  let matching = groups.filter((g) => g.names.some((n) => selectorMatches(sel, n)));
  if (matching.length > 1 && sel.kind === 'full') {
    const exact = matching.filter((g) => g.names.some((n) => n.full === sel.name.full));
    if (exact.length > 0) matching = exact;
  }
  if (matching.length === 0) {
    throw new OcifixError(
      `--ref ${sel.raw} names none of the ${groups.length} different images in ${input.label} (nothing written):\n${listing(groups, manifests)}\nGive one of the names above.`,
      1,
    );
  }
  if (matching.length > 1) {
    throw new OcifixError(
      `--ref ${sel.raw} matches ${matching.length} different images in ${input.label} (nothing written):\n${listing(matching, manifests)}\nGive a full name (REPO:TAG) to choose one.`,
      1,
    );
  }
  return matching[0]!;
}

/** The name --ref asks for, reusing the existing name it matches (keeping its full name). */
function refName(g: Group, sel: RefSelector): ImageName {
  if (sel.kind === 'full') {
    const exact = g.names.find((n) => n.full === sel.name.full);
    if (exact) return exact;
    return { ...sel.name };
  }
  const byTag = g.names.find((n) => n.tag === sel.tag);
  return byTag ?? { tag: sel.tag };
}

function canonical(ds: Descriptor[]): unknown {
  return ds.map((d) => {
    const c: Record<string, unknown> = { ...d };
    if (c.annotations !== undefined && Object.keys(c.annotations as object).length === 0) delete c.annotations;
    return c;
  });
}

/** Compute the plan. Throws OcifixError(…, 1) when different images are present and --ref does not pick one. */
/** What is wrong with the entries' ref.name annotations as they are (comma-joined, full names). */
function describeRefNames(before: readonly Descriptor[], changes: Change[]): void {
  before.forEach((d, i) => {
    const rn = d.annotations?.[REF_NAME];
    if (rn === undefined) return;
    if (rn.includes(',')) {
      const names = namesOfAnnotations(d.annotations).map(formatName);
      changes.push({
        kind: 'split-comma-ref',
        message: `manifests[${i}]: comma-joined ref.name "${rn}" split into ${names.length} name(s): ${names.join(', ')}`,
      });
    } else if (looksLikeFullName(rn)) {
      const n = namesOfAnnotations({ [REF_NAME]: rn })[0];
      changes.push({
        kind: 'full-name-ref',
        message: `manifests[${i}]: ref.name "${rn}" is a full image name; ref.name becomes the tag "${n?.tag ?? ''}" and io.containerd.image.name "${n?.full ?? rn}"`,
      });
    }
  });
}

/** --mode per-tag: one entry per name of the selected image (the --ref one first). */
function perTagEntries(
  g: Group,
  groupCount: number,
  before: Descriptor[],
  opts: PlanOptions,
  srcOf: (n: ImageName | undefined) => number,
  changes: Change[],
  warnings: string[],
): Descriptor[] {
  const first = g.entries[0]!;
  let names = [...g.names];
  if (opts.ref) {
    const wanted = refName(g, opts.ref);
    names = [wanted, ...names.filter((n) => nameKey(n) !== nameKey(wanted))];
  }
  const after =
    names.length === 0
      ? [buildEntry(before[first]!, mergedOthers(g, before, first), undefined)]
      : names.map((n) => buildEntry(before[srcOf(n)]!, mergedOthers(g, before, srcOf(n)), n));
  if (after.length !== g.entries.length || groupCount > 1) {
    changes.push({
      kind: g.entries.length > after.length ? 'merge-duplicates' : 'split-per-tag',
      message: `${g.entries.length} entr${g.entries.length === 1 ? 'y' : 'ies'} for ${shortDigest(before[first]!.digest)} become${g.entries.length === 1 ? 's' : ''} ${after.length}, one per tag`,
    });
  }
  const tags = new Map<string, number>();
  for (const d of after) {
    const t = d.annotations?.[REF_NAME];
    if (t !== undefined) tags.set(t, (tags.get(t) ?? 0) + 1);
  }
  for (const [t, count] of tags) {
    if (count > 1) warnings.push(`ref.name "${t}" is on ${count} entries (different repositories); skopeo cannot pick one of them by that name`);
  }
  return after;
}

export function planNormalize(input: PlanInput, opts: PlanOptions): Plan {
  const before = input.index.manifests;
  const groups = groupEntries(before);
  const changes: Change[] = [];
  const warnings: string[] = [];
  const images = groups.map((g) => summary(g, before));

  describeRefNames(before, changes);

  let after: Descriptor[] = [];
  let kept: KeptRef | null = null;
  const dropped: ImageSummary[] = [];

  if (groups.length === 0) {
    warnings.push(`${input.label}: index.json lists no images`);
  } else {
    const g = selectGroup(groups, input, opts);
    for (const other of groups) {
      if (other === g) continue;
      const s = summary(other, before);
      dropped.push(s);
      changes.push({
        kind: 'drop-image',
        message: `drop ${s.digest} (${s.names.length ? s.names.join(', ') : 'no name'}): not selected by --ref; its blobs stay in blobs/`,
      });
    }
    const first = g.entries[0]!;
    const srcOf = (n: ImageName | undefined): number => (n ? (g.source.get(nameKey(n)) ?? first) : first);

    if (opts.mode === 'single') {
      const name = opts.ref ? refName(g, opts.ref) : g.names[0];
      after = [buildEntry(before[srcOf(name)]!, mergedOthers(g, before, srcOf(name)), name)];
      if (g.entries.length > 1) {
        changes.push({
          kind: 'merge-duplicates',
          message: `merge ${g.entries.length} entries for the same content ${shortDigest(before[first]!.digest)} into one`,
        });
      }
      const lost = g.names.filter((n) => !name || nameKey(n) !== nameKey(name)).map(formatName);
      if (lost.length > 0) {
        changes.push({
          kind: 'drop-names',
          message: `names no longer listed in index.json: ${lost.join(', ')} (use --mode per-tag to keep one entry per tag)`,
        });
      }
    } else after = perTagEntries(g, groups.length, before, opts, srcOf, changes, warnings);
    const a0 = after[0]?.annotations;
    kept = {};
    if (a0?.[REF_NAME] !== undefined) kept.refName = a0[REF_NAME];
    if (a0?.[CONTAINERD_NAME] !== undefined) kept.imageName = a0[CONTAINERD_NAME];
    if (opts.ref) {
      changes.push({
        kind: 'set-ref',
        message: `keep ref.name "${kept.refName ?? ''}"${kept.imageName ? ` (io.containerd.image.name ${kept.imageName})` : ''} as chosen by --ref ${opts.ref.raw}`,
      });
    }
    for (const d of after) {
      const t = d.annotations?.[REF_NAME];
      if (t !== undefined && !isValidRefName(t)) {
        warnings.push(`ref.name "${t}" is not valid in the OCI ref.name grammar; skopeo cannot select it by name`);
      }
    }
  }

  const writeIndexJson = !jsonEqual(canonical(before), canonical(after));
  const writeOciLayout = !input.hasOciLayout;
  if (writeOciLayout) changes.unshift({ kind: 'write-oci-layout', message: `write the missing oci-layout file (${OCI_LAYOUT_CONTENT})` });
  const indexChanges = changes.filter((c) => c.kind !== 'write-oci-layout' && c.kind !== 'drop-names');
  if (writeIndexJson && indexChanges.length === 0) {
    changes.push({ kind: 'fix-annotations', message: 'make ref.name and io.containerd.image.name consistent' });
  }
  // Describing messages only matter when something is rewritten; set-ref alone is not a change.
  const finalChanges = writeIndexJson ? changes : changes.filter((c) => c.kind === 'write-oci-layout');

  return {
    mode: opts.mode,
    changed: writeIndexJson || writeOciLayout,
    writeIndexJson,
    writeOciLayout,
    before,
    after,
    index: { ...input.index, manifests: after },
    kept,
    images,
    dropped,
    changes: finalChanges,
    warnings,
  };
}
