/**
 * The plan under construction, shared by the fixes in FIXES order: edits to the build, notices,
 * a refusal, post-build steps, and the typed decisions later fixes read. Each decision is written
 * by exactly one fix (decide() refuses a second write). Facts come through one reader that records
 * the probes it was asked for, so "probe at most once, only when needed" holds for every fix. Pure.
 */
import type { RequestEdit } from './edits.js';
import type { RequestOutput } from './request.js';
import { failed, type BuilderFacts, type DaemonFacts, type Facts, type PostStep, type ProbeName } from './types.js';

/** One extra build that loads a platform into the daemon (the --load fix). */
export interface LoadBuild {
  platform: string;
  /** Loaded under its own `TAG-os-arch` tag. */
  split: boolean;
}

/** An extra build, said as edits of the request (rendered onto the source by the planner). */
export interface BuildVariant {
  kind: 'variant';
  edits: RequestEdit[];
  why: string;
  stdout: 'inherit' | 'ignore';
}

/** The decisions fixes share; the comment names the one fix that writes each. */
export interface Decisions {
  /** load-multi-platform: --load is taken out of the main build and done by `builds`, one per platform loaded. */
  load: { builds: LoadBuild[]; carrier: number };
  /** single-platform-index-annotation: index annotations cannot be stored and are dropped. */
  indexAnnotationsDropped: boolean;
  /** legacy-annotation-grammar: buildx < 0.16 parses annotation types the old way. */
  legacyAnnotations: boolean;
  /** push-tags: the metadata file the main build writes and the tag checks read. */
  metadataFile: { path: string; temporary: boolean };
}

export type DecisionName = keyof Decisions;

/**
 * How a notice names the flags a fix adds or drops: a build's words (`--build-arg K=V`,
 * `--annotation A`) or a bake target's (`--set T.args.K=V`, `annotation A`).
 */
export interface NoticeWords {
  buildArg(key: string, value: string): string;
  annotation(value: string): string;
}

export const BUILD_WORDS: NoticeWords = {
  buildArg: (key, value) => `--build-arg ${key}=${value}`,
  annotation: (value) => `--annotation ${value}`,
};

export class Draft {
  readonly edits: RequestEdit[] = [];
  readonly notices: string[] = [];
  /** Post-build steps in order; extra builds still as edits. */
  readonly postSteps: Array<PostStep | BuildVariant> = [];
  readonly buildxEnv: Record<string, string> = {};
  refusal: string | undefined;
  private readonly decisions: Partial<Decisions> = {};
  private readonly writers = new Map<DecisionName, string>();

  constructor(readonly words: NoticeWords = BUILD_WORDS) {}

  edit(...edits: RequestEdit[]): void {
    this.edits.push(...edits);
  }

  notice(line: string): void {
    this.notices.push(line);
  }

  step(...steps: PostStep[]): void {
    this.postSteps.push(...steps);
  }

  /** Another buildx build after the main one. */
  build(variant: Omit<BuildVariant, 'kind'>): void {
    this.postSteps.push({ kind: 'variant', ...variant });
  }

  /** The first refusal wins. */
  refuse(why: string): void {
    this.refusal ??= why;
  }

  decide<K extends DecisionName>(name: K, value: Decisions[K], by: string): void {
    const first = this.writers.get(name);
    if (first !== undefined) throw new Error(`internal: decision ${name} written by ${first} and again by ${by}`);
    this.writers.set(name, by);
    this.decisions[name] = value;
  }

  decision<K extends DecisionName>(name: K): Decisions[K] | undefined {
    return this.decisions[name];
  }

  /** The outputs of the main build: all of them, less the loads the --load fix took over. */
  mainOutputs(outputs: readonly RequestOutput[]): RequestOutput[] {
    return this.decisions.load ? outputs.filter((o) => !o.load) : [...outputs];
  }

  /** The decisions as plain data (explain's JSON). */
  decided(): Partial<Decisions> {
    return { ...this.decisions };
  }
}

const PROBE_ORDER: ProbeName[] = ['buildx-version', 'builder', 'daemon'];
const PROBE_KEY: Record<ProbeName, keyof Facts> = { 'buildx-version': 'buildxVersion', builder: 'builder', daemon: 'daemon' };

function firstLine(s: string, max = 60): string {
  const line = s.split('\n')[0]!.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * The probed facts, for the fixes. A fact not probed yet reads as undefined and is recorded as
 * needed (the caller probes and plans again); a failed probe reads as undefined and says so once.
 */
export class FactReader {
  private readonly needed = new Set<ProbeName>();
  private readonly noticed = new Set<ProbeName>();

  constructor(
    readonly facts: Facts,
    private readonly notice: (line: string) => void,
  ) {}

  private read(name: ProbeName, what: string): unknown {
    const v = this.facts[PROBE_KEY[name]];
    if (v === undefined) this.needed.add(name);
    else if (failed(v)) {
      if (!this.noticed.has(name)) this.notice(`ocifix: could not read ${what} (${firstLine(v.error)}); fixes that need it are skipped`);
      this.noticed.add(name);
    } else return v;
    return undefined;
  }

  builder(): BuilderFacts | undefined {
    return this.read('builder', 'the builder') as BuilderFacts | undefined;
  }

  daemon(): DaemonFacts | undefined {
    return this.read('daemon', "the daemon's image store") as DaemonFacts | undefined;
  }

  buildxVersion(): string | undefined {
    return this.read('buildx-version', 'the buildx version') as string | undefined;
  }

  /** The probe failed (as opposed to: not run yet). */
  failed(name: ProbeName): boolean {
    return failed(this.facts[PROBE_KEY[name]]);
  }

  /** The probes asked for and not run yet, in the fixed order. */
  needs(): ProbeName[] {
    return PROBE_ORDER.filter((n) => this.needed.has(n));
  }

  /** The probes that ran, in the fixed order. */
  used(): ProbeName[] {
    return PROBE_ORDER.filter((n) => this.facts[PROBE_KEY[n]] !== undefined);
  }
}
