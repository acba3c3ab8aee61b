import { describe, expect, it } from 'vitest';
import { planBuild } from '../../../src/build/planner.js';
import { DEFAULT_POLICY, type BuildPlan, type BuilderFacts, type DaemonFacts, type Facts, type Policy, type PostStep, type ProbeName } from '../../../src/build/types.js';

const TMP = '/tmp/ocifix-meta.json';

const SINGLE: BuilderFacts = { name: 'single', driver: 'remote', nodes: [{ name: 'single0', configured: [], platforms: ['linux/amd64', 'linux/386'] }] };
const MULTI: BuilderFacts = {
  name: 'multi',
  driver: 'remote',
  nodes: [
    { name: 'multi-amd64', configured: ['linux/amd64'], platforms: ['linux/amd64', 'linux/386'] },
    { name: 'multi-arm64', configured: ['linux/arm64'], platforms: ['linux/arm64', 'linux/amd64', 'linux/386'] },
  ],
};
const DOCKERD: BuilderFacts = { name: 'dockerd', driver: 'docker', nodes: [{ name: 'dockerd', configured: [], platforms: ['linux/amd64', 'linux/386'] }] };
const CLASSIC: DaemonFacts = { containerdStore: false, platform: 'linux/amd64' };
const CONTAINERD: DaemonFacts = { containerdStore: true, platform: 'linux/amd64' };

interface Available {
  version?: string;
  builder?: BuilderFacts;
  daemon?: DaemonFacts;
}

/** Run the planner to completion, answering its probe requests from `available`; records the rounds. */
function settle(args: string[], available: Available = {}, policy: Partial<Policy> = {}, env: Record<string, string> = {}, command?: string) {
  const facts: Facts = {};
  const rounds: ProbeName[][] = [];
  for (let i = 0; i < 6; i++) {
    const r = planBuild({ args, ...(command ? { command } : {}), env, policy: { ...DEFAULT_POLICY, ...policy }, facts, tempMetadataFile: TMP });
    if (r.kind === 'plan') return { plan: r.plan, rounds };
    rounds.push(r.probes);
    for (const p of r.probes) {
      if (p === 'buildx-version') {
        if (!available.version) throw new Error(`unexpected probe ${p}`);
        facts.buildxVersion = available.version;
      } else if (p === 'builder') {
        if (!available.builder) throw new Error(`unexpected probe ${p}`);
        facts.builder = available.builder;
      } else {
        if (!available.daemon) throw new Error(`unexpected probe ${p}`);
        facts.daemon = available.daemon;
      }
    }
  }
  throw new Error('did not settle');
}

const steps = (plan: BuildPlan) => plan.postSteps.map((s) => stepView(s));
function stepView(s: PostStep): string {
  switch (s.kind) {
    case 'buildx':
      return `buildx ${s.args.join(' ')}`;
    case 'normalize':
      return `normalize ${s.path} ${s.ref}`;
    case 'annotate':
    case 'verify-annotations':
      return `${s.kind} ${s.refs.join(',')} ${s.annotations.join(',')}`;
    case 'verify-tags':
      return `verify-tags ${s.refs.join(',')}`;
    case 'remove-empty-output':
    case 'remove-temp':
      return `${s.kind} ${s.path}`;
  }
}

interface Case {
  name: string;
  args: string[];
  available?: Available;
  policy?: Partial<Policy>;
  env?: Record<string, string>;
  /** Probe rounds the planner asked for, in order. */
  rounds: ProbeName[][];
  buildx?: string[];
  steps?: string[];
  notices?: RegExp[];
  refusal?: RegExp;
  passthrough?: boolean;
  buildxEnv?: Record<string, string>;
}

