/**
 * runBuild end to end in process: the real parser, planner, probes and executor over a runner
 * that answers like a machine with buildx v0.36.1, a two-node remote builder and a
 * classic-store daemon. Outcomes checked: the builds buildx was asked to run, what reached stdout
 * and stderr, the exit code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runBuild, type BuildContext } from '../../../src/build/run.js';
import { Docker } from '../../../src/exec/docker.js';
import type { RunOptions, RunResult, Runner } from '../../../src/exec/runner.js';

// buildx v0.36.1 on the test stack: a remote builder with an amd64 and an arm64 node
const INSPECT_MULTI = `Name:          multi
Driver:        remote

Nodes:
Name:             multi-amd64
Endpoint:         unix:///tmp/bk-a/buildkitd.sock
Status:           running
BuildKit version: v0.32.2
Platforms:        linux/amd64*, linux/386

Name:             multi-arm64
Endpoint:         unix:///tmp/bk-b/buildkitd.sock
Status:           running
BuildKit version: v0.32.2
Platforms:        linux/arm64*
`;
const INFO_CLASSIC = 'null|linux|x86_64\n';

/** docker on PATH, no buildx plugin file (so builds go through `docker buildx`). */
class Machine implements Runner {
  readonly calls: string[][] = [];
  constructor(private readonly buildExit = 0) {}
  async run(file: string, args: readonly string[], _options?: RunOptions): Promise<RunResult> {
    this.calls.push([file, ...args]);
    const line = args.join(' ');
    if (line === 'buildx version') return ok('github.com/docker/buildx v0.36.1 0123456\n');
    if (line.startsWith('buildx inspect')) return ok(INSPECT_MULTI);
    if (line.startsWith('info -f')) return ok(INFO_CLASSIC);
    if (args[0] === 'buildx' && args[1] === 'build') return { exitCode: this.buildExit, stdout: '', stderr: '' };
    return { exitCode: 1, stdout: '', stderr: `unexpected: ${line}` };
  }
  builds(): string[][] {
    return this.calls.filter((c) => c[1] === 'buildx' && c[2] === 'build').map((c) => c.slice(3));
  }
}

function ok(stdout: string): RunResult {
  return { exitCode: 0, stdout, stderr: '' };
}

/** The empty docker config dirs the contexts made, removed after the file's tests. */
const configDirs: string[] = [];
afterAll(() => {
  for (const d of configDirs) rmSync(d, { recursive: true, force: true });
});

function context(machine: Machine): BuildContext & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  // an empty docker config: no buildx plugin file is found there
  const env = { DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'ocifix-run-')), PATH: '/usr/bin' };
  configDirs.push(env.DOCKER_CONFIG);
  const globals = { forward: [], debug: false, help: false };
  return {
    stdin: new PassThrough(),
    stdout,
    stderr,
    env,
    cwd: process.cwd(),
    globals,
    runner: machine,
    docker: new Docker(machine, globals, env),
    out: () => out,
    err: () => err,
  } as unknown as BuildContext & { out: () => string; err: () => string };
}

const LOAD_TWO = ['--platform', 'linux/amd64,linux/arm64', '--load', '-t', 'app:dev', '.'];

describe('runBuild', () => {
  it('probes in rounds until the plan settles (builder, then the daemon), then runs the cache build and the native load', async () => {
    const m = new Machine();
    const ctx = context(m);
    expect(await runBuild(ctx, LOAD_TWO, 'build'), ctx.err() + JSON.stringify(m.calls)).toBe(0);
    const probes = m.calls.filter((c) => !(c[1] === 'buildx' && c[2] === 'build')).map((c) => c.slice(1).join(' '));
    // each probe once; the daemon is asked only after the builder turned out to load into it
    expect(probes.sort()).toEqual(['buildx inspect', 'buildx version', 'info -f {{json .DriverStatus}}|{{.OSType}}|{{.Architecture}}'].sort());
    const builds = m.builds();
    expect(builds).toHaveLength(2);
    expect(builds[1], JSON.stringify(builds)).toContain('--platform=linux/amd64');
    expect(builds[1]).not.toContain('linux/amd64,linux/arm64');
    expect(ctx.err()).toMatch(/^ocifix: .*linux\/amd64/m);
    expect(ctx.out()).toBe('');
  });

  it('--ocifix-quiet: the same builds, no notice', async () => {
    const loud = new Machine();
    await runBuild(context(loud), LOAD_TWO, 'build');
    const m = new Machine();
    const ctx = context(m);
    expect(await runBuild(ctx, ['--ocifix-quiet', ...LOAD_TWO], 'build')).toBe(0);
    expect(m.builds()).toEqual(loud.builds());
    expect(ctx.err()).toBe('');
  });

  it("a failing build: buildx's exit code, and the load build does not run after the failed cache build", async () => {
    const m = new Machine(17);
    expect(await runBuild(context(m), LOAD_TWO, 'build')).toBe(17);
    expect(m.builds()).toHaveLength(1);
  });

  it('--ocifix-explain=json: the plan as JSON on stdout, probes only, no build', async () => {
    const m = new Machine();
    const ctx = context(m);
    expect(await runBuild(ctx, ['--ocifix-explain=json', ...LOAD_TWO], 'build')).toBe(0);
    expect(m.builds()).toEqual([]);
    const plan = JSON.parse(ctx.out()) as { docker: string[]; fixes: string[]; buildxArgs: string[]; facts: { builder: { driver: string }; daemon: { containerdStore: boolean } } };
    expect(plan.docker).toEqual([]);
    expect(plan.fixes).toEqual(['load-multi-platform']);
    expect(plan.buildxArgs[0]).toBe('build');
    expect(plan.facts.builder.driver).toBe('remote');
    expect(plan.facts.daemon.containerdStore).toBe(false);
    expect(ctx.err()).toBe('');
  });

  it('a build with no pitfall runs once, unchanged, with no probe', async () => {
    const m = new Machine();
    const args = ['--platform', 'linux/amd64', '-t', 'app:dev', '.'];
    expect(await runBuild(context(m), args, 'build')).toBe(0);
    // (only the check that buildx is installed, which every forwarded build makes)
    expect(m.calls.map((c) => c.slice(1))).toEqual([['buildx', 'version'], ['buildx', 'build', ...args]]);
  });
});
