// A registry that is not there (stopped before, or between planning and writing): a clear error,
// exit 1, and nothing changed once it is back. Uses a PRIVATE registry on another 127.0.0.1 port so
// the shared one is never stopped. buildx reaches it over plain HTTP without any builder config:
// buildx's resolver treats localhost / 127.0.0.1 / ::1 hosts (any port) as plain-HTTP (containerd
// docker.MatchLocalhost) when the builder has no [registry."host:port"] entry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildx, describeResult, ref, requireStack, uniqueRepo } from '../helpers/stack.js';
import { dockerWrapper, freePort, ocifix, ocifixVia, PrivateRegistry, pushIndex } from './support.js';

describe('registry unreachable', () => {
  let reg: PrivateRegistry;
  const repo = uniqueRepo('down');
  let indexDigest = '';
  const priv = (tag: string) => `${reg.addr}/${repo}:${tag}`;

  beforeAll(async () => {
    await requireStack();
    reg = new PrivateRegistry(await freePort());
    await reg.start();
    await pushIndex(ref(repo));
    // copy the real index into the private registry with plain buildx imagetools
    const cp = await buildx(['imagetools', 'create', '-t', priv('v1'), ref(repo)]);
    expect(cp.exitCode, describeResult(cp)).toBe(0);
    indexDigest = (await reg.manifest(repo, 'v1'))!.digest;
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('works against the private registry while it is up (plain HTTP on another port)', async () => {
    const r = await ocifix(['verify', priv('v1'), '--platform', 'linux/amd64,linux/arm64', '--digest', indexDigest]);
    expect(r.exitCode, describeResult(r)).toBe(0);
  });

  it('stopped registry: annotate, retag and verify fail clearly with exit 1; nothing changed', async () => {
    await reg.stop();
    const cases: string[][] = [
      ['annotate', priv('v1'), '--annotation', 'index:k=v'],
      ['retag', priv('v1'), priv('v2')],
      ['verify', priv('v1'), '--platform', 'linux/amd64'],
      ['verify', priv('v1'), '--digest', indexDigest, '--fix'],
    ];
    for (const args of cases) {
      const r = await ocifix(args);
      expect(r.exitCode, describeResult(r)).toBe(1);
      expect(r.stderr, describeResult(r)).toMatch(new RegExp(`docker ocifix: cannot read ${reg.addr.replace(/\./g, '\\.')}/.*connection refused`));
      expect(r.stdout).toBe('');
    }
    await reg.start();
    expect((await reg.manifest(repo, 'v1'))!.digest).toBe(indexDigest);
    expect(await reg.tags(repo)).toEqual(['v1']);
  });

  it('registry gone between planning and the compare-and-swap re-read: nothing written', async () => {
    const w = dockerWrapper(reg.stopCommand(), 'after-preflight');
    const r = await ocifixVia(w.path, ['annotate', priv('v1'), '--annotation', 'index:k=v', '-t', priv('v3')]);
    expect(w.fired()).toBe(true);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain('connection refused');
    expect(r.stderr).toContain('nothing was written');
    await reg.start();
    expect((await reg.manifest(repo, 'v1'))!.digest).toBe(indexDigest);
    expect(await reg.tags(repo)).toEqual(['v1']);
  });

  it('registry gone during the write: the failure and the state of every tag are reported', async () => {
    const w = dockerWrapper(reg.stopCommand(), 'before-write');
    const r = await ocifixVia(w.path, ['retag', priv('v1'), priv('v4')]);
    expect(w.fired()).toBe(true);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain('imagetools create failed');
    expect(r.stderr).toContain('0 of 1 write step(s) completed');
    expect(r.stderr).toContain(`${priv('v4')} could not be re-read`);
    await reg.start();
    expect(await reg.tags(repo)).toEqual(['v1']);
    expect((await reg.manifest(repo, 'v1'))!.digest).toBe(indexDigest);
  });
});
