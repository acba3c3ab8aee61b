/**
 * The build plan: what `docker ocifix build` will run, and why. Plain data (JSON-serialisable) so
 * that explain mode can print it and tests can compare it exactly.
 */

/** Facts ocifix may ask the machine for, each at most once per run and only when a fix depends on it. */
export type ProbeName = 'buildx-version' | 'builder' | 'daemon';

export interface BuilderNode {
  name: string;
  endpoint?: string;
  /** Platforms the node was configured for (`*` in `docker buildx inspect`). */
  configured: string[];
  /** Every platform the node reports. */
  platforms: string[];
  /** The node's BuildKit version as reported (`BuildKit version:`, older buildx `Buildkit:`). */
  buildkit?: string;
}

export interface BuilderFacts {
  name: string;
  driver: string;
  nodes: BuilderNode[];
}

export interface DaemonFacts {
  /** The daemon uses the containerd image store (driver-type io.containerd.snapshotter.v1). */
  containerdStore: boolean;
  /** The daemon's own platform, os/arch[/variant] (e.g. linux/amd64). */
  platform: string;
}

/** A probe that ran and failed: the reason, for the notice. */
export interface ProbeFailure {
  error: string;
}

export interface Facts {
  /** `docker buildx version`, normalized semver (`0.36.1`); undefined = not probed. */
  buildxVersion?: string | ProbeFailure;
  builder?: BuilderFacts | ProbeFailure;
  daemon?: DaemonFacts | ProbeFailure;
}

export function failed(v: unknown): v is ProbeFailure {
  return typeof v === 'object' && v !== null && 'error' in v;
}

export type IndexAnnotationPolicy = 'force-index' | 'manifest-only' | 'fail';
export type LoadStrategy = 'native' | 'split' | 'cacheonly' | 'error';
export type ExplainFormat = 'text' | 'json';

export interface Policy {
  indexAnnotations: IndexAnnotationPolicy;
  load: LoadStrategy;
  /** Which tag (or full name) the normalized OCI layout keeps; default the first one. */
  keepTag?: string;
}

export const DEFAULT_POLICY: Policy = { indexAnnotations: 'force-index', load: 'native' };

/** When a step runs relative to the main buildx build. */
export type StepWhen = 'success' | 'failure' | 'always';

export type PostStep =
  /** Another `docker buildx build` (loading one platform into the daemon). */
  /** Another `docker buildx build` (loading one platform into the daemon), or a bake (`stdinFile`: its definition). */
  | { kind: 'buildx'; when: 'success'; args: string[]; why: string; stdout: 'inherit' | 'ignore'; stdinFile?: string }
  /** `docker ocifix normalize PATH --ref REF` (one index.json entry). */
  | { kind: 'normalize'; when: 'success'; path: string; ref: string; mode: 'single'; target?: string }
  /** Add index / manifest-descriptor annotations to the pushed index (buildx < 0.16 multi-node merge lost them). */
  | { kind: 'annotate'; when: 'success'; refs: string[]; annotations: string[]; buildxVersion: string; target?: string }
  /** Read the pushed index back and check annotations are really there. */
  | { kind: 'verify-annotations'; when: 'success'; refs: string[]; annotations: string[]; target?: string }
  /** Every tag must resolve to the pushed digest; re-point the ones that do not. `target`: a bake target (its entry of the metadata file). */
  | { kind: 'verify-tags'; when: 'success'; refs: string[]; target?: string }
  /** Remove PATH if this run created it and buildx left it empty (a 0-byte file or an empty dir). */
  | { kind: 'remove-empty-output'; when: 'failure'; path: string }
  /** Remove a temporary file ocifix created. */
  | { kind: 'remove-temp'; when: 'always'; path: string };

export interface BuildPlan {
  /** Arguments after `docker [globals] buildx` for the main build: `['build', …]`. */
  buildxArgs: string[];
  /** Extra environment for every buildx build of the plan. */
  buildxEnv: Record<string, string>;
  /** One line per fix applied (shown on stderr unless quiet). */
  notices: string[];
  /** Steps after the main build, in order. */
  postSteps: PostStep[];
  /**
   * The main build's stdout: the user's ('inherit'); dropped ('ignore': with -q, a later build
   * prints the loaded image's ID); or held and printed after the post-build steps with the digest
   * they wrote in place of buildx's ('capture': -q and an annotate step).
   */
  mainStdout: 'inherit' | 'ignore' | 'capture';
  /** 'shared': the builds read stdin (`-f -`, context `-`): it is read once and given to each. */
  stdin: 'inherit' | 'shared';
  /** The main build reads this file as stdin (a bake fed a rewritten definition with `--file -`). */
  stdinFile?: string;
  /** The user's --iidfile, rewritten to the annotated index's digest after an annotate step. */
  iidFile?: string;
  /** The metadata file the main build writes (the user's or ocifix's temporary one), when the plan reads it. */
  metadataFile?: { path: string; temporary: boolean };
  /** The ids of the fixes that changed this build (src/build/fixes/), in FIXES order. */
  fixes: string[];
  /** The probes that ran (those with an entry in `facts`), in the fixed order buildx-version, builder, daemon; shown by explain's JSON. */
  probesUsed: ProbeName[];
  /** The facts the probes gave (for explain). */
  facts: Facts;
  /** Set when ocifix refuses to run the build (a policy says fail, or buildx would fail late): the reason. */
  refusal?: string;
  /** True when the argv goes to buildx exactly as given and nothing else runs. */
  passthrough: boolean;
}

export type PlanResult = { kind: 'need'; probes: ProbeName[] } | { kind: 'plan'; plan: BuildPlan };
