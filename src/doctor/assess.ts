/**
 * `docker ocifix doctor`'s judgement: from the facts read about this machine (docker CLI, buildx,
 * builder, daemon, config.json) to which pitfalls apply here, what ocifix does about each, and
 * warnings for what it cannot fix. Pure: facts in, report out.
 */
import semverLt from 'semver/functions/lt.js';
import semverValid from 'semver/functions/valid.js';
import semverCoerce from 'semver/functions/coerce.js';
import type { BuilderFacts } from '../build/types.js';

export interface DoctorFacts {
  docker: { version?: string; error?: string };
  buildx: { version?: string; path?: string; error?: string };
  context: string;
  /** The builder `docker buildx build` uses (BUILDX_BUILDER or `docker buildx use`). */
  builder: { facts?: BuilderFacts; error?: string };
  daemon: { version?: string; containerdStore?: boolean; platform?: string; error?: string };
  config: { path: string; alias?: string; hooks?: string; errorHooks?: string; hooksEnabled: boolean; error?: string };
}

export type Applies = 'yes' | 'no' | 'unknown';

export interface PitfallFinding {
  id: string;
  title: string;
  applies: Applies;
  why: string;
  ocifix: string;
}

export interface DoctorReport {
  facts: DoctorFacts;
  pitfalls: PitfallFinding[];
  warnings: string[];
  /** Suggestions for the docker CLI integration (alias, hooks, completion). */
  integration: string[];
}

const coerce = (v: string | undefined): string | undefined => (v ? (semverValid(semverCoerce(v)) ?? undefined) : undefined);
const older = (v: string | undefined, than: string): boolean | undefined => {
  const c = coerce(v);
  return c === undefined ? undefined : semverLt(c, than);
};

export function assess(f: DoctorFacts): DoctorReport {
  const warnings: string[] = [];
  const integration: string[] = [];
  const bx = f.buildx.version;
  const b = f.builder.facts;
  const multiNode = b ? b.nodes.length > 1 : undefined;
  const dockerDriver = b?.driver === 'docker';

  if (f.docker.error) warnings.push(`cannot read the docker CLI version: ${f.docker.error}`);
  if (!bx) warnings.push(`buildx is not usable (${f.buildx.error ?? 'no version'}): docker ocifix build needs it; install the buildx plugin`);
  else if (older(bx, '0.12.0'))
    warnings.push(`buildx ${bx} is older than 0.12: it has no --annotation flag, so ocifix cannot add or fix annotations; upgrade buildx`);
  if (f.builder.error) warnings.push(`cannot inspect the current builder: ${f.builder.error}`);
  if (f.daemon.error) warnings.push(`cannot reach the docker daemon: ${f.daemon.error} (load-related checks unknown)`);
  if (f.config.error) warnings.push(`cannot read ${f.config.path}: ${f.config.error}`);
  for (const n of b?.nodes ?? []) {
    if (n.buildkit && older(n.buildkit, '0.13.0'))
      warnings.push(`node ${n.name} runs BuildKit ${n.buildkit}: --push together with --load needs BuildKit >= 0.13 (ocifix cannot change that)`);
  }

  const pitfalls: PitfallFinding[] = [];
  pitfalls.push({
    id: 'index-annotations-single-platform',
    title: 'Index annotations on a single-platform build',
    applies: bx ? 'yes' : 'unknown',
    why:
      'buildx refuses `--annotation index:…` when only one platform is built ("index annotations not supported for single platform export")' +
      (dockerDriver ? '; the docker driver may drop them silently' : ''),
    ocifix: 'forces an index (--build-arg BUILDKIT_MULTI_PLATFORM=1); --ocifix-index-annotations=manifest-only|fail to choose otherwise',
  });
  const oldMerge = older(bx, '0.16.0');
  pitfalls.push({
    id: 'multi-node-index-annotations',
    title: 'Index annotations dropped by multi-node builders',
    applies: oldMerge === undefined || multiNode === undefined ? 'unknown' : oldMerge && multiNode ? 'yes' : 'no',
    why:
      oldMerge === false
        ? `buildx ${bx} merges multi-node results with their annotations (fixed in 0.16)`
        : multiNode === false
          ? `builder "${b?.name}" has one node: nothing to merge`
          : `buildx ${bx ?? '?'} (< 0.16) loses index annotations when it merges the nodes' results`,
    ocifix: 'adds them after the push with docker buildx imagetools create and checks that they landed',
  });
  pitfalls.push({
    id: 'oci-layout-several-tags',
    title: '--output type=oci with several -t',
    applies: bx ? 'yes' : 'unknown',
    why:
      bx && older(bx, '0.20.0')
        ? `buildx ${bx} writes one index.json entry with a comma-joined ref.name, which skopeo and crane misread`
        : 'buildx >= 0.20 writes one index.json entry per tag; crane ("layout contains N entries") and skopeo ("more than one image") refuse it',
    ocifix: 'normalizes index.json to one entry (--ocifix-keep-tag picks the tag); also `docker ocifix normalize LAYOUT`',
  });
  const store = f.daemon.containerdStore;
  pitfalls.push({
    id: 'load-multi-platform',
    title: '--load of several platforms',
    applies: store === undefined ? 'unknown' : store ? 'no' : 'yes',
    why:
      store === undefined
        ? 'the daemon could not be asked which image store it uses'
        : store
          ? 'the daemon uses the containerd image store: buildx loads multi-platform images itself'
          : 'the daemon uses the classic image store: "docker exporter does not currently support exporting manifest lists" (also for any attestation)',
    ocifix: 'loads the native platform (default), one tag per platform (--ocifix-load=split), or only fills the cache',
  });
  pitfalls.push({
    id: 'tag-on-platform-manifest',
    title: 'A pushed tag left on a platform manifest',
    applies: 'unknown',
    why: 'depends on the registry (seen with ECR and racing pushes), not on this machine',
    ocifix: 'reads every pushed tag back and re-points it at the index when it moved',
  });

  const docker = f.docker.version;
  if (f.config.alias === 'ocifix') {
    if (b && b.driver !== 'docker')
      integration.push(`docker build runs docker ocifix build; like docker build it uses the context's builder ("${f.context}"), not "${b.name}"`);
    else integration.push('docker build runs docker ocifix build (aliases.builder=ocifix)');
  } else if (f.config.alias) {
    integration.push(`aliases.builder is "${f.config.alias}": docker build runs that plugin; \`docker ocifix setup --alias --force\` points it at ocifix`);
  } else integration.push('docker build does not use ocifix: `docker ocifix setup --alias` aliases it');
  if (older(docker, '26.1.0')) integration.push(`docker CLI ${docker} has no plugin hooks (>= 26.1): no hints after builds`);
  else if (f.config.hooks && f.config.hooksEnabled) {
    integration.push(
      older(docker, '29.3.0')
        ? `hints after successful builds are on; hints after failed builds need docker CLI >= 29.3 (this is ${docker ?? '?'})`
        : 'hints after builds (successful and failed) are on',
    );
  } else if (f.config.hooks) integration.push('ocifix hooks are configured but the CLI hooks feature is off: `docker ocifix setup --hooks` turns it on');
  else integration.push('no hints after builds: `docker ocifix setup --hooks` enables them');
  if (older(docker, '23.0.0')) integration.push(`docker CLI ${docker} cannot complete plugin commands (>= 23)`);

  return { facts: f, pitfalls, warnings, integration };
}

