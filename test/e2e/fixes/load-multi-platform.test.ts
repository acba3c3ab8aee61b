// Fix 4 on the real stack: the inputs of test/e2e/repro/load-multi-platform.test.ts (`--load` of two
// platforms into the isolated dockerd 20.10, classic image store), which fail with raw buildx.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { describeResult, docker, fixture, requireStack } from '../helpers/stack.js';
import { notices, ocifixBuild, recordingConfig } from '../build/helpers.js';

let s: Stack;
const PLATFORMS = ['--platform', 'linux/amd64,linux/arm64'];
const runnable = () => ['--build-context', `busybox=${s.busyboxDir}`, fixture('runnable')];

async function imageId(tag: string, env: Record<string, string>): Promise<string | undefined> {
  const r = await docker(['image', 'inspect', '--format', '{{.Id}} {{.Os}}/{{.Architecture}}', tag], { env });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

describe('fix 4: --load of two platforms without the containerd image store', () => {
  beforeAll(async () => {
    s = await requireStack();
  });

  it('native (default): every platform built, the daemon platform loaded and runnable', async () => {
    const env = { DOCKER_HOST: s.dockerdHost };
    const tag = `ocifix-f4:native-${Date.now()}`;
    const rec = recordingConfig();
    const r = await ocifixBuild(['--builder', 'single', ...PLATFORMS, '--load', '-t', tag, ...runnable()], { env: { ...env, DOCKER_CONFIG: rec.dir } });
    expect(r.exitCode, describeResult(r)).toBe(0);
    // one line for the fix, before the builds
    expect(notices(r)).toEqual(['ocifix: the classic store cannot --load 2 platforms: loading linux/amd64 only (--ocifix-load=native)']);
    // both platforms built cache-only first (so an arm64 failure fails the command), then the load
    expect(rec.calls().filter((c) => c[1] === 'build')).toEqual([
      ['buildx', 'build', '--output=type=cacheonly', '--builder', 'single', ...PLATFORMS, '-t', tag, ...runnable()],
      ['buildx', 'build', '--platform=linux/amd64', '--builder', 'single', '--load', '-t', tag, ...runnable()],
    ]);
    expect(await imageId(tag, env)).toMatch(/^sha256:[a-f0-9]{64} linux\/amd64$/);
    const run = await docker(['run', '--rm', '--network', 'none', tag], { env });
    expect(run.exitCode, describeResult(run)).toBe(0);
    expect(run.stdout).toContain('hello from the runnable docker-ocifix fixture');
    await docker(['image', 'rm', tag], { env });
  });

  it('split: each platform under its own suffixed tag', async () => {
    const env = { DOCKER_HOST: s.dockerdHost };
    const tag = `ocifix-f4:split-${Date.now()}`;
    const r = await ocifixBuild(['--builder', 'single', ...PLATFORMS, '--load', '--ocifix-load=split', '-t', tag, ...runnable()], { env });
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(await imageId(`${tag}-linux-amd64`, env)).toMatch(/ linux\/amd64$/);
    expect(await imageId(`${tag}-linux-arm64`, env)).toMatch(/ linux\/arm64$/);
    expect(await imageId(tag, env)).toBeUndefined();
    const run = await docker(['run', '--rm', '--network', 'none', `${tag}-linux-amd64`], { env });
    expect(run.exitCode, describeResult(run)).toBe(0);
    await docker(['image', 'rm', `${tag}-linux-amd64`, `${tag}-linux-arm64`], { env });
  });

  it('cacheonly: builds both, loads nothing; error: refuses before running', async () => {
    const env = { DOCKER_HOST: s.dockerdHost };
    const tag = `ocifix-f4:cache-${Date.now()}`;
    const c = await ocifixBuild(['--builder', 'single', ...PLATFORMS, '--load', '--ocifix-load=cacheonly', '-t', tag, fixture('scratch')], { env });
    expect(c.exitCode, describeResult(c)).toBe(0);
    expect(await imageId(tag, env)).toBeUndefined();
    const e = await ocifixBuild(['--builder', 'single', ...PLATFORMS, '--load', '-t', tag, fixture('scratch')], { env: { ...env, OCIFIX_LOAD: 'error' } });
    expect(e.exitCode, describeResult(e)).toBe(1);
    expect(e.stderr).toContain('Choose --ocifix-load=native');
    expect(e.stderr).not.toContain('#1 ');
  });

  it('the docker driver on the classic store: refused before running, with the reason', async () => {
    const r = await ocifixBuild(['--builder', 'dockerd', ...PLATFORMS, '--load', '-t', 'ocifix-f4:dd', fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain(
      'docker ocifix: the docker driver of builder "dockerd" runs on a daemon without the containerd image store, which cannot build several platforms',
    );
  });
});
