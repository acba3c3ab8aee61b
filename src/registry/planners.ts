/**
 * Pure planners: (what the registry holds now + what the user asked for) → the exact
 * `docker buildx imagetools create` argv to run, the tags that must not have moved (compare-and-swap)
 * and the exact index buildx will push. No I/O: the executor (execute.ts) reads, plans, checks, writes.
 *
 * The traps of `imagetools create` this encodes (buildx v0.36.1, util/imagetools/create.go):
 *  - any `--annotation` rebuilds the index from its flattened child descriptors, and the new index
 *    gets ONLY the `index:` annotations given on the command line → every existing index
 *    annotation is re-passed;
 *  - child descriptor annotations survive the rebuild; they can be added (`manifest-descriptor`)
 *    but not removed by flags → removals pass every child as a JSON descriptor source instead;
 *  - with no annotation at all a single index source is copied byte for byte (so "remove the last
 *    annotation" also goes through descriptor sources, which always rebuild);
 *  - annotations are silently dropped when every child has a Docker media type → refused;
 *  - a single manifest source is wrapped into a new index → refused (retag: unless allowed, and
 *    then copied with `--prefer-index=false`).
 */
import { formatAnnotation, type Annotation } from '../buildflags/annotations.js';
import { formatPlatform, goQuote, type Platform } from '../buildflags/platform.js';
import { OcifixError, UsageError } from '../errors.js';
import { type Descriptor, isDockerMediaType, MEDIA } from '../oci/media.js';
import {
  asIndex,
  descriptorPlatform,
  isAttestation,
  marshalDescriptorCompact,
  marshalIndexLikeGo,
  matchesPlatform,
  modelCovers,
  normalizeDescriptor,
  sameMap,
  sha256,
  type Index,
  type Resolved,
} from './manifest.js';
import type { CreateSpec } from './imagetools.js';
import { atDigest, formatReference, repoName, sameRepo, type ImageRef } from './reference.js';

/** Builds imagetools argv (Imagetools implements it; pure). */
export interface ArgvBuilder {
  createArgv(spec: CreateSpec): string[];
}

/** A tag and the digest it held when the plan was made (null: it did not exist). */
export interface TagState {
  ref: string;
  digest: string | null;
}

export interface Step {
  purpose: string;
  /** argv after `docker buildx`. */
  argv: string[];
  /** `imagetools create --dry-run` argv that must print exactly the planned bytes before anything is written. */
  preflight: string[];
  /**
   * The planned bytes are known without asking buildx: a byte-for-byte copy of the source, or an
   * index the Go encoding model is proven for (manifest.ts modelCovers). The executor then skips
   * the preflight on the write path; it still runs it in --dry-run mode and when this is false.
   */
  predicted: boolean;
  /** Tags this step writes. */
  tags: string[];
  /** Digest every tag of this step must hold afterwards. */
  digest: string;
}

export interface PlannedResult {
  digest: string;
  mediaType: string;
  size: number;
  /** The exact bytes buildx will push. */
  bytes: string;
}

export interface Plan {
  action: 'annotate' | 'retag' | 'repoint';
  source: { ref: string; digest: string; mediaType: string };
  /** Every tag written, with the digest it must still hold right before the write. */
  cas: TagState[];
  steps: Step[];
  result: PlannedResult;
  /** Human-readable summary of the change. */
  changes: string[];
  /** Tags already at the result digest: nothing to write. */
  unchanged: string[];
}

/** A `--remove` request. */
export interface Removal {
  type: 'index' | 'manifest-descriptor';
  platform?: Platform;
  platformSpec?: string;
  key: string;
}

export class RefusedError extends OcifixError {
  override name = 'RefusedError';
  constructor(message: string) {
    super(message, 1);
  }
}

// ------------------------------------------------------------------------- helpers

