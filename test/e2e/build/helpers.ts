/**
 * e2e support for `docker ocifix build`: the BUILT dist/docker-ocifix installed as a CLI plugin into
 * copies of the stack's two DOCKER_CONFIGs (buildx v0.36.1 and v0.15.1, same builders), driven
 * through the real docker CLI; plus a `docker` wrapper that records every call ocifix makes and can
 * run a hook after the main buildx build (to move a tag, like buildx issue #2959).
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT, run, stack, workDir, type BuildxVersion, type RunResult } from '../helpers/stack.js';

export const BINARY = join(REPO_ROOT, 'dist', 'docker-ocifix');

const configs = new Map<BuildxVersion, string>();

/** A copy of the stack's DOCKER_CONFIG for `version` with dist/docker-ocifix as cli-plugins/docker-ocifix. */
export function pluginConfig(version: BuildxVersion = 'v0.36.1'): string {
  const known = configs.get(version);
  if (known) return known;
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`make binary\` first`);
  const s = stack();
  const dir = join(workDir(`ocifix-build-cfg-${version}`), 'docker-config');
  cpSync(version === 'v0.15.1' ? s.dockerConfigV015 : s.dockerConfig, dir, { recursive: true, verbatimSymlinks: true });
  symlinkSync(BINARY, join(dir, 'cli-plugins', 'docker-ocifix'));
  configs.set(version, dir);
  return dir;
}

export interface BuildOptions {
  version?: BuildxVersion;
  env?: Record<string, string | undefined>;
  globals?: string[];
}

export function buildEnv(opts: BuildOptions = {}): Record<string, string | undefined> {
  return {
    DOCKER_CONFIG: pluginConfig(opts.version),
    DOCKER_HOST: undefined,
    DOCKER_CONTEXT: undefined,
    BUILDX_BUILDER: undefined,
    BUILDKIT_PROGRESS: 'plain',
    ...opts.env,
  };
}

/** `docker [globals] ocifix build ARGS…` through the real docker CLI. */
export function ocifixBuild(args: readonly string[], opts: BuildOptions = {}): Promise<RunResult> {
  return run('docker', [...(opts.globals ?? []), 'ocifix', 'build', ...args], { env: buildEnv(opts) });
}

/** `docker buildx ARGS…` with the same config (for comparisons). */
export function rawBuildx(args: readonly string[], opts: BuildOptions = {}): Promise<RunResult> {
  return run('docker', [...(opts.globals ?? []), 'buildx', ...args], { env: buildEnv(opts) });
}

/** The ocifix: notice lines of a run. */
export function notices(r: RunResult): string[] {
  return r.stderr.split('\n').filter((l) => l.startsWith('ocifix: '));
}

export interface Wrapper {
  /** Path of the wrapper, to use as DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND. */
  path: string;
  /** Every argv docker was called with by ocifix, in order. */
  calls(): string[][];
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Log one call's argv as a file of its own in the directory LOG, named by its start time: ocifix
 * runs reads at once, and records appended to one file by several processes can interleave.
 */
function logArgs(log: string): string {
  return `printf '%s\\0' "$@" >${q(log)}/"\${EPOCHREALTIME/./}-$$"`;
}

/** The calls logged in LOG by logArgs, in start order. */
function readCalls(log: string): string[][] {
  return existsSync(log)
    ? readdirSync(log)
        .sort()
        .map((f) => readFileSync(join(log, f), 'utf8').split('\u0000').slice(0, -1))
    : [];
}

/**
 * A `docker` that logs its argv and runs the real docker. HOOK, a shell snippet, runs once right
 * before the first `imagetools` call, i.e. after the main build and before ocifix reads the registry
 * (calls that start meanwhile wait for it).
 */
export function dockerWrapper(hook = ''): Wrapper {
  const dir = workDir('build-wrapper');
  const path = join(dir, 'docker');
  const log = join(dir, 'calls');
  mkdirSync(log);
  const marker = join(dir, 'fired');
  // under a lock: ocifix reads several tags at once, and every read must see the hook's effect
  const fire = hook
    ? `case " $* " in *" imagetools "*) exec 9>${q(join(dir, 'hook.lock'))}; flock 9; if [ ! -e ${q(marker)} ]; then ( ${hook} ) >>${q(join(dir, 'hook.log'))} 2>&1; touch ${q(marker)}; fi; flock -u 9; exec 9>&- ;; esac`
    : '';
  writeFileSync(path, `#!/usr/bin/env bash\nset -u\n${logArgs(log)}\n${fire}\nexec docker "$@"\n`);
  chmodSync(path, 0o755);
  return { path, calls: () => readCalls(log) };
}

export interface RecordingConfig {
  /** DOCKER_CONFIG whose docker-buildx logs its argv before running the real buildx. */
  dir: string;
  /** Every buildx plugin run (metadata calls left out), argv after the binary. */
  calls(): string[][];
}

/** A fresh copy of pluginConfig(version) whose buildx plugin is a logging wrapper around the real one. */
export function recordingConfig(version: BuildxVersion = 'v0.36.1'): RecordingConfig {
  const s = stack();
  const base = workDir(`ocifix-build-rec-${version}`);
  const dir = join(base, 'docker-config');
  cpSync(version === 'v0.15.1' ? s.dockerConfigV015 : s.dockerConfig, dir, { recursive: true, verbatimSymlinks: true });
  symlinkSync(BINARY, join(dir, 'cli-plugins', 'docker-ocifix'));
  const log = join(base, 'buildx-calls');
  mkdirSync(log);
  const plugin = join(dir, 'cli-plugins', 'docker-buildx');
  const real = version === 'v0.15.1' ? s.buildxV015 : s.buildx;
  rmSync(plugin, { force: true });
  writeFileSync(plugin, `#!/usr/bin/env bash\n[ "\${1:-}" = docker-cli-plugin-metadata ] || ${logArgs(log)}\nexec ${q(real)} "$@"\n`);
  chmodSync(plugin, 0o755);
  return { dir, calls: () => readCalls(log) };
}

/** Run the binary directly the way docker does, with DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND = wrapper. */
export function ocifixBuildVia(wrapper: Wrapper, args: readonly string[], opts: BuildOptions = {}): Promise<RunResult> {
  return run(BINARY, ['ocifix', 'build', ...args], { env: { ...buildEnv(opts), DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: wrapper.path } });
}

/** `127.0.0.1:5000/a/b:t` → [`a/b`, `t`]. */
export function splitRef(refName: string): [string, string] {
  const noHost = refName.slice(refName.indexOf('/') + 1);
  const colon = noHost.lastIndexOf(':');
  return [noHost.slice(0, colon), noHost.slice(colon + 1)];
}

export function expectOk(r: RunResult, describe: (r: RunResult) => string): void {
  expect(r.exitCode, describe(r)).toBe(0);
}
