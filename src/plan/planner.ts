/**
 * The rewrite planner: buildx build argv + probed facts + policy → BuildPlan. Pure and
 * deterministic (the temporary metadata path is an input).
 *
 * It is called repeatedly: when a fix needs a fact that was not probed yet, it answers
 * `{ kind: 'need', probes }`; the caller probes and calls again. A build that meets no pitfall
 * never asks for anything (`docker ocifix build .` runs no probe).
 *
 * The fixes, each announced by at most one notice line (a change to the command before the build,
 * or the result of a post-build step after a successful build):
 *  1. index annotations on a single-manifest result → `--build-arg BUILDKIT_MULTI_PLATFORM=1`
 *     (policy: force-index | manifest-only | fail); an image store that cannot hold an index
 *     (docker driver or --load on the classic store, a docker tarball) → drop them or fail;
 *  2. multi-node builder + index annotations + push: buildx < 0.16 loses them in the merge → add
 *     them after the push (annotate); on every version read them back (verify);
 *  3. `--output type=oci` with several names → normalize the layout to one entry (first tag or
 *     --ocifix-keep-tag); multi-node builders refuse oci/tar outputs → refuse before running;
 *  4. `--load` of several platforms without the containerd image store → native | split |
 *     cacheonly | error;
 *  5. `--push` → know the pushed digest (temporary --metadata-file when the user gave none), then
 *     check every tag is on it and re-point those that are not;
 *  6. buildx < 0.16 with multi-type annotation prefixes → one flag per type.
 * Plus, for a failed oci/docker/tar export: remove the 0-byte file buildx may leave behind when
 * it did not exist before the run.
 */
// function modules, not the semver index: it would load (and build the regexes of) all of semver
import semverLt from 'semver/functions/lt.js';
import semverValid from 'semver/functions/valid.js';
import { AnnotationSyntaxError, formatAnnotation, toLegacyFlags, type AnnotationType } from '../buildflags/annotations.js';
import {
  applyEdits,
  boolValue,
  lastValue,
  parseBoolValue,
  parseBuildArgs,
  uses,
  values,
  type ArgEdit,
  type FlagUse,
  type ParsedBuildArgs,
} from '../buildflags/args.js';
import { editOutput, effectiveOutputs, formatOutput, outputAnnotations, type EffectiveOutput } from '../buildflags/outputs.js';
import {
  annotationFlags,
  attestations,
  buildArg,
  INDEX_TYPES,
  isMultiNodeSplit,
  assignNodes,
  platformMatches,
  pushedTag,
  requestedPlatforms,
  suffixedName,
  tagPart,
  type AnnotationFlag,
  type BuildEnv,
} from './derive.js';
import {
  failed,
  type BuildPlan,
  type BuilderFacts,
  type DaemonFacts,
  type Facts,
  type PlanResult,
  type Policy,
  type PostStep,
  type ProbeName,
} from './types.js';

export interface PlanInput {
  /** The arguments after `build` (ocifix's own options already taken out). */
  args: readonly string[];
  /** `args` already parsed (the caller plans several rounds on the same argv); parsed here when absent. */
  parsed?: ParsedBuildArgs;
  /** `build` or its alias `b`. */
  command?: string;
  env: BuildEnv;
  policy: Policy;
  facts: Facts;
  /** Where a temporary metadata file would go, if the plan needs one. */
  tempMetadataFile: string;
}

const IMAGE_TYPES = new Set(['image', 'oci', 'docker']);
/** Flags whose meaning the planner relies on: if one may be an unknown flag's value, hands off. */
const RELEVANT = new Set([
  'platform', 'output', 'tag', 'annotation', 'push', 'load', 'builder', 'metadata-file', 'iidfile',
  'build-arg', 'provenance', 'sbom', 'attest', 'cache-to', 'call', 'check', 'print',
]);
const PROBE_ORDER: ProbeName[] = ['buildx-version', 'builder', 'daemon'];
const PROBE_KEY: Record<ProbeName, keyof Facts> = { 'buildx-version': 'buildxVersion', builder: 'builder', daemon: 'daemon' };

