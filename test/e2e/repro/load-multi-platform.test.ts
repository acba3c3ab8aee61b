// Pitfall 4: `--load` of two platforms into a classic-image-store dockerd (Debian docker.io 20.10)
// through a non-docker driver fails before building (buildx build/build.go: "docker exporter does not currently support exporting manifest lists").
// Raw buildx, no docker-ocifix.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { buildx, describeResult, docker, fixture, requireStack } from '../helpers/stack.js';

let s: Stack;

describe('repro 4: --load with two platforms (raw buildx)', () => {
  beforeAll(async () => {
    s = await requireStack();
  });

  it('fails with "docker exporter does not currently support exporting manifest lists"', async () => {
    const tag = `ocifix-repro4:multi-${Date.now()}`;
    const env = { DOCKER_HOST: s.dockerdHost };
    const r = await buildx(['build', '--builder', 'single', '--platform', 'linux/amd64,linux/arm64', '--load', '-t', tag, fixture('scratch')], { env });
    expect(r.exitCode, describeResult(r)).not.toBe(0);
    expect(r.stderr).toContain('ERROR: failed to build: docker exporter does not currently support exporting manifest lists');
    const ls = await docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { env });
    expect(ls.exitCode, describeResult(ls)).toBe(0);
    expect(ls.stdout).not.toContain(tag);
  });

  it('control: one platform loads into the isolated dockerd and runs', async () => {
    const tag = `ocifix-repro4:one-${Date.now()}`;
    const env = { DOCKER_HOST: s.dockerdHost };
    const r = await buildx(['build', '--builder', 'single', '--load', '-t', tag, '--build-context', `busybox=${s.busyboxDir}`, fixture('runnable')], { env });
    expect(r.exitCode, describeResult(r)).toBe(0);
    const run = await docker(['run', '--rm', '--network', 'none', tag], { env });
    expect(run.exitCode, describeResult(run)).toBe(0);
    expect(run.stdout).toContain('hello from the runnable docker-ocifix fixture');
    await docker(['image', 'rm', tag], { env });
  });

  it('the docker driver on the classic store refuses two platforms outright', async () => {
    const r = await buildx(['build', '--builder', 'dockerd', '--platform', 'linux/amd64,linux/arm64', '-t', 'ocifix-repro4:dd', fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).not.toBe(0);
    expect(r.stderr).toContain('Multi-platform build is not supported for the docker driver.');
  });
});