const cases: Case[] = [
  // ------------------------------------------------------------- no pitfall: no probe, same argv
  { name: 'plain build', args: ['.'], rounds: [], buildx: ['build', '.'], steps: [], passthrough: true, notices: [] },
  { name: 'tags and flags untouched', args: ['-qt', 'a:1', '--build-arg', 'X=1', '-f', 'Dockerfile', '.'], rounds: [], buildx: ['build', '-qt', 'a:1', '--build-arg', 'X=1', '-f', 'Dockerfile', '.'], passthrough: true },
  { name: 'single-platform load (no pitfall)', args: ['--load', '-t', 'a', '.'], rounds: [], passthrough: true },
  { name: 'oci with one tag', args: ['-o', 'type=oci,dest=o.tar', '-t', 'a', '.'], rounds: [], buildx: ['build', '-o', 'type=oci,dest=o.tar', '-t', 'a', '.'], steps: ['remove-empty-output o.tar'] },
  { name: '--check runs no export', args: ['--check', '--push', '.'], rounds: [], passthrough: true },
  { name: 'a syntax error buildx reports itself', args: ['.', '-t'], rounds: [], passthrough: true },

  // ------------------------------------------------------------- fix 5: push
  {
    name: 'push: temporary metadata file, tags verified',
    args: ['--push', '-t', 'r/a:1', '-t', 'r/a:latest', '.'],
    rounds: [],
    buildx: ['build', `--metadata-file=${TMP}`, '--push', '-t', 'r/a:1', '-t', 'r/a:latest', '.'],
    buildxEnv: { BUILDX_METADATA_PROVENANCE: 'disabled' },
    steps: ['verify-tags r/a:1,r/a:latest', `remove-temp ${TMP}`],
    // a post-build check says nothing before the build (it may never run): only a re-point is reported
    notices: [],
  },
  {
    name: "push: the user's metadata file is read, not replaced",
    args: ['--push', '--metadata-file', 'm.json', '-t', 'r/a:1', '.'],
    rounds: [],
    buildx: ['build', '--push', '--metadata-file', 'm.json', '-t', 'r/a:1', '.'],
    buildxEnv: {},
    steps: ['verify-tags r/a:1'],
    notices: [],
  },
  {
    name: 'push with --metadata-file="" last: none given, so the empty flags go and the temporary one is the only one',
    args: ['--push', '--metadata-file', 'm.json', '-t', 'r/a:1', '--metadata-file=', '.'],
    rounds: [],
    buildx: ['build', `--metadata-file=${TMP}`, '--push', '-t', 'r/a:1', '.'],
    buildxEnv: { BUILDX_METADATA_PROVENANCE: 'disabled' },
    steps: ['verify-tags r/a:1', `remove-temp ${TMP}`],
    notices: [],
  },
  {
    name: 'push with an empty --metadata-file before a real one: the real one is read',
    args: ['--push', '--metadata-file', '', '--metadata-file=m.json', '-t', 'r/a:1', '.'],
    rounds: [],
    buildx: ['build', '--push', '--metadata-file', '', '--metadata-file=m.json', '-t', 'r/a:1', '.'],
    steps: ['verify-tags r/a:1'],
    notices: [],
  },
  { name: 'push by digest: no tag to check', args: ['-o', 'type=image,name=r/a,push-by-digest=true,push=true', '.'], rounds: [], passthrough: true },

  // ------------------------------------------------------------- fix 1: index annotations, single manifest
  {
    name: 'oci tarball + index annotation: force an index',
    args: ['--annotation', 'index:k=v', '-o', 'type=oci,dest=o.tar', '.'],
    available: { builder: SINGLE },
    rounds: [['builder']],
    buildx: ['build', '--build-arg', 'BUILDKIT_MULTI_PLATFORM=1', '--annotation', 'index:k=v', '-o', 'type=oci,dest=o.tar', '.'],
    steps: ['remove-empty-output o.tar'],
    notices: [/^ocifix: added --build-arg BUILDKIT_MULTI_PLATFORM=1: index annotations need an image index$/],
  },
  {
    name: 'manifest-only policy drops index annotations, keeps manifest ones',
    args: ['--annotation', 'index:k=v', '--annotation=index,manifest:t=x', '-o', 'type=oci,dest=o.tar', '.'],
    available: { version: '0.36.1', builder: SINGLE },
    policy: { indexAnnotations: 'manifest-only' },
    rounds: [['buildx-version', 'builder']],
    buildx: ['build', '--annotation=manifest:t=x', '-o', 'type=oci,dest=o.tar', '.'],
    notices: [/^ocifix: dropped 2 index annotations: one-manifest image \(--ocifix-index-annotations=manifest-only\)$/],
  },
  {
    name: 'fail policy refuses',
    args: ['--annotation', 'index:k=v', '-o', 'type=oci,dest=o.tar', '.'],
    available: { builder: SINGLE },
    policy: { indexAnnotations: 'fail' },
    rounds: [['builder']],
    refusal: /single-platform export .* "index annotations not supported for single platform export"/,
  },
  {
    name: 'annotation inside --output is seen and dropped from the CSV',
    args: ['-o', 'type=oci,dest=o.tar,annotation-index.k=v,annotation.m=1', '.'],
    available: { builder: SINGLE },
    policy: { indexAnnotations: 'manifest-only' },
    rounds: [['builder']],
    buildx: ['build', '-o', 'type=oci,dest=o.tar,annotation.m=1', '.'],
  },
  {
    name: 'push with default provenance is already an index',
    args: ['--annotation', 'index:k=v', '--push', '-t', 'r/a:1', '.'],
    available: { builder: SINGLE },
    rounds: [['builder']],
    buildx: ['build', `--metadata-file=${TMP}`, '--annotation', 'index:k=v', '--push', '-t', 'r/a:1', '.'],
    steps: ['verify-tags r/a:1', `remove-temp ${TMP}`],
  },
  {
    name: 'push with --provenance=false is a single manifest',
    args: ['--annotation', 'index:k=v', '--provenance=false', '--push', '-t', 'r/a:1', '.'],
    available: { builder: SINGLE },
    rounds: [['builder']],
    buildx: ['build', '--build-arg', 'BUILDKIT_MULTI_PLATFORM=1', `--metadata-file=${TMP}`, '--annotation', 'index:k=v', '--provenance=false', '--push', '-t', 'r/a:1', '.'],
  },
  {
    name: 'BUILDX_NO_DEFAULT_ATTESTATIONS makes the push a single manifest too',
    args: ['--annotation', 'index:k=v', '--push', '-t', 'r/a:1', '.'],
    env: { BUILDX_NO_DEFAULT_ATTESTATIONS: '1' },
    available: { builder: SINGLE },
    rounds: [['builder']],
    buildx: ['build', '--build-arg', 'BUILDKIT_MULTI_PLATFORM=1', `--metadata-file=${TMP}`, '--annotation', 'index:k=v', '--push', '-t', 'r/a:1', '.'],
  },
  {
    name: 'explicit sbom makes an index on the oci exporter',
    args: ['--annotation', 'index:k=v', '--sbom=true', '-o', 'type=oci,dest=o.tar', '.'],
    available: { builder: SINGLE },
    rounds: [['builder']],
    buildx: ['build', '--annotation', 'index:k=v', '--sbom=true', '-o', 'type=oci,dest=o.tar', '.'],
  },
  {
    name: 'two platforms already make an index',
    args: ['--annotation', 'index:k=v', '--platform', 'linux/amd64,linux/arm64', '-o', 'type=oci,dest=o.tar', '.'],
    available: { builder: SINGLE },
    rounds: [['builder']],
    buildx: ['build', '--annotation', 'index:k=v', '--platform', 'linux/amd64,linux/arm64', '-o', 'type=oci,dest=o.tar', '.'],
  },
  {
    name: 'the user set BUILDKIT_MULTI_PLATFORM=0: annotations dropped, not overridden',
    args: ['--annotation', 'index:k=v', '--build-arg', 'BUILDKIT_MULTI_PLATFORM=0', '-o', 'type=oci,dest=o.tar', '.'],
    available: { builder: SINGLE },
    rounds: [['builder']],
    buildx: ['build', '--build-arg', 'BUILDKIT_MULTI_PLATFORM=0', '-o', 'type=oci,dest=o.tar', '.'],
    notices: [/^ocifix: dropped --annotation index:k: one-manifest image \(BUILDKIT_MULTI_PLATFORM=0\)$/],
  },
  {
    name: 'a local output next to the oci one: BUILDKIT_MULTI_PLATFORM would change it, drop instead',
    args: ['--annotation', 'index:k=v', '-o', 'type=local,dest=d', '-o', 'type=oci,dest=o.tar', '.'],
    available: { builder: SINGLE },
    rounds: [['builder']],
    buildx: ['build', '-o', 'type=local,dest=d', '-o', 'type=oci,dest=o.tar', '.'],
  },
  {
    name: 'docker driver on the classic store, no output (implicit load): dropped with a notice',
    args: ['--builder', 'dockerd', '--annotation', 'index:k=v', '--annotation', 'manifest:m=1', '-t', 'a', '.'],
    available: { builder: DOCKERD, daemon: CLASSIC },
    rounds: [['builder'], ['daemon']],
    buildx: ['build', '--builder', 'dockerd', '--annotation', 'manifest:m=1', '-t', 'a', '.'],
    // buildx itself fails here ("index annotations not supported for single platform export"): fix 1, store variant
    notices: [/^ocifix: dropped --annotation index:k: the classic image store holds no image index$/],
  },
  {
    name: 'docker driver on the classic store, fail policy',
    args: ['--builder', 'dockerd', '--annotation', 'index:k=v', '--push', '-t', 'r/a', '.'],
    available: { builder: DOCKERD, daemon: CLASSIC },
    policy: { indexAnnotations: 'fail' },
    rounds: [['builder'], ['daemon']],
    refusal: /cannot be stored by --push \(docker driver, daemon without the containerd image store\)/,
  },
  {
    name: '--load into the classic store: dropped',
    args: ['--load', '--annotation', 'index:k=v', '-t', 'a', '.'],
    available: { builder: SINGLE, daemon: CLASSIC },
    rounds: [['builder'], ['daemon']],
    buildx: ['build', '--load', '-t', 'a', '.'],
  },
  {
    name: '--load into the containerd store: forced index',
    args: ['--load', '--annotation', 'index:k=v', '-t', 'a', '.'],
    available: { builder: SINGLE, daemon: CONTAINERD },
    rounds: [['builder'], ['daemon']],
    buildx: ['build', '--build-arg', 'BUILDKIT_MULTI_PLATFORM=1', '--load', '--annotation', 'index:k=v', '-t', 'a', '.'],
  },
  {
    name: 'a docker tarball holds no index',
    args: ['-o', 'type=docker,dest=x.tar', '--annotation', 'index-descriptor:k=v', '.'],
    available: { builder: SINGLE },
    rounds: [['builder']],
    buildx: ['build', '-o', 'type=docker,dest=x.tar', '.'],
    steps: ['remove-empty-output x.tar'],
  },

  // ------------------------------------------------------------- fix 6: annotation grammar
  {
    name: 'buildx 0.15: a multi-type key with whitespace cannot be written for it: refused',
    args: ['--annotation', 'index,manifest:my key=v', '--push', '-t', 'r/a:1', '.'],
    available: { version: '0.15.1', builder: SINGLE },
    rounds: [['buildx-version', 'builder']],
    refusal: /^--annotation index,manifest:my key=v: annotation key "my key" contains whitespace, which buildx before v0\.16 cannot parse$/,
  },
  {
    name: 'buildx 0.15: multi-type prefix split into one flag per type',
    args: ['--annotation', 'index,manifest:k=v', '-o', 'type=oci,dest=o.tar', '.'],
    available: { version: '0.15.1', builder: SINGLE },
    rounds: [['buildx-version', 'builder']],
    buildx: ['build', '--build-arg', 'BUILDKIT_MULTI_PLATFORM=1', '--annotation=index:k=v', '--annotation=manifest:k=v', '-o', 'type=oci,dest=o.tar', '.'],
    notices: [/added --build-arg/, /^ocifix: split --annotation index,manifest:k=v into one flag per type \(buildx 0\.15\.1 predates 0\.16\)$/],
  },
  {
    name: 'buildx 0.36: multi-type prefix kept',
    args: ['--annotation', 'index,manifest:k=v', '-o', 'type=oci,dest=o.tar', '.'],
    available: { version: '0.36.1', builder: SINGLE },
    rounds: [['buildx-version', 'builder']],
    buildx: ['build', '--build-arg', 'BUILDKIT_MULTI_PLATFORM=1', '--annotation', 'index,manifest:k=v', '-o', 'type=oci,dest=o.tar', '.'],
  },
  // buildx ≥ 0.16 rejects it ("invalid annotation type"), 0.15 takes `com.example:x` as the key: buildx judges, as without ocifix
  {
    name: 'typeless key with ":" whose prefix cannot be a type is left to buildx',
    args: ['--annotation=com.example:x=1', '--annotation', 'org/a:y=a:b', '-t', 'a', '.'],
    rounds: [],
    passthrough: true,
    notices: [],
  },
  // buildx says `unknown annotation type "indx"`: a typo of a type is not a key
  { name: 'an unknown type word is left for buildx to reject', args: ['--annotation', 'indx:k=v', '--annotation', 'org:y=1', '-t', 'a', '.'], rounds: [], passthrough: true },
  { name: 'an unknown type word in a list is left too', args: ['--annotation', 'index,manfest:k=v', '.'], rounds: [], passthrough: true },
  { name: 'a real type keeps its key colons', args: ['--annotation', 'manifest:a:b=1', '.'], rounds: [], passthrough: true },

  // ------------------------------------------------------------- fix 2: multi-node merge
  {
    name: 'multi-node push on buildx 0.15: annotate after the push, then verify',
    args: ['--builder', 'multi', '--platform', 'linux/amd64,linux/arm64', '--annotation', 'index:k=v', '--push', '-t', 'r/a:1', '.'],
    available: { version: '0.15.1', builder: MULTI },
    rounds: [['builder'], ['buildx-version']],
    buildx: ['build', `--metadata-file=${TMP}`, '--builder', 'multi', '--platform', 'linux/amd64,linux/arm64', '--annotation', 'index:k=v', '--push', '-t', 'r/a:1', '.'],
    steps: ['annotate r/a:1 index:k=v', 'verify-annotations r/a:1 index:k=v', 'verify-tags r/a:1', `remove-temp ${TMP}`],
    // the annotate step reports after the push; nothing is said before it
    notices: [],
  },
  {
    name: 'multi-node push on buildx 0.36: verify only',
    args: ['--builder', 'multi', '--platform', 'linux/amd64,linux/arm64', '--annotation', 'index:k=v', '--annotation', 'manifest-descriptor[linux/arm64]:d=1', '--push', '-t', 'r/a:1', '.'],
    available: { version: '0.36.1', builder: MULTI },
    rounds: [['builder'], ['buildx-version']],
    steps: ['verify-annotations r/a:1 index:k=v,manifest-descriptor[linux/arm64]:d=1', 'verify-tags r/a:1', `remove-temp ${TMP}`],
  },
  {
    name: 'two platforms on a single node: no merge, no version probe',
    args: ['--platform', 'linux/amd64,linux/arm64', '--annotation', 'index:k=v', '--push', '-t', 'r/a:1', '.'],
    available: { builder: SINGLE },
    rounds: [['builder']],
    steps: ['verify-tags r/a:1', `remove-temp ${TMP}`],
  },

  // ------------------------------------------------------------- fix 3: OCI layouts
  {
    name: 'oci directory with two tags: normalize, first tag kept',
    args: ['-o', 'type=oci,dest=d,tar=false', '-t', 'a:1', '-t', 'a:2', '.'],
    rounds: [],
    buildx: ['build', '-o', 'type=oci,dest=d,tar=false', '-t', 'a:1', '-t', 'a:2', '.'],
    steps: ['normalize d a:1', 'remove-empty-output d'],
    // the normalize step reports after the build; nothing is said before it
    notices: [],
  },
  { name: 'keep another tag', args: ['-o', 'type=oci,dest=o.tar', '-t', 'a:1', '-t', 'a:2', '.'], policy: { keepTag: '2' }, rounds: [], steps: ['normalize o.tar a:2', 'remove-empty-output o.tar'] },
  { name: 'keep-tag names no tag', args: ['-o', 'type=oci,dest=o.tar', '-t', 'a:1', '-t', 'a:2', '.'], policy: { keepTag: 'nope' }, rounds: [], refusal: /--ocifix-keep-tag=nope names none of the tags/ },
  { name: 'names from name= when no -t', args: ['-o', 'type=oci,dest=o.tar,"name=a:1,a:2"', '.'], rounds: [], steps: ['normalize o.tar a:1', 'remove-empty-output o.tar'] },
  {
    name: 'multi-node builder refuses oci: said before running',
    args: ['--builder', 'multi', '--platform', 'linux/amd64,linux/arm64', '-o', 'type=oci,dest=o.tar', '.'],
    available: { builder: MULTI },
    rounds: [['builder']],
    refusal: /builder "multi" would build linux\/amd64 on multi-amd64, linux\/arm64 on multi-arm64, and buildx cannot write --output type=oci from a multi-node build \("oci for multi-node builds currently not supported"\)/,
  },
  { name: 'oci of two platforms on one node is fine', args: ['--platform', 'linux/amd64,linux/arm64', '-o', 'type=oci,dest=o.tar', '.'], available: { builder: SINGLE }, rounds: [['builder']], steps: ['remove-empty-output o.tar'] },

  // ------------------------------------------------------------- fix 4: --load of several platforms
  {
    name: 'load, classic store, native: cache-only build then load the daemon platform',
    args: ['--platform', 'linux/amd64,linux/arm64', '--load', '-t', 'app:dev', '.'],
    available: { builder: SINGLE, daemon: CLASSIC },
    rounds: [['daemon'], ['builder']],
    buildx: ['build', '--output=type=cacheonly', '--platform', 'linux/amd64,linux/arm64', '-t', 'app:dev', '.'],
    steps: ['buildx build --platform=linux/amd64 --load -t app:dev .'],
    notices: [/^ocifix: the classic store cannot --load 2 platforms: loading linux\/amd64 only \(--ocifix-load=native\)$/],
  },
  {
    name: 'load, split: one suffixed tag per platform',
    args: ['--platform=linux/amd64', '--platform=linux/arm64', '--load', '-t', 'app:dev', '-t', 'reg/app', '.'],
    available: { builder: SINGLE, daemon: CLASSIC },
    policy: { load: 'split' },
    rounds: [['daemon'], ['builder']],
    buildx: ['build', '--output=type=cacheonly', '--platform=linux/amd64', '--platform=linux/arm64', '-t', 'app:dev', '-t', 'reg/app', '.'],
    steps: [
      'buildx build --platform=linux/amd64 --load -t app:dev-linux-amd64 -t reg/app:latest-linux-amd64 .',
      'buildx build --platform=linux/arm64 --load -t app:dev-linux-arm64 -t reg/app:latest-linux-arm64 .',
    ],
  },
  {
    name: 'load, split, name= in the docker output',
    args: ['--platform', 'linux/amd64,linux/arm/v7', '-o', 'type=docker,name=app:dev', '.'],
    available: { builder: SINGLE, daemon: CLASSIC },
    policy: { load: 'split' },
    rounds: [['daemon'], ['builder']],
    buildx: ['build', '--output=type=cacheonly', '--platform', 'linux/amd64,linux/arm/v7', '.'],
    steps: ['buildx build --platform=linux/amd64 -o type=docker,name=app:dev-linux-amd64 .', 'buildx build --platform=linux/arm/v7 -o type=docker,name=app:dev-linux-arm-v7 .'],
  },
  {
    name: 'load, cacheonly',
    args: ['--platform', 'linux/amd64,linux/arm64', '--load', '.'],
    available: { builder: SINGLE, daemon: CLASSIC },
    policy: { load: 'cacheonly' },
    rounds: [['daemon'], ['builder']],
    buildx: ['build', '--output=type=cacheonly', '--platform', 'linux/amd64,linux/arm64', '.'],
    steps: [],
    notices: [/^ocifix: the classic store cannot --load 2 platforms: build cache only \(--ocifix-load=cacheonly\)$/],
  },
  { name: 'load, error', args: ['--platform', 'linux/amd64,linux/arm64', '--load', '.'], available: { builder: SINGLE, daemon: CLASSIC }, policy: { load: 'error' }, rounds: [['daemon'], ['builder']], refusal: /Choose --ocifix-load=native/ },
  { name: 'load, containerd store: unchanged', args: ['--platform', 'linux/amd64,linux/arm64', '--load', '.'], available: { daemon: CONTAINERD }, rounds: [['daemon']], passthrough: true },
  {
    name: 'load, docker driver on the classic store: refused',
    args: ['--builder', 'dockerd', '--platform', 'linux/amd64,linux/arm64', '--load', '.'],
    available: { builder: DOCKERD, daemon: CLASSIC },
    rounds: [['daemon'], ['builder']],
    refusal: /docker driver of builder "dockerd" .* cannot build several platforms/,
  },
  {
    name: 'load, native platform not requested',
    args: ['--platform', 'linux/386,linux/arm64', '--load', '.'],
    available: { builder: SINGLE, daemon: CLASSIC },
    rounds: [['daemon'], ['builder']],
    refusal: /none of them is the daemon's own platform \(linux\/amd64\)/,
  },
  {
    name: 'load + push: the push stays in the main build, the load follows',
    args: ['--platform', 'linux/amd64,linux/arm64', '--load', '--push', '-t', 'r/a:1', '--cache-to', 'type=inline', '--metadata-file', 'm.json', '.'],
    available: { builder: SINGLE, daemon: CLASSIC },
    rounds: [['daemon'], ['builder']],
    buildx: ['build', '--platform', 'linux/amd64,linux/arm64', '--push', '-t', 'r/a:1', '--cache-to', 'type=inline', '--metadata-file', 'm.json', '.'],
    steps: ['verify-tags r/a:1', 'buildx build --platform=linux/amd64 --load -t r/a:1 .'],
  },
  {
    name: 'load only: the metadata file and iidfile describe the loaded image',
    args: ['--platform', 'linux/amd64,linux/arm64', '--load', '--iidfile', 'id.txt', '--sbom=true', '.'],
    available: { builder: SINGLE, daemon: CLASSIC },
    rounds: [['daemon'], ['builder']],
    buildx: ['build', '--output=type=cacheonly', '--platform', 'linux/amd64,linux/arm64', '--sbom=true', '.'],
    steps: ['buildx build --platform=linux/amd64 --load --iidfile id.txt .'],
  },
  {
    name: 'load with index annotations: the loaded image gets manifest-level ones only',
    args: ['--platform', 'linux/amd64,linux/arm64', '--load', '--annotation', 'index,manifest:k=v', '.'],
    available: { version: '0.36.1', builder: SINGLE, daemon: CLASSIC },
    rounds: [['buildx-version', 'builder', 'daemon']],
    buildx: ['build', '--output=type=cacheonly', '--platform', 'linux/amd64,linux/arm64', '--annotation', 'index,manifest:k=v', '.'],
    steps: ['buildx build --platform=linux/amd64 --load --annotation manifest:k=v .'],
  },

  // ------------------------------------------------------------- unknown flags, aliases
  {
    name: 'an unknown flag may swallow what follows: unchanged, with a notice',
    args: ['--future', '--push', '-t', 'r/a', '.'],
    rounds: [],
    passthrough: true,
    notices: [/^ocifix: --future is a flag ocifix does not know: build passed on unchanged \(write --future=VALUE\)$/],
  },
  { name: 'an unknown --x=v is harmless', args: ['--future=v', '--push', '-t', 'r/a', '.'], rounds: [], buildx: ['build', `--metadata-file=${TMP}`, '--future=v', '--push', '-t', 'r/a', '.'] },
];

