/**
 * What `docker ocifix bake ARGS` does: resolve the definition the way buildx does (`bake --print`
 * with the user's own files, overrides, vars and targets: no builder needed), plan the fixes per
 * target, then run the main bake, the load bake and the post-build steps through the build
 * executor (a remote definition too: buildx reads the URL through the builder for the `--print`).
 * A bake that only prints, lists or checks, a remote definition with `-f -` and a bake that meets
 * no pitfall run unchanged (the last after the one `--print`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { boolValue } from '../buildflags/args.js';
import { aliasBuilderEnv } from '../build/alias-mode.js';
import type { BuildIO } from '../build/execute.js';
import { parseOcifixOptions } from '../build/options.js';
import { announce, executeWithOps, startBuildx, type BuildContext } from '../build/run.js';
import { ensureBuildx } from '../exec/buildx-lookup.js';
import { makePrivateTempDir, type PrivateTempDir } from '../exec/private-temp.js';
import { Probes } from '../probe/probes.js';
import { parseBakeArgs, readBakeArgs } from './args.js';
import { parseDefinition, type BakeDefinition } from './definition.js';
import { explainBakeJson, explainBakeText } from './explain.js';
import { planBake, type BakePlan } from './planner.js';

const MAX_PLAN_ROUNDS = 5;

export async function runBake(ctx: BuildContext, args: readonly string[]): Promise<number | 'help'> {
  const say = (line: string): void => {
    ctx.stderr.write(`${line}\n`);
  };
  const opts = parseOcifixOptions([...args], ctx.env, parseBakeArgs);
  const bake = readBakeArgs(opts.parsed);
  if (boolValue(opts.parsed, 'help') === true && opts.parsed.error === undefined) return 'help';
  const alias = aliasBuilderEnv(ctx.env, ctx.globals, bake.builder);
  const plugin = await ensureBuildx(ctx.docker, ctx.env, ctx.globals.config);
  const runBuildx = (a: readonly string[], env: Record<string, string>, io: BuildIO = { stdout: 'inherit' }) =>
    startBuildx(ctx, plugin, a, { ...alias, ...env }, io);
  const unchanged = async (): Promise<number> => (await runBuildx(['bake', ...opts.rest], {}, stdinIo)).exitCode;
  let stdinIo: BuildIO = { stdout: 'inherit' };
  /** `-f -`: our stdin, read once into a private file (removed on every way out). */
  let captured: { path: string; remove(): Promise<void> } | undefined;

  if (bake.handOff) {
    if (bake.handOff.reason === 'uncertain' && !opts.quiet)
      say(`ocifix: ${bake.handOff.flag} is a flag ocifix does not know: bake passed on unchanged (write ${bake.handOff.flag}=VALUE)`);
    if (opts.explain) {
      ctx.stdout.write(`run: docker buildx bake ${opts.rest.join(' ')}\n(unchanged: ${bake.handOff.reason})\n`);
      return 0;
    }
    return unchanged();
  }

  const temp: PrivateTempDir = await makePrivateTempDir();
  try {
    // `-f -`: stdin is read once, for the --print and the bake
    if (bake.readsStdin) {
      const { captureStream } = await import('../build/post-step-ops.js');
      captured = await captureStream(ctx.stdin);
      stdinIo = { stdout: 'inherit', stdinFile: captured.path };
    }
    const printed = await printDefinition(ctx, plugin, [...opts.rest, '--print'], alias, stdinIo.stdinFile);
    // a definition buildx rejects: buildx's own error and exit code, from the user's own command
    if (printed.exitCode !== 0) return await unchanged();
    const definition: BakeDefinition = parseDefinition(printed.stdout);

    const probes = new Probes(ctx.docker, bake.builder || alias['BUILDX_BUILDER']);
    let plan: BakePlan | undefined;
    for (let round = 0; round < MAX_PLAN_ROUNDS && !plan; round++) {
      const r = planBake({ bake, definition, env: ctx.env, policy: opts.policy, facts: probes.facts, tempDir: temp.path });
      if (r.kind === 'plan') plan = r.plan;
      else await probes.run(r.probes);
    }
    if (!plan) throw new Error('the bake plan did not settle after probing');
    if (opts.explain) {
      ctx.stdout.write(opts.explain === 'json' ? explainBakeJson(plan, ctx.globals.forward) : explainBakeText(plan, ctx.globals.forward));
      return 0;
    }
    const refused = announce(plan, opts.quiet, say);
    if (refused !== undefined) return refused;
    if (plan.passthrough) return await unchanged();
    for (const [path, text] of Object.entries(plan.files)) await writeFile(path, text, { mode: 0o600, flag: 'wx' });
    // overrides mode with `-f -`: the user's definition again, from the captured copy
    const runPlan: BakePlan = !plan.stdinFile && stdinIo.stdinFile ? { ...plan, stdinFile: stdinIo.stdinFile } : plan;
    const builder = bake.builder || alias['BUILDX_BUILDER'];
    return await executeWithOps(ctx, runPlan, { runBuildx, ...(builder ? { builder } : {}), quiet: opts.quiet, say });
  } finally {
    await captured?.remove();
    await temp.remove();
  }
}

/**
 * `docker buildx bake ARGS --print`, its JSON captured and its progress lines ("load local bake
 * definitions") kept off the user's terminal; the plugin binary directly when found, as a build.
 */
async function printDefinition(
  ctx: BuildContext,
  plugin: string | undefined,
  args: readonly string[],
  env: Record<string, string>,
  stdinFile: string | undefined,
): Promise<{ exitCode: number; stdout: string }> {
  const input = stdinFile ? await readFile(stdinFile, 'utf8') : undefined;
  const opts = { stdio: 'pipe' as const, ...(input !== undefined ? { input } : {}) };
  const r =
    !plugin || ctx.env['OCIFIX_BUILDX_VIA_DOCKER'] === '1'
      ? await ctx.docker.buildx(['bake', ...args], { ...opts, env })
      : await ctx.runner.run(plugin, [...ctx.globals.forward, 'buildx', 'bake', ...args], {
          ...opts,
          env: { ...env, DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: ctx.docker.executable, DOCKER_CLI_PLUGIN_SOCKET: undefined },
        });
  return { exitCode: r.exitCode, stdout: r.stdout };
}
