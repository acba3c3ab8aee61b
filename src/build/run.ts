/**
 * What `docker ocifix build ARGS` does, as a plain function: parse, probe only what a fix needs,
 * plan, then run buildx and the post-build steps. Kept free of clipanion so that a build — the
 * path every user and alias takes, with its tight overhead budget — loads no command framework
 * (src/main.ts calls it directly; src/cli/build.ts wraps it for help and registration).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boolValue, lastValue } from '../buildflags/args.js';
import type { OcifixContext } from '../cli/context.js';
import { ensureBuildx, findPlugin } from '../exec/buildx-lookup.js';
import { makePrivateTempDir } from '../exec/private-temp.js';
import { aliasBuilderEnv } from './alias-mode.js';
import { explainJson, explainText } from './explain.js';
import { parseOcifixOptions } from './options.js';
import { planBuild } from './planner.js';
import type { BuildIO } from './execute.js';
import type { BuildPlan } from './types.js';
import { Probes } from '../probe/probes.js';

/** Plenty: each round adds at least one probe and there are three. */
const MAX_PLAN_ROUNDS = 5;

export type BuildContext = Pick<OcifixContext, 'stdin' | 'stdout' | 'stderr' | 'env' | 'cwd' | 'globals' | 'runner' | 'docker'>;

/** Runs the build and returns its exit code, or 'help' when the arguments ask for help. */
export async function runBuild(ctx: BuildContext, args: readonly string[], command: 'build' | 'b'): Promise<number | 'help'> {
  const say = (line: string): void => {
    ctx.stderr.write(`${line}\n`);
  };
  const opts = parseOcifixOptions([...args], ctx.env);
  const parsed = opts.parsed;
  if (boolValue(parsed, 'help') === true && parsed.error === undefined) return 'help';

  // started as `docker build` through aliases.builder: select the builder docker build would
  const alias = aliasBuilderEnv(ctx.env, ctx.globals, lastValue(parsed, 'builder') || undefined);
  const probes = new Probes(ctx.docker, lastValue(parsed, 'builder') || alias['BUILDX_BUILDER']);
  const settle = async (tempMetadataFile: string): Promise<BuildPlan> => {
    for (let round = 0; round < MAX_PLAN_ROUNDS; round++) {
      const r = planBuild({ args: opts.rest, parsed, command, env: ctx.env, policy: opts.policy, facts: probes.facts, tempMetadataFile });
      if (r.kind === 'plan') return r.plan;
      await probes.run(r.probes);
    }
    throw new Error('the build plan did not settle after probing');
  };
  // The temporary metadata file (--push without --metadata-file) goes into a private directory
  // made only when the plan needs one (below); until then, and in --ocifix-explain, its place is
  // shown with mkdtemp's XXXXXX.
  let plan = await settle(join(tmpdir(), 'docker-ocifix-XXXXXX', 'metadata.json'));

  if (opts.explain) {
    ctx.stdout.write(opts.explain === 'json' ? explainJson(plan, ctx.globals.forward) : explainText(plan, ctx.globals.forward));
    return 0;
  }
  const refused = announce(plan, opts.quiet, say);
  if (refused !== undefined) return refused;
  // A buildx version probe already proved buildx runs: only look for the plugin file.
  const plugin = typeof probes.facts.buildxVersion === 'string' ? findPlugin('buildx', ctx.env, ctx.globals.config) : await ensureBuildx(ctx.docker, ctx.env, ctx.globals.config);
  const runBuildx = (a: readonly string[], env: Record<string, string>, io: BuildIO = { stdout: 'inherit' }) => startBuildx(ctx, plugin, a, { ...alias, ...env }, io);
  if (plan.passthrough) return (await runBuildx(plan.buildxArgs, {})).exitCode;

  const builder = lastValue(parsed, 'builder') || alias['BUILDX_BUILDER'];
  // buildx's metadata can hold --build-arg values: a 0700 mkdtemp dir, removed on every way out
  const temp = plan.metadataFile?.temporary ? await makePrivateTempDir() : undefined;
  try {
    // the same facts: planning again probes nothing and only moves the metadata file
    if (temp) plan = await settle(join(temp.path, 'metadata.json'));
    return await executeWithOps(ctx, plan, { runBuildx, ...(builder ? { builder } : {}), quiet: opts.quiet, say });
  } finally {
    await temp?.remove();
  }
}

/** The plan's notices (unless quiet), and for a refused plan its line: returns 1 then. */
export function announce(plan: Pick<BuildPlan, 'notices' | 'refusal'>, quiet: boolean, say: (line: string) => void): number | undefined {
  if (!quiet) for (const n of plan.notices) say(n);
  if (!plan.refusal) return undefined;
  say(`docker ocifix: ${plan.refusal}`);
  return 1;
}

type RunBuildx = (args: readonly string[], env: Record<string, string>, io?: BuildIO) => Promise<{ exitCode: number; stdout: string }>;

/** Run a plan (a build's or a bake's) through the executor with the real post-build operations. */
export async function executeWithOps(ctx: BuildContext, plan: BuildPlan, o: { runBuildx: RunBuildx; builder?: string; quiet: boolean; say: (line: string) => void }): Promise<number> {
  const [{ executePlan }, { defaultOps }] = await Promise.all([import('./execute.js'), import('./post-step-ops.js')]);
  const ops = defaultOps(ctx.docker, {
    runBuildx: o.runBuildx,
    stdin: ctx.stdin,
    ...(o.builder ? { builder: o.builder } : {}),
    env: ctx.env,
    cwd: ctx.cwd,
    log: (line) => {
      if (ctx.globals.debug) o.say(line);
    },
  });
  return executePlan(plan, ops, { say: o.say, print: (text) => ctx.stdout.write(text), quiet: o.quiet });
}

/**
 * Run a build the way `docker [globals] buildx ARGS` runs it. When the buildx plugin is found on
 * disk (the docker CLI's own search: cliPluginsExtraDirs, <config>/cli-plugins, system dirs) it is
 * started directly, exactly as the docker CLI starts a plugin: argv = docker's global flags,
 * `buildx`, ARGS; env + DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND. That skips a second docker CLI
 * and buildx's metadata call (~60 ms, the whole overhead budget of a cached build). Cancellation
 * reaches buildx as a signal from us instead of through docker's plugin socket. Otherwise, or
 * with OCIFIX_BUILDX_VIA_DOCKER=1, it goes through `docker buildx`.
 */
export async function startBuildx(ctx: BuildContext, plugin: string | undefined, args: readonly string[], env: Record<string, string>, io: BuildIO): Promise<{ exitCode: number; stdout: string }> {
  const streams = { stdout: io.stdout === 'capture' ? ('pipe' as const) : io.stdout, ...(io.stdinFile ? { stdinFile: io.stdinFile } : {}) };
  const r =
    !plugin || ctx.env['OCIFIX_BUILDX_VIA_DOCKER'] === '1'
      ? await ctx.docker.buildx(args, { stdio: 'inherit', env, ...streams })
      : await ctx.docker.buildxDirect(plugin, args, { stdio: 'inherit', env, ...streams });
  return { exitCode: r.exitCode, stdout: r.stdout };
}