describe('planBuild: argv + facts → exact buildx argv, steps, notices, probes', () => {
  it.each(cases)('$name', (c) => {
    const { plan, rounds } = settle(c.args, c.available, c.policy, c.env);
    expect(rounds).toEqual(c.rounds);
    if (c.refusal) {
      expect(plan.refusal).toMatch(c.refusal);
      return;
    }
    expect(plan.refusal).toBeUndefined();
    if (c.buildx) expect(plan.buildxArgs).toEqual(c.buildx);
    if (c.steps) expect(steps(plan)).toEqual(c.steps);
    if (c.passthrough !== undefined) expect(plan.passthrough).toBe(c.passthrough);
    if (c.passthrough) expect(plan.buildxArgs).toEqual(['build', ...c.args]);
    if (c.buildxEnv) expect(plan.buildxEnv).toEqual(c.buildxEnv);
    if (c.notices) {
      expect(plan.notices).toHaveLength(c.notices.length);
      c.notices.forEach((re, i) => expect(plan.notices[i]).toMatch(re));
    }
    // every notice is one line that fits a 100-column terminal
    for (const n of plan.notices) {
      expect(n).not.toContain('\n');
      expect(n.length, n).toBeLessThanOrEqual(100);
    }
    // the plan is plain data
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('the alias `b` is kept', () => {
    const { plan } = settle(['--push', '-t', 'r/a', '.'], {}, {}, {}, 'b');
    expect(plan.buildxArgs[0]).toBe('b');
  });

  it('DOCKER_DEFAULT_PLATFORM counts as --platform', () => {
    const { plan, rounds } = settle(['--load', '.'], { builder: SINGLE, daemon: CLASSIC }, {}, { DOCKER_DEFAULT_PLATFORM: 'linux/amd64,linux/arm64' });
    expect(rounds).toEqual([['daemon'], ['builder']]);
    expect(plan.buildxArgs).toEqual(['build', '--output=type=cacheonly', '.']);
  });

  it('a failed probe skips the fixes that need it, with one notice', () => {
    const facts: Facts = { builder: { error: 'no builder "nope" found' } };
    const r = planBuild({ args: ['--builder', 'nope', '--annotation', 'index:k=v', '-o', 'type=oci,dest=o.tar', '.'], env: {}, policy: DEFAULT_POLICY, facts, tempMetadataFile: TMP });
    expect(r.kind).toBe('plan');
    if (r.kind !== 'plan') return;
    expect(r.plan.buildxArgs).toEqual(['build', '--builder', 'nope', '--annotation', 'index:k=v', '-o', 'type=oci,dest=o.tar', '.']);
    expect(r.plan.notices).toEqual(['ocifix: could not read the builder (no builder "nope" found); fixes that need it are skipped']);
  });
});

describe('planBuild: what a drop-in must keep (stdout, stdin, pushed tags)', () => {
  const D = `sha256:${'a'.repeat(64)}`;
  const loadArgs = ['--platform', 'linux/amd64,linux/arm64', '--load', '-t', 'app:dev'];
  const buildxSteps = (plan: BuildPlan) => plan.postSteps.filter((s): s is Extract<PostStep, { kind: 'buildx' }> => s.kind === 'buildx');

  it('-t NAME:TAG@DIGEST is checked as NAME:TAG (what BuildKit pushes); NAME@DIGEST pushes no tag and is not checked', () => {
    const { plan } = settle(['--push', '-t', `r/a:1@${D}`, '-t', `r/b@${D}`, '.']);
    expect(steps(plan)).toEqual(['verify-tags docker.io/r/a:1', `remove-temp ${TMP}`]);
  });

  it('-q with the native --load fix: only the load build prints (the image ID), the cache-only build does not', () => {
    const { plan } = settle(['-q', ...loadArgs, '.'], { builder: SINGLE, daemon: CLASSIC });
    expect(plan.mainStdout).toBe('ignore');
    expect(buildxSteps(plan).map((s) => s.stdout)).toEqual(['inherit']);
  });

  it('-q with --ocifix-load=split: exactly one build prints an ID (the daemon platform\'s)', () => {
    const { plan } = settle(['-q', ...loadArgs, '.'], { builder: SINGLE, daemon: CLASSIC }, { load: 'split' });
    expect(plan.mainStdout).toBe('ignore');
    expect(buildxSteps(plan).map((s) => [s.args.find((a) => a.startsWith('--platform=')), s.stdout])).toEqual([
      ['--platform=linux/amd64', 'inherit'],
      ['--platform=linux/arm64', 'ignore'],
    ]);
  });

  it('-q with --push and --load: the main build (the push) prints, the load builds do not', () => {
    const { plan } = settle(['-q', '--push', ...loadArgs.map((a) => (a === 'app:dev' ? 'r/app:dev' : a)), '.'], { builder: SINGLE, daemon: CLASSIC });
    expect(plan.mainStdout).toBe('inherit');
    expect(buildxSteps(plan).map((s) => s.stdout)).toEqual(['ignore']);
  });

  it('-q and --iidfile with the multi-node annotate fix: stdout held for the annotated digest, the iidfile named', () => {
    const { plan } = settle(
      ['-q', '--iidfile', 'id.txt', '--builder', 'multi', '--platform', 'linux/amd64,linux/arm64', '--annotation', 'index:k=v', '--push', '-t', 'r/a:1', '.'],
      { version: '0.15.1', builder: MULTI },
    );
    expect(plan.mainStdout).toBe('capture');
    expect(plan.iidFile).toBe('id.txt');
    // on 0.16+ nothing is rewritten, so nothing is held
    const fixed = settle(['-q', '--builder', 'multi', '--platform', 'linux/amd64,linux/arm64', '--annotation', 'index:k=v', '--push', '-t', 'r/a:1', '.'], { version: '0.36.1', builder: MULTI });
    expect(fixed.plan.mainStdout).toBe('inherit');
    expect(fixed.plan.iidFile).toBeUndefined();
  });

  it('stdin read by the builds (-f -, context -) is shared when the --load fix adds builds, and left alone otherwise', () => {
    for (const args of [['-f', '-', ...loadArgs, '.'], [...loadArgs, '-'], ['--file=-', ...loadArgs, '.']]) {
      expect(settle(args, { builder: SINGLE, daemon: CLASSIC }).plan.stdin, args.join(' ')).toBe('shared');
    }
    expect(settle(['-f', '-', '.']).plan.stdin).toBe('inherit');
    expect(settle([...loadArgs, '.'], { builder: SINGLE, daemon: CLASSIC }).plan.stdin).toBe('inherit');
  });
});
