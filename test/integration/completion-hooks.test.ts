/**
 * Shell completion and CLI hooks through the real docker CLI (the one on PATH: 28.2 in `make test`,
 * the docker CLI 29 again in `make test-matrix`).
 *  - completion: docker runs `docker-ocifix __complete ocifix ARGS… TOCOMPLETE` and prints the
 *    plugin's cobra-protocol answer; build flags are completed by buildx (`__complete buildx …`).
 *  - hooks: ocifix declares none; a user who configures `plugins.ocifix.hooks` gets docker's hook
 *    call (`ocifix docker-cli-plugin-hooks JSON`, only when stdout is a terminal). ocifix forwards it to
 *    buildx like any other unknown command, and docker prints no "What's next" for a plugin that
 *    does not answer with a hook message: the command's own output and exit code are unchanged.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { makePluginEnv, type PluginEnv } from './support/plugin-env.js';

let pe: PluginEnv | undefined;
afterEach(() => {
  pe?.cleanup();
  pe = undefined;
});

function docker(args: string[], env: Record<string, string>) {
  return execa('docker', args, { env, reject: false, input: '', stripFinalNewline: false });
}

describe('completion through the real docker CLI', () => {
  it('completes ocifix subcommands with a cobra directive line', async () => {
    pe = makePluginEnv();
    const r = await docker(['__complete', 'ocifix', 'n'], pe.env);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toContain('normalize');
    expect(lines).not.toContain('build');
    expect(lines.at(-1)).toMatch(/^:\d+$/);
  });

  it('hands build flag completion to buildx: buildx sees what `docker __complete buildx build …` gives it', async () => {
    pe = makePluginEnv();
    const r = await docker(['__complete', 'ocifix', 'build', '--plat'], pe.env);
    expect(r.exitCode, r.stderr).toBe(0);
    const direct = await docker(['__complete', 'buildx', 'build', '--plat'], pe.env);
    expect(direct.exitCode, direct.stderr).toBe(0);
    const runs = pe.records().filter((e) => e['event'] === 'run').map((e) => e['args'] as string[]);
    expect(runs).toHaveLength(2);
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]!.slice(-2)).toEqual(['build', '--plat']);
    expect(runs[0]).toContain('__complete');
    expect(r.stdout).toBe(direct.stdout);
  });
});

describe('CLI hooks through the real docker CLI', () => {
  it('a hook configured for ocifix reaches it, is forwarded to buildx, and changes nothing the user sees', async () => {
    pe = makePluginEnv();
    const cfg = join(pe.config, 'config.json');
    writeFileSync(cfg, JSON.stringify({ features: { hooks: 'true' }, plugins: { ocifix: { hooks: 'ocifix ls' } } }));
    // hooks run only when docker's stdout is a terminal: `script` gives the run a pty
    const r = await execa('script', ['-q', '-e', '-c', 'docker ocifix ls', '/dev/null'], { env: pe.env, reject: false, input: '' });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toContain('recording-buildx buildx ls');
    expect(r.stdout).not.toContain("What's next");
    const runs = pe.records().filter((e) => e['event'] === 'run').map((e) => e['args'] as string[]);
    expect(runs[0]).toEqual(['buildx', 'ls']);
    // docker called the hook after the command: ocifix forwarded it to buildx verbatim
    const hook = runs.find((a) => a[1] === 'docker-cli-plugin-hooks');
    expect(hook, JSON.stringify(runs)).toBeDefined();
    expect(JSON.parse(hook![2]!)).toMatchObject({ RootCmd: 'ocifix ls' });
    expect(readFileSync(cfg, 'utf8')).toContain('"hooks"');
  });
});
