/**
 * TAB completion through the real docker CLI (`docker __complete ocifix …`, the call bash makes)
 * with the real buildx v0.36.1 of the stack, and in a real bash with docker's completion script
 * and bash-completion, driven through tmux.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginConfig } from '../build/helpers.js';
import { describeResult, run, stack, workDir } from '../helpers/stack.js';

let env: Record<string, string | undefined>;
beforeAll(() => {
  stack();
  env = { DOCKER_CONFIG: pluginConfig(), DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined, BUILDX_BUILDER: undefined };
});

const complete = (args: string[], cwd?: string) => run('docker', ['__complete', ...args], { env, ...(cwd ? { cwd } : {}) });
const lines = (stdout: string): string[] => stdout.split('\n').filter((l) => l !== '');

describe('docker __complete ocifix … (cobra protocol, docker >= 23)', () => {
  it('top level: ocifix’s commands and buildx’s, with descriptions, directive last', async () => {
    const r = await complete(['ocifix', '']);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const out = lines(r.stdout);
    expect(out[out.length - 1]).toBe(':4');
    const values = out.slice(0, -1).map((l) => l.split('\t')[0]);
    for (const own of ['build', 'bake', 'normalize', 'annotate', 'retag', 'verify', 'setup', 'doctor', 'version']) expect(values).toContain(own);
    const theirs = lines((await complete(['buildx', ''])).stdout).slice(0, -1);
    for (const l of theirs.filter((l) => !/^(build|bake|version)\t/.test(l))) expect(out).toContain(l);
    expect(out.filter((l) => l.startsWith('build\t'))).toEqual([
      expect.stringMatching(/^build\tRun docker buildx build with the multi-platform pitfalls fixed/),
    ]);
    expect(out.filter((l) => l.startsWith('bake\t'))).toEqual([expect.stringMatching(/^bake\tRun docker buildx bake with the multi-platform pitfalls fixed/)]);
    for (const l of out.slice(0, -1)) expect(l, l).toMatch(/^[a-z-]+\t\S/);
  });

  it('build flags: exactly what buildx answers, plus the matching --ocifix-* options', async () => {
    for (const word of ['--pl', '--builder', '--', '-']) {
      const ours = await complete(['ocifix', 'build', word]);
      const theirs = await complete(['buildx', 'build', word]);
      expect(ours.exitCode, describeResult(ours)).toBe(0);
      const o = lines(ours.stdout);
      const t = lines(theirs.stdout);
      const added = o.filter((l) => l.startsWith('--ocifix-'));
      expect(
        o.filter((l) => !l.startsWith('--ocifix-')),
        word,
      ).toEqual(t);
      expect(added.length > 0, word).toBe(word === '--' || word === '-');
    }
    const exact = await complete(['ocifix', 'build', '--pl']);
    expect(exact.stdout).toBe('--platform\tSet target platform for build\n:4\n');
    // buildx root flags before the command word, as `docker ocifix --builder NAME build` runs them
    const rooted = await complete(['ocifix', '--builder', 'single', 'build', '--pl']);
    expect(rooted.stdout).toBe((await complete(['buildx', '--builder', 'single', 'build', '--pl'])).stdout);
    expect(rooted.stdout).toBe('--platform\tSet target platform for build\n:4\n');
  });

  it('build values: builder names from buildx; --ocifix-load= values from ocifix', async () => {
    const ours = await complete(['ocifix', 'build', '--builder', '']);
    expect(lines(ours.stdout)).toEqual(lines((await complete(['buildx', 'build', '--builder', ''])).stdout));
    expect(lines(ours.stdout)).toEqual(expect.arrayContaining(['single', 'multi']));
    const load = await complete(['ocifix', 'build', '--ocifix-load=s']);
    expect(load.stdout).toBe('--ocifix-load=split\n:6\n');
    const positional = await complete(['ocifix', 'build', '']);
    expect(positional.stdout).toBe((await complete(['buildx', 'build', ''])).stdout);
  });

  it('bake: buildx’s own answer (targets from the bake file in the working directory)', async () => {
    const dir = workDir('complete-bake');
    writeFileSync(join(dir, 'docker-bake.hcl'), 'group "default" { targets = ["app"] }\ntarget "app" {}\ntarget "docs" {}\n');
    const ours = await complete(['ocifix', 'bake', ''], dir);
    const theirs = await complete(['buildx', 'bake', ''], dir);
    expect(ours.exitCode, describeResult(ours)).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
    expect(lines(ours.stdout)).toEqual(expect.arrayContaining(['app', 'docs']));
  });

  it('ocifix’s own commands complete their flags', async () => {
    const setup = lines((await complete(['ocifix', 'setup', '--'])).stdout);
    expect(setup).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^--alias\t/),
        '--no-alias\tUndo --alias',
        expect.stringMatching(/^--dry-run\t/),
        expect.stringMatching(/^--force\t/),
      ]),
    );
    expect(setup[setup.length - 1]).toBe(':4');
    expect(lines((await complete(['ocifix', 'doctor', '--j'])).stdout)).toEqual(['--json\tPrint the facts and findings as JSON', ':4']);
    expect(lines((await complete(['ocifix', 'normalize', '--mo'])).stdout)[0]).toMatch(/^--mode\t/);
  });
});

describe('TAB in a real bash with docker’s completion script (tmux)', () => {
  const socket = `ocifix-e2e-${process.pid}`;
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args], { env });
  let script: string;

  beforeAll(async () => {
    const dir = workDir('bash-completion');
    script = join(dir, 'docker-completion.bash');
    const gen = await run('docker', ['completion', 'bash'], { env });
    expect(gen.exitCode, describeResult(gen)).toBe(0);
    writeFileSync(script, gen.stdout);
    mkdirSync(join(dir, 'home'));
    const started = await tmux(
      'new-session',
      '-d',
      '-s',
      'c',
      '-x',
      '220',
      '-y',
      '60',
      '-e',
      `DOCKER_CONFIG=${env['DOCKER_CONFIG']}`,
      '-e',
      `HOME=${join(dir, 'home')}`,
      'bash',
      '--norc',
      '--noprofile',
    );
    expect(started.exitCode, describeResult(started)).toBe(0);
    await tmux('send-keys', '-t', 'c', `source /usr/share/bash-completion/bash_completion; source ${script}; PS1='$ '; clear; echo completion-loaded`, 'Enter');
    for (let i = 0; i < 80 && !/^completion-loaded$/m.test((await tmux('capture-pane', '-p', '-t', 'c')).stdout); i++)
      await new Promise((r) => setTimeout(r, 250));
  });
  afterAll(async () => {
    await tmux('kill-server');
  });

  /** Type `text`, press TAB (twice to list), and return the screen once it settles. */
  async function tab(text: string, times = 1): Promise<string> {
    await tmux('send-keys', '-t', 'c', 'C-c');
    await tmux('send-keys', '-t', 'c', 'clear', 'Enter');
    await new Promise((r) => setTimeout(r, 300));
    await tmux('send-keys', '-t', 'c', text, ...Array<string>(times).fill('Tab'));
    let last = '';
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const screen = (await tmux('capture-pane', '-p', '-t', 'c')).stdout;
      if (screen === last && i > 3) return screen;
      last = screen;
    }
    return last;
  }

  it('completes subcommands, buildx flags and ocifix options on the command line', async () => {
    expect(await tab('docker ocifix se')).toMatch(/\$ docker ocifix setup *$/m);
    expect(await tab('docker ocifix build --pl')).toMatch(/\$ docker ocifix build --platform *$/m);
    expect(await tab('docker ocifix build --ocifix-lo')).toMatch(/\$ docker ocifix build --ocifix-load$/m);
    const listing = await tab('docker ocifix ', 2);
    expect(listing).toMatch(/^doctor +\(Show which buildx pitfalls apply/m);
    expect(listing).toMatch(/^imagetools +\(Commands to work on images in registry\)/m);
  });
});
