import { describe, expect, it } from 'vitest';
import { loadMultiPlatform } from '../../../../src/build/fixes/load-multi-platform.js';
import { applyFix, CLASSIC, CONTAINERD, DOCKERD, SINGLE } from './support.js';

const ARGS = ['--platform', 'linux/amd64,linux/arm64', '--load', '-t', 'app:dev', '.'];

describe('load-multi-platform', () => {
  it('needs the daemon, then the builder; steps aside on the containerd store or for one platform', () => {
    expect(applyFix(loadMultiPlatform, ARGS).needs).toEqual(['daemon']);
    expect(applyFix(loadMultiPlatform, ARGS, { daemon: CLASSIC }).needs).toEqual(['builder']);
    const c = applyFix(loadMultiPlatform, ARGS, { daemon: CONTAINERD, builder: SINGLE });
    expect([c.edits, c.notices, c.steps, c.decided.load]).toEqual([[], [], [], undefined]);
    expect(applyFix(loadMultiPlatform, ['--load', '.']).needs).toEqual([]);
  });

  it('native: the main build goes to the cache, one build loads the daemon platform and carries -q/--iidfile', () => {
    const r = applyFix(loadMultiPlatform, ARGS, { daemon: CLASSIC, builder: SINGLE });
    expect(r.argv).toEqual(['--output=type=cacheonly', '--platform', 'linux/amd64,linux/arm64', '-t', 'app:dev', '.']);
    expect(r.decided.load).toEqual({ builds: [{ platform: 'linux/amd64', split: false }], carrier: 0 });
    expect(r.steps).toEqual([expect.objectContaining({ kind: 'variant', stdout: 'inherit', why: "load linux/amd64 (the daemon's platform) into the daemon as app:dev" })]);
  });

  it('split: one build per platform, each under TAG-os-arch, only the daemon platform prints', () => {
    const r = applyFix(loadMultiPlatform, ARGS, { daemon: CLASSIC, builder: SINGLE }, { load: 'split' });
    expect(r.steps.map((s) => s.kind === 'variant' && [s.why, s.stdout])).toEqual([
      ['load linux/amd64 into the daemon as app:dev-linux-amd64', 'inherit'],
      ['load linux/arm64 into the daemon as app:dev-linux-arm64', 'ignore'],
    ]);
  });

  it('error, native without the daemon platform, and the docker driver: refused', () => {
    expect(applyFix(loadMultiPlatform, ARGS, { daemon: CLASSIC, builder: SINGLE }, { load: 'error' }).refusal).toMatch(/Choose --ocifix-load=native/);
    expect(applyFix(loadMultiPlatform, ['--platform', 'linux/arm64,linux/s390x', '--load', '.'], { daemon: CLASSIC, builder: SINGLE }).refusal).toMatch(/none of them is the daemon's own platform/);
    expect(applyFix(loadMultiPlatform, ARGS, { daemon: CLASSIC, builder: DOCKERD }).refusal).toMatch(/^the docker driver of builder "dockerd"/);
  });
});
