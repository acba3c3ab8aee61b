// `docker ocifix bake URL`: a remote bake definition (test/fixtures/bake-remote, a one-platform
// target with an index annotation, pushed) served by a real `git daemon`; buildx reads it through
// the builder (buildkitd fetches it with git), for the `--print` and for the bake. Checked where
// things end up: the registry.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeResult,
  fixture,
  getManifest,
  requireStack,
  run,
  uniqueRepo,
  workDir,
  type BuildxVersion,
  type RunResult,
  type Stack,
} from '../helpers/stack.js';
import { freePort } from '../registry/support.js';
import { buildEnv, notices } from '../build/helpers.js';

let s: Stack;
let daemon: ChildProcess | undefined;
let url: string;

async function git(args: string[], cwd: string): Promise<void> {
  const r = await run('git', ['-c', 'user.email=e2e@ocifix.test', '-c', 'user.name=e2e', ...args], { cwd });
  expect(r.exitCode, describeResult(r)).toBe(0);
}

beforeAll(async () => {
  s = await requireStack();
  const base = workDir('git-daemon');
  const src = join(base, 'src');
  cpSync(fixture('bake-remote'), src, { recursive: true });
  await git(['init', '-q', '-b', 'main'], src);
  await git(['add', '-A'], src);
  await git(['commit', '-q', '-m', 'the remote bake definition'], src);
  await git(['clone', '-q', '--bare', src, join(base, 'defs', 'remote.git')], base);
  writeFileSync(join(base, 'defs', 'remote.git', 'git-daemon-export-ok'), '');
  mkdirSync(join(base, 'run'), { recursive: true });
  const port = await freePort();
  daemon = spawn('git', ['daemon', '--reuseaddr', `--base-path=${join(base, 'defs')}`, '--listen=127.0.0.1', `--port=${port}`, join(base, 'defs')], {
    stdio: 'ignore',
  });
  url = `git://127.0.0.1:${port}/remote.git`;
  // ready when a clone works
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await run('git', ['ls-remote', url]);
    if (r.exitCode === 0) break;
    if (Date.now() > deadline) throw new Error(`git daemon on ${url} not ready: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 100));
  }
});
afterAll(() => {
  daemon?.kill();
});

/** `docker WORD bake --builder single --provenance=false [FLAGS…] URL [TARGETS…]` */
function bake(word: 'ocifix' | 'buildx', args: readonly string[], version: BuildxVersion, repo: string): Promise<RunResult> {
  const flags = args.filter((a) => a.startsWith('-'));
  const targets = args.filter((a) => !a.startsWith('-'));
  return run('docker', [word, 'bake', '--builder', 'single', '--provenance=false', ...flags, url, ...targets], {
    cwd: workDir('bake-remote-cwd'),
    env: { ...buildEnv({ version }), REGISTRY: s.registry, REPO: repo },
  });
}

describe.each(['v0.36.1', 'v0.15.1'] as const)('a remote bake definition (git://), buildx %s', (version) => {
  it('repro: raw buildx fails on the index annotation of a one-platform push', async () => {
    const repo = uniqueRepo(`bake-remote-raw-${version}`);
    const r = await bake('buildx', [], version, repo);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain('index annotations not supported for single platform export');
  });

  it('ocifix: the --set override reaches the remote definition; the pushed index carries the annotation', async () => {
    const repo = uniqueRepo(`bake-remote-${version}`);
    const r = await bake('ocifix', [], version, repo);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(notices(r)).toEqual(['ocifix: target "default": added --set default.args.BUILDKIT_MULTI_PLATFORM=1: index annotations need an image index']);
    const m = await getManifest(repo, 'v1');
    expect(m.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(m.body.annotations?.['org.example.remote']).toBe('1');
  });

  it('a subdirectory of the remote as context: the overrides keep the URL, so buildx resolves it there', async () => {
    const repo = uniqueRepo(`bake-remote-sub-${version}`);
    const r = await bake('ocifix', ['sub'], version, repo);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(notices(r)).toEqual(['ocifix: target "sub": added --set sub.args.BUILDKIT_MULTI_PLATFORM=1: index annotations need an image index']);
    const m = await getManifest(`${repo}-sub`, 'v1');
    expect(m.body.annotations?.['org.example.remote']).toBe('sub');
  });

  it('a fix that needs a rewritten definition (manifest-only) is not made: buildx runs the bake as typed, and the notice says why', async () => {
    const repo = uniqueRepo(`bake-remote-mo-${version}`);
    const r = await bake('ocifix', ['--ocifix-index-annotations=manifest-only'], version, repo);
    const raw = await bake('buildx', [], version, repo);
    expect(notices(r)).toEqual([
      `ocifix: default.annotations cannot be changed with --set, and a remote definition (${url}) takes only --set overrides: bake passed on unchanged`,
    ]);
    // exactly what raw buildx does with it
    expect([r.exitCode, raw.exitCode], describeResult(r)).toEqual([1, 1]);
    expect(r.stderr).toContain('index annotations not supported for single platform export');
  });
});

describe('a remote bake definition on a multi-node builder, buildx v0.15.1', () => {
  it('the index annotation its merge drops is added after the push (a post-push step of a remote bake)', async () => {
    const repo = uniqueRepo('bake-remote-multi');
    const env = { ...buildEnv({ version: 'v0.15.1' }), REGISTRY: s.registry, REPO: repo };
    const cwd = workDir('bake-remote-cwd');
    const raw = await run('docker', ['buildx', 'bake', '--builder', 'multi', url, 'multi'], { cwd, env: { ...env, REPO: `${repo}-raw` } });
    expect(raw.exitCode, describeResult(raw)).toBe(0);
    expect((await getManifest(`${repo}-raw-multi`, 'v1')).body.annotations?.['org.example.remote']).toBeUndefined();
    const r = await run('docker', ['ocifix', 'bake', '--builder', 'multi', url, 'multi'], { cwd, env });
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(notices(r)).toContainEqual(
      expect.stringMatching(/^ocifix: target "multi": added 1 annotation lost in buildx 0\.15\.1's multi-node merge: index sha256:[a-f0-9]{12}/),
    );
    const m = await getManifest(`${repo}-multi`, 'v1');
    expect(m.body.annotations?.['org.example.remote']).toBe('multi');
    expect(m.body.manifests!.length).toBeGreaterThanOrEqual(2);
  });
});