export function formatReport(r: DoctorReport): string {
  const f = r.facts;
  const out: string[] = [];
  const b = f.builder.facts;
  out.push(`docker CLI      ${f.docker.version ?? `unknown (${f.docker.error ?? '?'})`}`);
  out.push(`buildx          ${f.buildx.version ?? 'not usable'}${f.buildx.path ? ` (${f.buildx.path})` : ''}`);
  out.push(`context         ${f.context}`);
  if (b) {
    out.push(`builder         ${b.name} (driver ${b.driver}, ${b.nodes.length} node${b.nodes.length === 1 ? '' : 's'})`);
    for (const n of b.nodes) out.push(`  ${n.name}: BuildKit ${n.buildkit ?? '?'}; ${n.platforms.join(', ') || 'no platforms reported'}`);
  } else out.push(`builder         unknown (${f.builder.error ?? '?'})`);
  out.push(
    `daemon          ${f.daemon.error ? `unreachable (${f.daemon.error})` : `${f.daemon.version ?? '?'} ${f.daemon.platform ?? ''}, ${f.daemon.containerdStore ? 'containerd' : 'classic'} image store`}`,
  );
  out.push(
    `config          ${f.config.path}: alias ${f.config.alias ?? 'unset'}, hooks ${f.config.hooks ? (f.config.hooksEnabled ? 'on' : 'configured, feature off') : 'off'}`,
  );
  out.push('', 'Pitfalls:');
  const mark: Record<Applies, string> = { yes: 'APPLIES', no: 'no     ', unknown: 'maybe  ' };
  for (const p of r.pitfalls) {
    out.push(`  ${mark[p.applies]}  ${p.title}`, `           ${p.why}`);
    if (p.applies !== 'no') out.push(`           ocifix: ${p.ocifix}`);
  }
  out.push('', 'docker CLI integration:');
  for (const i of r.integration) out.push(`  ${i}`);
  if (r.warnings.length > 0) {
    out.push('', 'Warnings:');
    for (const w of r.warnings) out.push(`  ${w}`);
  }
  return `${out.join('\n')}\n`;
}