/** buildx `combine`'s addDesc: duplicates (same digest) merge into the first occurrence. */
export function flattenLikeBuildx(descs: readonly Descriptor[]): Descriptor[] {
  const out: Descriptor[] = [];
  const at = new Map<string, number>();
  for (const raw of descs) {
    const d = normalizeDescriptor(raw);
    const i = at.get(d.digest);
    if (i === undefined) {
      at.set(d.digest, out.length);
      out.push(d);
      continue;
    }
    const old = out[i]!;
    if (!old.mediaType) old.mediaType = d.mediaType;
    if (d.platform) old.platform = d.platform;
    old.annotations = { ...(old.annotations ?? {}), ...(d.annotations ?? {}) };
    if (Object.keys(old.annotations).length === 0) delete old.annotations;
  }
  return out;
}

function sortedEntries(m: Record<string, string> | undefined): Array<[string, string]> {
  return Object.entries(m ?? {}).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function result(bytes: string, mediaType: string): PlannedResult {
  return { digest: sha256(bytes), mediaType, size: Buffer.byteLength(bytes), bytes };
}

function show(v: string | undefined): string {
  return v === undefined ? '(absent)' : goQuote(v);
}

function scopeText(platform: Platform | undefined): string {
  return platform ? formatPlatform(platform) : 'every entry';
}

/** Refuse anything but an index, in words that say why. */
export function requireIndex(ref: string, cur: Resolved, what: string): Index {
  if (cur.kind === 'index') return asIndex(cur);
  if (cur.kind === 'manifest') {
    throw new RefusedError(
      `${ref} is a single image manifest (${cur.mediaType}, ${cur.digest}), not an index: ` +
        `imagetools create would wrap it in a new one-entry index instead of ${what}. ` +
        `Push a multi-platform index first (or re-point the tag to one: docker ocifix verify ${ref} --digest sha256:… --fix).`,
    );
  }
  throw new RefusedError(`${ref} is not an image index (media type ${goQuote(cur.mediaType)}); nothing was changed`);
}

// ------------------------------------------------------------------------ annotate

export interface AnnotateInput {
  /** The tag written back (REF). */
  target: ImageRef;
  /** What REF resolved to when planning. */
  current: Resolved;
  /** What the written tag holds now, when REF was given by digest (default: current.digest). */
  targetDigest?: string | null;
  set: readonly Annotation[];
  remove: readonly Removal[];
  /** Extra tags (-t) and the digest each holds now. */
  extraTags: ReadonlyArray<{ ref: ImageRef; digest: string | null }>;
  argv: ArgvBuilder;
  /**
   * Name the tag itself as imagetools' source instead of its digest (REF had no `@sha256:`; only
   * the rebuild with annotation flags — a rebuild from JSON descriptors has no reference source):
   * imagetools then reads the tag as the first thing of its own run, right before its PUT, so a
   * move by another writer after our compare-and-swap re-read shows in the read-back (their
   * manifests under our annotations, not the planned digest) instead of being overwritten unseen.
   */
  sourceByTag?: boolean;
}

function checkAnnotationTypes(set: readonly Annotation[]): void {
  for (const a of set) {
    if (a.type === 'index' || a.type === 'manifest-descriptor') continue;
    if (a.type === 'index-descriptor') {
      throw new UsageError(
        `"index-descriptor" annotations are invalid while creating an image (${formatAnnotation(a)}): index-descriptor annotations live in an OCI layout's index.json, not in a registry`,
      );
    }
    throw new UsageError(
      `${goQuote(a.type)} annotations are not supported yet (${formatAnnotation(a)}): imagetools can annotate the index (index:) and its entries (manifest-descriptor[os/arch]:), not the manifests themselves`,
    );
  }
}

/** Plan `docker ocifix annotate`. Throws RefusedError / UsageError; never does I/O. */
/** What imagetools can annotate: an OCI-typed index whose entries the platform-scoped requests address. */
function checkAnnotatable(ref: string, before: readonly Descriptor[], input: AnnotateInput): void {
  if (before.length === 0) throw new RefusedError(`${ref} is an empty index (no manifests); nothing to annotate`);
  if (before.every((d) => isDockerMediaType(d.mediaType))) {
    throw new RefusedError(
      `every manifest in ${ref} uses a Docker media type (${[...new Set(before.map((d) => d.mediaType))].join(', ')}): ` +
        `buildx imagetools only writes annotations into OCI indexes and would silently drop them. ` +
        `Convert the image to OCI media types first (rebuild with --output type=image,oci-mediatypes=true,push=true, or skopeo copy --all --format oci), then annotate.`,
    );
  }

  // Platform-scoped requests must address existing entries (buildx would silently skip them, or
  // crash on an entry without a platform).
  const scoped = [...input.set.filter((a) => a.type === 'manifest-descriptor'), ...input.remove.filter((r) => r.type === 'manifest-descriptor')];
  for (const a of scoped) {
    if (!a.platform) continue;
    if (before.some((d) => !d.platform)) {
      throw new RefusedError(
        `${ref} has index entries without a platform; a platform-scoped manifest-descriptor annotation cannot address them (imagetools would fail)`,
      );
    }
    if (!before.some((d) => descriptorPlatform(d) === formatPlatform(a.platform))) {
      throw new UsageError(
        `manifest-descriptor[${a.platformSpec ?? formatPlatform(a.platform)}]: ${ref} has no entry with platform ${formatPlatform(a.platform)} (it has: ${[...new Set(before.map(descriptorPlatform))].join(', ')})`,
      );
    }
  }
}

/** The index's annotations after the change: everything already there, then the removals and values asked for. */
function nextIndexAnnotations(
  index: Index,
  input: AnnotateInput,
  changes: string[],
): { oldIndexAnn: Record<string, string>; newIndexAnn: Record<string, string> } {
  const oldIndexAnn = { ...(index.annotations ?? {}) };
  const newIndexAnn = { ...oldIndexAnn };
  for (const r of input.remove.filter((x) => x.type === 'index')) {
    if (r.key in newIndexAnn) {
      changes.push(`index annotation ${r.key}: ${show(newIndexAnn[r.key])} → removed`);
      delete newIndexAnn[r.key];
    } else changes.push(`index annotation ${r.key}: not present, nothing to remove`);
  }
  for (const a of input.set.filter((x) => x.type === 'index')) {
    if (newIndexAnn[a.key] !== a.value) changes.push(`index annotation ${a.key}: ${show(newIndexAnn[a.key])} → ${goQuote(a.value)}`);
    newIndexAnn[a.key] = a.value;
  }
  const carried = Object.keys(oldIndexAnn).filter((k) => k in newIndexAnn && !input.set.some((a) => a.type === 'index' && a.key === k));
  if (carried.length > 0) changes.push(`carried over ${carried.length} existing index annotation(s): ${carried.join(', ')}`);
  for (const k of Object.keys(newIndexAnn)) {
    if (k.includes('='))
      throw new RefusedError(
        `index annotation key ${goQuote(k)} contains "=": imagetools cannot carry it over (its --annotation flag splits at the first "="); nothing was changed`,
      );
  }
  return { oldIndexAnn, newIndexAnn };
}

/** The entries after the change: removals first, then "every entry" values, then platform-specific ones. */
function nextDescriptors(
  before: readonly Descriptor[],
  input: AnnotateInput,
  changes: string[],
): { after: Descriptor[]; descSets: Annotation[]; removedFromDescs: boolean } {
  const descSets = input.set.filter((a) => a.type === 'manifest-descriptor');
  const descRemovals = input.remove.filter((r) => r.type === 'manifest-descriptor');
  const after = before.map((d) => {
    const ann = { ...(d.annotations ?? {}) };
    for (const r of descRemovals) if (!r.platform || descriptorPlatform(d) === formatPlatform(r.platform)) delete ann[r.key];
    for (const a of descSets) if (!a.platform) ann[a.key] = a.value;
    for (const a of descSets) if (a.platform && descriptorPlatform(d) === formatPlatform(a.platform)) ann[a.key] = a.value;
    const nd: Descriptor = { ...d };
    if (Object.keys(ann).length > 0) nd.annotations = ann;
    else delete nd.annotations;
    return nd;
  });
  for (const a of descSets) {
    const touched = after.filter((d, i) => d.annotations?.[a.key] !== before[i]!.annotations?.[a.key]).length;
    changes.push(
      `manifest-descriptor annotation ${a.key} on ${scopeText(a.platform)}: ${goQuote(a.value)} (${touched} entr${touched === 1 ? 'y' : 'ies'} changed)`,
    );
  }
  const removedFromDescs = before.some((d, i) => sortedEntries(d.annotations).some(([k]) => !(k in (after[i]!.annotations ?? {}))));
  for (const r of descRemovals) {
    const n = before.filter((d, i) => d.annotations?.[r.key] !== undefined && after[i]!.annotations?.[r.key] === undefined).length;
    changes.push(
      `manifest-descriptor annotation ${r.key} on ${scopeText(r.platform)}: ${n === 0 ? 'not present, nothing to remove' : `removed from ${n} entr${n === 1 ? 'y' : 'ies'}`}`,
    );
  }
  return { after, descSets, removedFromDescs };
}

export function planAnnotate(input: AnnotateInput): Plan {
  const { target, current } = input;
  const ref = formatReference(target);
  checkAnnotationTypes(input.set);
  const index = requireIndex(ref, current, 'annotating it');
  const before = flattenLikeBuildx(index.manifests ?? []);
  checkAnnotatable(ref, before, input);
  const resultType = MEDIA.ociIndex;
  const changes: string[] = [];
  const { oldIndexAnn, newIndexAnn } = nextIndexAnnotations(index, input, changes);
  const { after, descSets, removedFromDescs } = nextDescriptors(before, input, changes);

  const expectedIndex: Index = { schemaVersion: 2, mediaType: resultType, manifests: after };
  if (Object.keys(newIndexAnn).length > 0) expectedIndex.annotations = newIndexAnn;
  const bytes = marshalIndexLikeGo(expectedIndex);
  const res = result(bytes, resultType);
  const predicted = modelCovers([...(index.manifests ?? []), ...after], newIndexAnn);

  const targetTag = formatReference(target);
  const extra = input.extraTags.filter((t) => formatReference(t.ref) !== targetTag);
  const cas: TagState[] = [];
  const unchanged: string[] = [];
  const steps: Step[] = [];
  const noChange =
    sameMap(oldIndexAnn, newIndexAnn) &&
    before.every((d, i) => sameMap(d.annotations, after[i]!.annotations)) &&
    (index.mediaType ?? MEDIA.ociIndex) === resultType;

  const targetDigest = input.targetDigest === undefined ? current.digest : input.targetDigest;
  if (noChange) {
    // Nothing to rewrite: the index keeps its bytes; the tags become carbon copies of it.
    changes.push('annotations already as requested: the index is left as it is');
    const copy = planCarbonCopy(
      atDigest(target, current.digest),
      current,
      [{ ref: target, digest: targetDigest }, ...extra],
      input.argv,
      'point the tags at the current index (byte-identical)',
    );
    return {
      action: 'annotate',
      source: { ref: targetTag, digest: current.digest, mediaType: current.mediaType },
      cas: copy.cas,
      steps: copy.steps,
      result: copy.result,
      changes,
      unchanged: copy.unchanged,
    };
  }
  if (index.mediaType === MEDIA.dockerList)
    changes.push(`media type: ${MEDIA.dockerList} → ${resultType} (imagetools writes annotations only into OCI indexes)`);

  const indexFlags = sortedEntries(newIndexAnn).map(([k, v]) => formatAnnotation({ type: 'index', key: k, value: v }));
  const descFlags = descriptorFlags(descSets, before);
  const useDescriptorSources = removedFromDescs || indexFlags.length + descFlags.length === 0;
  const source = input.sourceByTag ? targetTag : formatReference(atDigest(target, current.digest));

  cas.push({ ref: targetTag, digest: targetDigest });
  for (const t of extra) {
    if (t.digest === res.digest) unchanged.push(formatReference(t.ref));
    else cas.push({ ref: formatReference(t.ref), digest: t.digest });
  }
  const writeExtra = extra.filter((t) => t.digest !== res.digest);

  if (!useDescriptorSources) {
    const tags = [targetTag, ...writeExtra.map((t) => formatReference(t.ref))];
    const annotations = [...indexFlags, ...descFlags];
    steps.push({
      purpose: `rebuild the index of ${targetTag} with ${indexFlags.length} index annotation(s)${descFlags.length ? ` and ${descFlags.length} descriptor annotation flag(s)` : ''}`,
      argv: input.argv.createArgv({ tags, sources: [source], annotations }),
      preflight: input.argv.createArgv({ tags, sources: [source], annotations, dryRun: true }),
      predicted,
      tags,
      digest: res.digest,
    });
  } else {
    // Every child as a JSON descriptor source carrying exactly its final annotations. Without a
    // reference source buildx infers the repository from the tags, so only same-repository tags
    // go in this step; others get a carbon copy of the result afterwards.
    const sources = after.map(marshalDescriptorCompact);
    const same = writeExtra.filter((t) => sameRepo(t.ref, target));
    const other = writeExtra.filter((t) => !sameRepo(t.ref, target));
    const tags = [targetTag, ...same.map((t) => formatReference(t.ref))];
    steps.push({
      purpose: `rebuild the index of ${targetTag} from its ${after.length} entries (as descriptors, so annotations can be removed)`,
      argv: input.argv.createArgv({ tags, sources, annotations: indexFlags }),
      preflight: input.argv.createArgv({ tags, sources, annotations: indexFlags, dryRun: true }),
      predicted,
      tags,
      digest: res.digest,
    });
    if (other.length > 0) {
      const src = `${repoName(target)}@${res.digest}`;
      const otherTags = other.map((t) => formatReference(t.ref));
      steps.push({
        purpose: 'copy the new index to the tags in other repositories (byte-identical)',
        argv: input.argv.createArgv({ tags: otherTags, sources: [src] }),
        preflight: [],
        predicted: true,
        tags: otherTags,
        digest: res.digest,
      });
    }
  }
  return { action: 'annotate', source: { ref: targetTag, digest: current.digest, mediaType: current.mediaType }, cas, steps, result: res, changes, unchanged };
}

/**
 * `manifest-descriptor` flags that give every entry its planned value deterministically. buildx
 * applies them in Go map order, so when one key has both an every-entry value and platform-specific
 * ones, each distinct platform gets its own flag instead.
 */
function descriptorFlags(sets: readonly Annotation[], descs: readonly Descriptor[]): string[] {
  const byKey = new Map<string, Annotation[]>();
  for (const a of sets) byKey.set(a.key, [...(byKey.get(a.key) ?? []), a]);
  const out: string[] = [];
  for (const [key, list] of byKey) {
    const general = list.find((a) => !a.platform);
    const specific = list.filter((a) => a.platform);
    if (!general || specific.length === 0) {
      for (const a of list) out.push(formatAnnotation({ type: 'manifest-descriptor', key, value: a.value, ...(a.platform ? { platform: a.platform } : {}) }));
      continue;
    }
    const seen = new Set<string>();
    for (const d of descs) {
      const plat = descriptorPlatform(d);
      if (seen.has(plat)) continue;
      seen.add(plat);
      const value = specific.find((a) => formatPlatform(a.platform) === plat)?.value ?? general.value;
      out.push(`manifest-descriptor[${plat}]:${key}=${value}`);
    }
  }
  return out;
}

// --------------------------------------------------------------------- retag / repoint

function planCarbonCopy(
  source: ImageRef,
  resolved: Resolved,
  targets: ReadonlyArray<{ ref: ImageRef; digest: string | null }>,
  argv: ArgvBuilder,
  purpose: string,
  preferIndex?: boolean,
): Pick<Plan, 'cas' | 'steps' | 'result' | 'unchanged'> {
  const src = formatReference(atDigest(source, resolved.digest));
  const res: PlannedResult = { digest: resolved.digest, mediaType: resolved.mediaType, size: resolved.size, bytes: resolved.bytes.toString('utf8') };
  const unchanged: string[] = [];
  const cas: TagState[] = [];
  const seen = new Set<string>();
  for (const t of targets) {
    const r = formatReference(t.ref);
    if (seen.has(r)) continue;
    seen.add(r);
    if (t.digest === resolved.digest) unchanged.push(r);
    else cas.push({ ref: r, digest: t.digest });
  }
  const tags = cas.map((c) => c.ref);
  const opts = preferIndex === false ? { preferIndex: false } : {};
  const steps: Step[] =
    tags.length === 0
      ? []
      : [
          {
            purpose,
            argv: argv.createArgv({ tags, sources: [src], ...opts }),
            preflight: argv.createArgv({ tags, sources: [src], ...opts, dryRun: true }),
            // one source, no annotation: imagetools copies its bytes as they are
            predicted: true,
            tags,
            digest: resolved.digest,
          },
        ];
  return { cas, steps, result: res, unchanged };
}

export interface RetagInput {
  source: ImageRef;
  resolved: Resolved;
  targets: ReadonlyArray<{ ref: ImageRef; digest: string | null }>;
  allowManifest: boolean;
  argv: ArgvBuilder;
  action?: 'retag' | 'repoint';
}

/** Plan `retag` (and `verify --fix`): every target ends on SOURCE's digest, byte-identical. */
export function planRetag(input: RetagInput): Plan {
  const srcRef = formatReference(input.source);
  const r = input.resolved;
  let preferIndex: boolean | undefined;
  if (r.kind === 'manifest') {
    if (!input.allowManifest) {
      throw new RefusedError(
        `${srcRef} (${r.digest}) is a single image manifest (${r.mediaType}), not an index: the target tags would lose every other platform. ` +
          `Pass --allow-manifest to copy it as it is.`,
      );
    }
    preferIndex = false; // imagetools would otherwise wrap it into a new one-entry index
  } else if (r.kind !== 'index') {
    throw new RefusedError(`${srcRef} is neither an index nor an image manifest (media type ${goQuote(r.mediaType)}); nothing was changed`);
  }
  const action = input.action ?? 'retag';
  const copy = planCarbonCopy(
    input.source,
    r,
    input.targets,
    input.argv,
    `point ${input.targets.length === 1 ? 'the tag' : 'the tags'} at ${r.digest} (byte-identical copy)`,
    preferIndex,
  );
  const changes = copy.cas.map((c) => `${c.ref}: ${c.digest ?? '(absent)'} → ${r.digest}`);
  for (const u of copy.unchanged) changes.push(`${u}: already at ${r.digest}`);
  return { action, source: { ref: srcRef, digest: r.digest, mediaType: r.mediaType }, ...copy, changes };
}

// ---------------------------------------------------------------------------- verify

export interface VerifyExpectation {
  platforms: ReadonlyArray<{ spec: string; platform: Platform }>;
  digest?: string;
  /** index: or manifest-descriptor[…]: annotations that must be present with these values. */
  annotations: readonly Annotation[];
}

export interface VerifyProblem {
  code: 'not-found' | 'not-an-index' | 'missing-platform' | 'digest-mismatch' | 'annotation-missing' | 'annotation-mismatch';
  message: string;
}

export interface VerifyReport {
  ref: string;
  ok: boolean;
  found: boolean;
  digest?: string;
  mediaType?: string;
  kind?: Resolved['kind'];
  /** Image platforms in the index (attestations excluded). */
  platforms: string[];
  attestations: number;
  annotations: Record<string, string>;
  problems: VerifyProblem[];
}

/** Check what a tag resolved to against expectations. Pure. */
export function checkTag(ref: string, resolved: Resolved | null, expect: VerifyExpectation): VerifyReport {
  const report: VerifyReport = { ref, ok: false, found: resolved !== null, platforms: [], attestations: 0, annotations: {}, problems: [] };
  if (!resolved) {
    report.problems.push({ code: 'not-found', message: `${ref} does not exist in the registry` });
    return report;
  }
  report.digest = resolved.digest;
  report.mediaType = resolved.mediaType;
  report.kind = resolved.kind;
  if (expect.digest && resolved.digest !== expect.digest) {
    report.problems.push({ code: 'digest-mismatch', message: `${ref} is at ${resolved.digest}, expected ${expect.digest}` });
  }
  if (resolved.kind !== 'index') {
    report.problems.push({
      code: 'not-an-index',
      message:
        resolved.kind === 'manifest'
          ? `${ref} points at a single image manifest (${resolved.mediaType}), not an index: the other platforms are unreachable through this tag`
          : `${ref} is not an image index (media type ${goQuote(resolved.mediaType)})`,
    });
    return report;
  }
  const index = asIndex(resolved);
  const manifests = index.manifests ?? [];
  const images = manifests.filter((d) => !isAttestation(d));
  report.platforms = images.map(descriptorPlatform);
  report.attestations = manifests.length - images.length;
  report.annotations = { ...(index.annotations ?? {}) };
  for (const p of expect.platforms) {
    if (!images.some((d) => matchesPlatform(d, p.platform))) {
      report.problems.push({
        code: 'missing-platform',
        message: `platform ${p.spec} is missing (index has: ${report.platforms.join(', ') || 'no image entries'})`,
      });
    }
  }
  for (const a of expect.annotations) {
    if (a.type === 'manifest-descriptor') {
      const scope = images.filter((d) => !a.platform || matchesPlatform(d, a.platform));
      if (scope.length === 0) {
        report.problems.push({ code: 'annotation-missing', message: `${formatAnnotation(a)}: no index entry with platform ${formatPlatform(a.platform)}` });
      }
      for (const d of scope) {
        const v = d.annotations?.[a.key];
        if (v === a.value) continue;
        report.problems.push({
          code: v === undefined ? 'annotation-missing' : 'annotation-mismatch',
          message: `descriptor annotation ${a.key} of ${descriptorPlatform(d)} entry is ${show(v)}, expected ${goQuote(a.value)}`,
        });
      }
      continue;
    }
    const v = index.annotations?.[a.key];
    if (v === a.value) continue;
    report.problems.push({
      code: v === undefined ? 'annotation-missing' : 'annotation-mismatch',
      message: `index annotation ${a.key} is ${show(v)}, expected ${goQuote(a.value)}`,
    });
  }
  report.ok = report.problems.length === 0;
  return report;
}

/** Compare an index read back (or printed by a dry run) with the planned one: same entries, same annotations. */
export function diffIndexes(planned: Index, actual: Index): string[] {
  const out: string[] = [];
  if ((planned.mediaType ?? '') !== (actual.mediaType ?? '')) out.push(`media type ${actual.mediaType ?? '(none)'}, planned ${planned.mediaType ?? '(none)'}`);
  if (!sameMap(planned.annotations, actual.annotations))
    out.push(`index annotations ${JSON.stringify(actual.annotations ?? {})}, planned ${JSON.stringify(planned.annotations ?? {})}`);
  const a = planned.manifests ?? [];
  const b = actual.manifests ?? [];
  if (a.length !== b.length) out.push(`${b.length} entries, planned ${a.length}`);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.digest !== y.digest) out.push(`entry ${i}: ${y.digest}, planned ${x.digest}`);
    else if (!sameMap(x.annotations, y.annotations))
      out.push(`entry ${i} (${descriptorPlatform(x)}): annotations ${JSON.stringify(y.annotations ?? {})}, planned ${JSON.stringify(x.annotations ?? {})}`);
  }
  return out;
}
