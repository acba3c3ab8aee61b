/**
 * Shell completion and CLI hooks through the real docker CLI (the one on PATH: 28.2 in `make test`,
 * the docker CLI 29 again in `make test-matrix`).
 *  - completion: docker runs `docker-ocifix __complete ocifix ARGS… TOCOMPLETE` and prints the
 *    plugin's cobra-protocol answer; build flags are completed by buildx (`__complete buildx …`).
 *    (buildx's answer itself, and its rendering, is checked against the real buildx in
 *    test/e2e/cli/completion.test.ts; hooks in cli-integration.test.ts.)
 */
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
    // ours carry their --help description, as cobra candidates do
    expect(lines.find((l) => l.startsWith('normalize\t'))).toMatch(/^normalize\t\S/);
    expect(lines.some((l) => l.startsWith('build'))).toBe(false);
    expect(lines.at(-1)).toMatch(/^:\d+$/);
  });

  it('hands build flag completion to buildx: buildx sees what `docker __complete buildx build …` gives it', async () => {
    pe = makePluginEnv();
    const r = await docker(['__complete', 'ocifix', 'build', '--plat'], pe.env);
    expect(r.exitCode, r.stderr).toBe(0);
    const direct = await docker(['__complete', 'buildx', 'build', '--plat'], pe.env);
    expect(direct.exitCode, direct.stderr).toBe(0);
    const runs = pe
      .records()
      .filter((e) => e['event'] === 'run')
      .map((e) => e['args'] as string[]);
    expect(runs).toHaveLength(2);
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]!.slice(-2)).toEqual(['build', '--plat']);
    expect(runs[0]).toContain('__complete');
  });
});
