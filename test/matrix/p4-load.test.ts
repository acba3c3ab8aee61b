// Matrix, pitfall 4: `--load` of two platforms. Into the classic-store dockerd 20.10 it fails on
// every buildx version ("docker exporter does not currently support exporting manifest lists") and
// ocifix loads the daemon's platform. Into Docker Engine 29 with the containerd image store it works
// (buildx switches the export to OCI when the daemon can import it, since 0.11): ocifix must pass
// the build through unchanged, and both platforms must be in the store.
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, docker, fixture, requireStack } from '../e2e/helpers/stack.js';
import { begin, ctdDriver, errorLine, matrix, matrixVersions, mxDocker, notices, ocifixBuild, ok, rawBuild, record, type MatrixStack } from './helpers.js';

const PLATFORMS = ['--platform', 'linux/amd64,linux/arm64'];
let m: MatrixStack;

/** Platforms of a tag in a containerd-store daemon (`docker image inspect --platform` per platform). */
async function storedPlatforms(host: string, tag: string): Promise<string[]> {
  const found: string[] = [];
  for (const p of ['linux/amd64', 'linux/arm64']) {
    const r = await docker(['image', 'inspect', '--platform', p, '--format', '{{.Os}}/{{.Architecture}}', tag], { env: { DOCKER_HOST: host } });
    if (r.exitCode === 0) found.push(r.stdout.trim());
  }
  return found;
}

async function explainPassthrough(v: string, args: string[], env: Record<string, string | undefined>): Promise<boolean> {
  const e = await ocifixBuild(v, ['--ocifix-explain=json', ...args], { env });
  ok(e);
  return (JSON.parse(e.stdout) as { passthrough?: boolean }).passthrough === true;
}

describe.each(matrixVersions())('pitfall 4 (--load, two platforms), buildx %s', (v) => {
  beforeAll(async () => {
    await requireStack();
    m = matrix();
  });

  it('classic image store (remote builder): raw fails; ocifix loads the daemon platform', async () => {
    const pitfall = '4 --load 2 platforms, classic store';
    begin(pitfall, v);
    const env = { DOCKER_HOST: m.classicHost };
    const tag = `ocifix-mx4:classic-${v}-${Date.now()}`;
    const r = await rawBuild(v, ['--builder', 'single', ...PLATFORMS, '--load', '-t', tag, fixture('scratch')], { env });
    expect(r.exitCode, describeResult(r)).not.toBe(0);
    expect(errorLine(r)).toMatch(/docker exporter does not currently support exporting manifest lists$/);
    const o = await ocifixBuild(v, ['--builder', 'single', ...PLATFORMS, '--load', '-t', tag, fixture('scratch')], { env });
    ok(o);
    expect(notices(o), describeResult(o)).toEqual(['ocifix: the classic store cannot --load 2 platforms: loading linux/amd64 only (--ocifix-load=native)']);
    const insp = await docker(['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', tag], { env });
    expect(insp.stdout.trim(), describeResult(insp)).toBe('linux/amd64');
    await docker(['image', 'rm', tag], { env });
    record({ pitfall, version: v, exists: true, raw: `fails: ${errorLine(r)}`, ocifix: 'builds both, loads linux/amd64 (native)' });
  });

  it('containerd image store (remote builder): raw loads both platforms; ocifix passes it through unchanged', async () => {
    const pitfall = '4 --load 2 platforms, containerd store, remote builder';
    begin(pitfall, v);
    const env = { DOCKER_HOST: m.ctdHost };
    const args = (tag: string) => ['--builder', 'single', ...PLATFORMS, '--load', '-t', tag, fixture('scratch')];
    const rawTag = `ocifix-mx4:ctd-raw-${v}-${Date.now()}`;
    const r = await rawBuild(v, args(rawTag), { env });
    ok(r);
    expect(await storedPlatforms(m.ctdHost, rawTag)).toEqual(['linux/amd64', 'linux/arm64']);
    const tag = `ocifix-mx4:ctd-fix-${v}-${Date.now()}`;
    expect(await explainPassthrough(v, args(tag), env)).toBe(true);
    const o = await ocifixBuild(v, args(tag), { env });
    ok(o);
    expect(notices(o)).toEqual([]);
    expect(await storedPlatforms(m.ctdHost, tag)).toEqual(['linux/amd64', 'linux/arm64']);
    const tree = await mxDocker(v, ['image', 'ls', '--tree', tag], { env });
    expect(tree.exitCode, describeResult(tree)).toBe(0);
    expect(tree.stdout).toMatch(/linux\/amd64[\s\S]*linux\/arm64/);
    await docker(['image', 'rm', rawTag, tag], { env });
    record({ pitfall, version: v, exists: false, raw: 'loads linux/amd64 + linux/arm64', ocifix: 'unchanged, no notice; both platforms stored' });
  });

  it('containerd image store (docker driver, its own BuildKit): raw loads both platforms; ocifix passes it through', async () => {
    const pitfall = '4 --load 2 platforms, containerd store, docker driver';
    begin(pitfall, v);
    const dd = ctdDriver();
    const args = (tag: string) => [...dd.builder, ...PLATFORMS, '--load', '-t', tag, fixture('scratch')];
    const rawTag = `ocifix-mx4:dd-raw-${v}-${Date.now()}`;
    const r = await rawBuild(v, args(rawTag), { globals: dd.globals });
    ok(r);
    expect(await storedPlatforms(m.ctdHost, rawTag)).toEqual(['linux/amd64', 'linux/arm64']);
    const tag = `ocifix-mx4:dd-fix-${v}-${Date.now()}`;
    const o = await ocifixBuild(v, args(tag), { globals: dd.globals });
    ok(o);
    expect(notices(o)).toEqual([]);
    expect(await storedPlatforms(m.ctdHost, tag)).toEqual(['linux/amd64', 'linux/arm64']);
    await docker(['image', 'rm', rawTag, tag], { env: { DOCKER_HOST: m.ctdHost } });
    record({ pitfall, version: v, exists: false, raw: 'loads linux/amd64 + linux/arm64', ocifix: 'unchanged, no notice; both platforms stored' });
  });
});