function probesUsed(facts: Facts): ProbeName[] {
  return PROBE_ORDER.filter((n) => facts[PROBE_KEY[n]] !== undefined);
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function quoteList(xs: readonly string[], max = 2): string {
  const shown = xs.slice(0, max).join(', ');
  return xs.length > max ? `${shown} and ${xs.length - max} more` : shown;
}

function firstLine(s: string, max = 60): string {
  const line = s.split('\n')[0]!.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function isIndexAttr(key: string): boolean {
  return /^annotation-(index|index-descriptor)(\[|\.)/.test(key);
}

function annotationLabel(a: { type: string; key: string }): string {
  return a.type ? `${a.type}:${a.key}` : a.key;
}

export function planBuild(input: PlanInput): PlanResult {
  const { env, policy, facts } = input;
  const args = [...input.args];
  const cmd = input.command ?? 'build';
  const p = input.parsed ?? parseBuildArgs(args);

  const need = new Set<ProbeName>();
  const notices: string[] = [];
  const failureNoticed = new Set<ProbeName>();
  const probeFailed = (name: ProbeName, error: string, what: string): void => {
    if (failureNoticed.has(name)) return;
    failureNoticed.add(name);
    notices.push(`ocifix: could not read ${what} (${firstLine(error)}); fixes that need it are skipped`);
  };
  /** A probed fact; asks for the probe when it has not run, notes a failed one once. */
  const fact = (name: ProbeName, what: string): unknown => {
    const v = facts[PROBE_KEY[name]];
    if (v === undefined) need.add(name);
    else if (failed(v)) probeFailed(name, v.error, what);
    else return v;
    return undefined;
  };
  const getBuilder = (): BuilderFacts | undefined => fact('builder', 'the builder') as BuilderFacts | undefined;
  const getDaemon = (): DaemonFacts | undefined => fact('daemon', "the daemon's image store") as DaemonFacts | undefined;
  const getVersion = (): string | undefined => fact('buildx-version', 'the buildx version') as string | undefined;

  const plan = (fields: Partial<BuildPlan> & Pick<BuildPlan, 'buildxArgs'>): PlanResult => {
    if (need.size > 0) return { kind: 'need', probes: PROBE_ORDER.filter((n) => need.has(n)) };
    const buildxEnv = fields.buildxEnv ?? {};
    const postSteps = fields.postSteps ?? [];
    const passthrough =
      !fields.refusal && postSteps.length === 0 && Object.keys(buildxEnv).length === 0 && (fields.mainStdout ?? 'inherit') === 'inherit' &&
      fields.buildxArgs.length === args.length + 1 && fields.buildxArgs.every((a, i) => a === (i === 0 ? cmd : args[i - 1]));
    return {
      kind: 'plan',
      plan: {
        buildxArgs: fields.buildxArgs,
        buildxEnv,
        notices,
        postSteps,
        mainStdout: fields.mainStdout ?? 'inherit',
        stdin: fields.stdin ?? 'inherit',
        ...(fields.iidFile ? { iidFile: fields.iidFile } : {}),
        ...(fields.metadataFile ? { metadataFile: fields.metadataFile } : {}),
        probesUsed: probesUsed(facts),
        facts,
        ...(fields.refusal ? { refusal: fields.refusal } : {}),
        passthrough,
      },
    };
  };
  const unchanged = (): PlanResult => plan({ buildxArgs: [cmd, ...args] });

  // Things buildx itself rejects, or runs that export nothing: hands off.
  if (p.error) return unchanged();
  if (boolValue(p, 'help') === true) return unchanged();
  const eo = effectiveOutputs(p);
  if (eo.error) return unchanged();
  const call = lastValue(p, 'call');
  const print = lastValue(p, 'print');
  if ((call !== undefined && call !== 'build') || boolValue(p, 'check') === true || (print !== undefined && print !== '')) return unchanged();

  // An unknown flag written `--x VALUE` may have swallowed what follows: do not build on it.
  const shaky = p.flags.find((f) => f.uncertain && RELEVANT.has(f.name));
  if (shaky) {
    const unknown = [...p.unknown].reverse().find((u) => u.index < shaky.index);
    const label = unknown ? p.argv[unknown.index] : 'an unknown flag';
    notices.push(`ocifix: ${label} is a flag ocifix does not know: build passed on unchanged (write ${label}=VALUE)`);
    return unchanged();
  }

  const platforms = requestedPlatforms(p, env);
  const multiPlatformArg = buildArg(p, 'BUILDKIT_MULTI_PLATFORM', env);
  const mpForced = multiPlatformArg !== undefined && parseBoolValue(multiPlatformArg) === true;
  const mpDisabled = multiPlatformArg !== undefined && parseBoolValue(multiPlatformArg) === false;
  const att = attestations(p, env);
  const annFlags = annotationFlags(p);
  const flagAnnos = annFlags.flatMap((a) => a.parsed ?? []);
  const outputs = eo.outputs;
  const tags = values(p, 'tag');

  const mainEdits: ArgEdit[] = [];
  const postSteps: PostStep[] = [];
  const buildxEnv: Record<string, string> = {};
  let refusal: string | undefined;
  const refuse = (why: string): void => {
    refusal ??= why;
  };

  // ---------------------------------------------------------------- fix 6: annotation grammar
  let legacy = false;
  if (annFlags.some((a) => a.multiType && a.parsed && a.parsed.length > 1)) {
    const v = getVersion();
    legacy = v !== undefined && semverValid(v) !== null && semverLt(v, '0.16.0');
  }

  // ---------------------------------------------------------------- fix 4: --load of several platforms
  interface SubBuild {
    platform: string;
    split: boolean;
  }
  let mainOutputs: EffectiveOutput[] = outputs;
  let subBuilds: SubBuild[] = [];
  let loadHandled = false;
  const loadOutputs = outputs.filter((o) => o.load);
  if (loadOutputs.length > 0 && platforms.length > 1) {
    const daemon = getDaemon();
    if (daemon && !daemon.containerdStore) {
      const b = getBuilder();
      if (b?.driver === 'docker') {
        refuse(
          `the docker driver of builder "${b.name}" runs on a daemon without the containerd image store, which cannot build several platforms (${platforms.join(', ')}). ` +
            'Build with a docker-container or remote builder (--builder NAME), or turn on the containerd image store.',
        );
      } else if (b || failed(facts.builder)) {
        const what = `--load of ${platforms.length} platforms (${platforms.join(', ')}) into a daemon without the containerd image store cannot work (buildx: "docker exporter does not currently support exporting manifest lists")`;
        const short = `the classic store cannot --load ${platforms.length} platforms`;
        switch (policy.load) {
          case 'error':
            refuse(`${what}. Choose --ocifix-load=native (load ${daemon.platform} only), split (one tag per platform) or cacheonly (load nothing), or turn on the containerd image store.`);
            break;
          case 'native': {
            const nat = platforms.find((pl) => platformMatches(pl, daemon.platform));
            if (!nat) {
              refuse(
                `${what}, and none of them is the daemon's own platform (${daemon.platform}), so nothing can be loaded natively. Use --ocifix-load=split (one tag per platform) or --ocifix-load=cacheonly.`,
              );
              break;
            }
            subBuilds = [{ platform: nat, split: false }];
            notices.push(`ocifix: ${short}: loading ${nat} only (--ocifix-load=native)`);
            break;
          }
          case 'split': {
            subBuilds = platforms.map((pl) => ({ platform: pl, split: true }));
            const names = tags.length ? tags : loadOutputs.flatMap((o) => o.names);
            notices.push(`ocifix: ${short}: ${names.length ? 'one TAG-os-arch each' : 'each untagged'} (--ocifix-load=split)`);
            break;
          }
          case 'cacheonly':
            notices.push(`ocifix: ${short}: build cache only (--ocifix-load=cacheonly)`);
            break;
        }
        if (!refusal) {
          loadHandled = true;
          mainOutputs = outputs.filter((o) => !o.load);
          for (const u of uses(p, 'load')) mainEdits.push({ op: 'remove', use: u });
          for (const o of loadOutputs) if (o.origin.kind === 'output') mainEdits.push({ op: 'remove', use: o.origin.use });
          if (mainOutputs.length === 0) mainEdits.push({ op: 'insert', at: 0, tokens: ['--output=type=cacheonly'] });
        }
      }
    }
  }
  /** When --load was the only output, the user's --metadata-file/--iidfile describe the loaded image. */
  const loadOnly = loadHandled && mainOutputs.length === 0;
  const carrier = loadOnly && subBuilds.length > 0 ? Math.max(0, subBuilds.findIndex((s) => !s.split || (facts.daemon && !failed(facts.daemon) && platformMatches(s.platform, facts.daemon.platform)))) : -1;
  if (loadOnly && subBuilds.length > 0) {
    for (const u of [...uses(p, 'metadata-file'), ...uses(p, 'iidfile')]) mainEdits.push({ op: 'remove', use: u });
  }

  // ---------------------------------------------------------------- fix 1: index annotations, single manifest
  const attrAnnos = (o: EffectiveOutput) => outputAnnotations(o.entry);
  const indexAnnosOf = (o: EffectiveOutput): string[] => {
    if (!IMAGE_TYPES.has(o.type)) return [];
    return unique([
      ...flagAnnos.filter((a) => INDEX_TYPES.has(a.type)).map(annotationLabel),
      ...attrAnnos(o).filter((a) => INDEX_TYPES.has(a.type)).map(annotationLabel),
    ]);
  };
  const producesIndex = (o: EffectiveOutput): boolean => {
    if (mpForced || platforms.length > 1 || att.explicit.length > 0) return true;
    const inline = o.entry.attrs['attestation-inline'];
    const inlineOff = inline !== undefined && parseBoolValue(inline) === false;
    const inlineOn = inline !== undefined && parseBoolValue(inline) === true;
    if (o.type === 'image' && att.defaultProvenance && !inlineOff) return true;
    return inlineOn && att.defaultProvenance;
  };
  let dropIndex = false;
  const anyIndexAnnos = flagAnnos.some((a) => INDEX_TYPES.has(a.type)) || outputs.some((o) => attrAnnos(o).some((a) => INDEX_TYPES.has(a.type)));
  if (anyIndexAnnos) {
    const b = getBuilder();
    if (b) {
      let candidates = mainOutputs;
      if (candidates.length === 0 && !loadHandled && b.driver === 'docker') {
        // the docker driver loads into its daemon when no output is given
        candidates = [{ origin: { kind: 'load' }, entry: { type: 'docker', attrs: {}, fields: [], bare: false }, type: 'docker', push: false, load: true, tar: true, stdout: false, names: tags }];
      }
      const single: string[] = [];
      const noIndexStore: string[] = [];
      let annos: string[] = [];
      for (const o of candidates) {
        const ia = indexAnnosOf(o);
        if (ia.length === 0) continue;
        const viaDaemon = o.load || b.driver === 'docker';
        let classic = o.type === 'docker' && o.dest !== undefined;
        if (!classic && viaDaemon) {
          const d = getDaemon();
          if (!d) continue;
          classic = !d.containerdStore;
        }
        const label = o.origin.kind === 'output' ? `--output ${o.origin.use.value}` : o.origin.kind === 'push' ? '--push' : '--load';
        if (classic) noIndexStore.push(o.type === 'docker' && o.dest !== undefined ? `${label} (a docker tarball)` : `${label} (${b.driver === 'docker' ? `docker driver, ` : ''}daemon without the containerd image store)`);
        else if (!producesIndex(o)) single.push(label);
        else continue;
        annos = unique([...annos, ...ia]);
      }
      if (single.length + noIndexStore.length > 0) {
        const listed = quoteList(annos.map((a) => `--annotation ${a}`));
        const localOrTar = mainOutputs.some((o) => o.type === 'local' || o.type === 'tar');
        if (policy.indexAnnotations === 'fail') {
          refuse(
            noIndexStore.length
              ? `index annotations (${listed}) cannot be stored by ${noIndexStore.join(', ')}: it holds no image index (--ocifix-index-annotations=fail)`
              : `index annotations (${listed}) on a single-platform export (${single.join(', ')}): buildx would fail with "index annotations not supported for single platform export" (--ocifix-index-annotations=fail; force-index or manifest-only make it build)`,
          );
        } else if (policy.indexAnnotations === 'force-index' && noIndexStore.length === 0 && !mpDisabled && !localOrTar) {
          mainEdits.push({ op: 'insert', at: 0, tokens: ['--build-arg', 'BUILDKIT_MULTI_PLATFORM=1'] });
          notices.push(`ocifix: added --build-arg BUILDKIT_MULTI_PLATFORM=1: index annotations need an image index`);
        } else {
          dropIndex = true;
          const why = noIndexStore.length
            ? noIndexStore.some((x) => x.endsWith('(a docker tarball)'))
              ? 'a docker tarball holds no image index'
              : 'the classic image store holds no image index'
            : policy.indexAnnotations === 'manifest-only'
              ? 'one-manifest image (--ocifix-index-annotations=manifest-only)'
              : mpDisabled
                ? `one-manifest image (BUILDKIT_MULTI_PLATFORM=${multiPlatformArg})`
                : 'an image index would also change the local/tar output';
          const what = annos.length === 1 && annos[0]!.length <= 32 ? `--annotation ${annos[0]}` : `${annos.length} index annotation${annos.length === 1 ? '' : 's'}`;
          notices.push(`ocifix: dropped ${what}: ${why}`);
        }
      }
    }
  }

  // ---------------------------------------------------------------- annotation flag edits (fixes 1, 4, 6)
  const fix6: string[] = [];
  const annotationEdit = (f: AnnotationFlag, drop: boolean, note: boolean): ArgEdit | undefined => {
    if (!f.parsed) return undefined; // buildx reports the syntax error itself
    const all = f.parsed;
    const kept = drop ? all.filter((a) => !INDEX_TYPES.has(a.type)) : all;
    if (kept.length === 0) return { op: 'remove', use: f.use };
    const split = (legacy && f.multiType && kept.length > 1) || kept.length !== all.length;
    if (!split) return undefined;
    let flags = kept.map((a) => formatAnnotation(a));
    if (legacy) {
      // one flag per type, checked against what buildx < 0.16 can parse
      try {
        flags = toLegacyFlags(flags);
      } catch (error) {
        if (!(error instanceof AnnotationSyntaxError)) throw error;
        refuse(`--annotation ${f.raw}: ${error.message}`);
        return undefined;
      }
    }
    if (note && legacy && f.multiType && kept.length > 1) fix6.push(`--annotation ${f.raw}`);
    if (flags.length === 1) return { op: 'set-value', use: f.use, value: flags[0]! };
    return { op: 'replace', use: f.use, tokens: flags.map((x) => `--annotation=${x}`) };
  };
  const annotationEdits = (drop: boolean, note: boolean): ArgEdit[] =>
    annFlags.map((f) => annotationEdit(f, drop, note)).filter((e): e is ArgEdit => e !== undefined);
  const outputAttrEdits = (os: readonly EffectiveOutput[]): ArgEdit[] => {
    const edits: ArgEdit[] = [];
    for (const o of os) {
      if (o.origin.kind !== 'output' || !Object.keys(o.entry.attrs).some(isIndexAttr)) continue;
      edits.push({ op: 'set-value', use: o.origin.use, value: formatOutput(editOutput(o.entry, { remove: isIndexAttr })) });
    }
    return edits;
  };
  const mainAnnotationEdits = [...annotationEdits(dropIndex, true), ...(dropIndex ? outputAttrEdits(mainOutputs) : [])];
  if (fix6.length) {
    const v = facts.buildxVersion && !failed(facts.buildxVersion) ? ` ${facts.buildxVersion}` : '';
    const what = fix6.length === 1 ? fix6[0]! : `${fix6.length} multi-type annotations`;
    notices.push(`ocifix: split ${what} into one flag per type (buildx${v} predates 0.16)`);
  }

  // ---------------------------------------------------------------- fix 3: OCI layouts with several names; multi-node oci/tar
  for (const o of mainOutputs) {
    if ((o.type === 'oci' || o.type === 'tar') && platforms.length > 1) {
      const b = getBuilder();
      if (b && isMultiNodeSplit(b, platforms)) {
        const nodes = assignNodes(b, platforms);
        const where = platforms.map((pl, i) => `${pl} on ${b.nodes[nodes[i]!]?.name ?? '?'}`).join(', ');
        refuse(
          `builder "${b.name}" would build ${where}, and buildx cannot write --output type=${o.type} from a multi-node build ("${o.type} for multi-node builds currently not supported"). ` +
            'Use a single-node builder (--builder NAME), build the platforms one node at a time, or --push and read the index from the registry.',
        );
      }
    }
    if (o.type === 'oci' && o.names.length > 1) {
      if (o.dest === undefined || o.stdout) {
        notices.push(`ocifix: an OCI layout on stdout keeps its ${o.names.length} index.json entries: crane and skopeo refuse that`);
        continue;
      }
      let keep = o.names[0]!;
      if (policy.keepTag !== undefined) {
        const k = policy.keepTag;
        const match = o.names.find((n) => n === k) ?? o.names.find((n) => tagPart(n) === k);
        if (!match) {
          refuse(`--ocifix-keep-tag=${k} names none of the tags of the OCI output (${o.names.join(', ')})`);
          continue;
        }
        keep = match;
      }
      // its one line comes after the build, from the step: "normalized DEST: 3 index.json entries → 1 (NAME)"
      postSteps.push({ kind: 'normalize', when: 'success', path: o.dest, ref: keep, mode: 'single' });
    }
  }

  // ---------------------------------------------------------------- fix 2: multi-node merge + index annotations
  const pushOutputs = mainOutputs.filter((o) => o.type === 'image' && o.push);
  const pushByDigest = (o: EffectiveOutput) => o.entry.attrs['push-by-digest'] !== undefined && parseBoolValue(o.entry.attrs['push-by-digest']) === true;
  // the tags the push writes (`NAME:TAG@DIGEST` goes to NAME:TAG, `NAME@DIGEST` to no tag)
  const pushRefs = unique(
    pushOutputs
      .filter((o) => !pushByDigest(o))
      .flatMap((o) => o.names)
      .map(pushedTag)
      .filter((n): n is string => n !== undefined),
  );
  const verifySteps: PostStep[] = [];
  if (pushRefs.length > 0 && platforms.length > 1) {
    const registryAnnos = unique([
      ...flagAnnos.filter((a) => a.type === 'index' || a.type === 'manifest-descriptor').map((a) => formatAnnotation(a)),
      ...pushOutputs.flatMap((o) =>
        attrAnnos(o)
          .filter((a) => a.type === 'index' || a.type === 'manifest-descriptor')
          .map((a) => formatAnnotation({ type: a.type as AnnotationType, ...(a.platform ? { platformSpec: a.platform } : {}), key: a.key, value: a.value })),
      ),
    ]).filter((a) => !(dropIndex && a.startsWith('index')));
    if (registryAnnos.length > 0) {
      const b = getBuilder();
      if (b && isMultiNodeSplit(b, platforms)) {
        const v = getVersion();
        if (v !== undefined || failed(facts.buildxVersion)) {
          const old = v !== undefined && semverValid(v) !== null && semverLt(v, '0.16.0');
          // its one line comes after the push, from the annotate step; the read-back is silent unless it fails
          if (old && v !== undefined) verifySteps.push({ kind: 'annotate', when: 'success', refs: pushRefs, annotations: registryAnnos, buildxVersion: v });
          verifySteps.push({ kind: 'verify-annotations', when: 'success', refs: pushRefs, annotations: registryAnnos });
        }
      }
    }
  }

  // ---------------------------------------------------------------- fix 5: pushed digest, tags on it
  let metadataFile: BuildPlan['metadataFile'];
  if (pushRefs.length > 0) {
    const userMeta = lastValue(p, 'metadata-file');
    if (userMeta !== undefined && userMeta !== '') metadataFile = { path: userMeta, temporary: false };
    else {
      metadataFile = { path: input.tempMetadataFile, temporary: true };
      // `--metadata-file=""` last means none (pflag: the last wins, and it would override ours): drop them all
      for (const u of uses(p, 'metadata-file')) mainEdits.push({ op: 'remove', use: u });
      mainEdits.push({ op: 'insert', at: 0, tokens: [`--metadata-file=${input.tempMetadataFile}`] });
      if (env.BUILDX_METADATA_PROVENANCE === undefined) buildxEnv['BUILDX_METADATA_PROVENANCE'] = 'disabled';
    }
    // silent when every tag is on the pushed digest; one line per tag it re-points
    verifySteps.push({ kind: 'verify-tags', when: 'success', refs: pushRefs });
  }
  postSteps.push(...verifySteps);

  // ---------------------------------------------------------------- load sub-builds (fix 4)
  subBuilds.forEach((sb, i) => {
    const edits: ArgEdit[] = [];
    for (const u of uses(p, 'platform')) edits.push({ op: 'remove', use: u });
    edits.push({ op: 'insert', at: 0, tokens: [`--platform=${sb.platform}`] });
    for (const u of uses(p, 'push')) edits.push({ op: 'remove', use: u });
    for (const o of outputs) if (o.origin.kind === 'output' && !o.load) edits.push({ op: 'remove', use: o.origin.use });
    for (const u of uses(p, 'cache-to')) edits.push({ op: 'remove', use: u });
    if (i !== carrier) for (const u of [...uses(p, 'metadata-file'), ...uses(p, 'iidfile')]) edits.push({ op: 'remove', use: u });
    if (att.explicit.length > 0) for (const u of [...uses(p, 'attest'), ...uses(p, 'sbom'), ...uses(p, 'provenance')]) edits.push({ op: 'remove', use: u });
    edits.push(...annotationEdits(true, false));
    const loadAttrEdits = new Map<FlagUse, ReturnType<typeof editOutput>>();
    for (const o of loadOutputs) {
      if (o.origin.kind !== 'output') continue;
      let entry = o.entry;
      if (Object.keys(entry.attrs).some(isIndexAttr)) entry = editOutput(entry, { remove: isIndexAttr });
      if (sb.split && tags.length === 0 && entry.attrs['name']) {
        entry = editOutput(entry, { set: { name: entry.attrs['name'].split(',').map((n) => suffixedName(n.trim(), sb.platform)).join(',') } });
      }
      if (entry !== o.entry) loadAttrEdits.set(o.origin.use, entry);
    }
    for (const [use, entry] of loadAttrEdits) edits.push({ op: 'set-value', use, value: formatOutput(entry) });
    if (sb.split) for (const u of uses(p, 'tag')) edits.push({ op: 'set-value', use: u, value: suffixedName(u.value ?? '', sb.platform) });
    const sbArgs = [cmd, ...applyEdits(args, edits)];
    const names = sb.split ? (tags.length ? tags.map((t) => suffixedName(t, sb.platform)) : []) : tags;
    postSteps.push({
      kind: 'buildx',
      when: 'success',
      args: sbArgs,
      why: `load ${sb.platform}${sb.split ? '' : " (the daemon's platform)"} into the daemon${names.length ? ` as ${names.join(', ')}` : ''}`,
      // one build's stdout is the user's (-q prints one image ID): the one that carries --iidfile
      stdout: i === carrier ? 'inherit' : 'ignore',
    });
  });

  // ---------------------------------------------------------------- what the builds read and print
  const quiet = boolValue(p, 'quiet') === true;
  const annotates = postSteps.some((s) => s.kind === 'annotate');
  /** -q: the loaded image's ID, not the cache-only build's empty line; the annotated index's digest, not buildx's. */
  const mainStdout: BuildPlan['mainStdout'] = quiet && carrier >= 0 ? 'ignore' : quiet && annotates ? 'capture' : 'inherit';
  const iidfile = lastValue(p, 'iidfile');
  /** `-f -` or a context on `-`: stdin is read once and given to every build of the plan. */
  const readsStdin = p.context?.value === '-' || values(p, 'file').includes('-');
  const stdin: BuildPlan['stdin'] = readsStdin && subBuilds.length > 0 ? 'shared' : 'inherit';

  // ---------------------------------------------------------------- cleanup steps
  if (metadataFile?.temporary) postSteps.push({ kind: 'remove-temp', when: 'always', path: metadataFile.path });
  for (const o of mainOutputs) {
    if ((o.type === 'oci' || o.type === 'docker' || o.type === 'tar') && o.dest !== undefined && !o.stdout && o.dest !== '') {
      postSteps.push({ kind: 'remove-empty-output', when: 'failure', path: o.dest });
    }
  }

  const buildxArgs = [cmd, ...applyEdits(args, [...mainEdits, ...mainAnnotationEdits])];
  return plan({
    buildxArgs,
    buildxEnv,
    postSteps,
    mainStdout,
    stdin,
    ...(annotates && iidfile ? { iidFile: iidfile } : {}),
    ...(metadataFile ? { metadataFile } : {}),
    ...(refusal ? { refusal } : {}),
  });
}
