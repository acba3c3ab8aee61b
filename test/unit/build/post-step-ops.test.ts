import { beforeEach, describe, expect, it, vi } from 'vitest';

const calls: Array<{ fn: string; args: unknown[] }> = [];
let repointWrites = true;
vi.mock('../../../src/registry/execute.js', () => ({
  annotateIndex: vi.fn(async (...args: unknown[]) => {
    calls.push({ fn: 'annotateIndex', args });
    return { plan: { result: { digest: `sha256:${'b'.repeat(64)}`, mediaType: 'application/vnd.oci.image.index.v1+json', size: 7 } } };
  }),
  repointTag: vi.fn(async (...args: unknown[]) => {
    calls.push({ fn: 'repointTag', args });
    return { written: repointWrites };
  }),
  verifyTag: vi.fn(async () => ({ report: { found: true, digest: `sha256:${'c'.repeat(64)}`, problems: [] } })),
}));

const { annotateTarget, defaultOps, repoAtDigest } = await import('../../../src/build/post-step-ops.js');
const { parseReference } = await import('../../../src/registry/reference.js');

const D = `sha256:${'a'.repeat(64)}`;

describe('annotateTarget: the REPO:TAG@DIGEST annotateIndex writes through', () => {
  it.each([
    ['reg.example:5000/app', `reg.example:5000/app:latest@${D}`],
    ['reg.example:5000/app:v1', `reg.example:5000/app:v1@${D}`],
    ['app', `docker.io/library/app:latest@${D}`],
    [`reg.example/app:v1@sha256:${'f'.repeat(64)}`, `reg.example/app:v1@${D}`],
  ])('%s', (ref, want) => {
    const out = annotateTarget(ref, D);
    expect(out).toBe(want);
    // what annotateIndex needs: a tag to write to and the digest it must still be on
    const parsed = parseReference(out);
    expect(parsed.tag).toBeDefined();
    expect(parsed.digest).toBe(D);
  });

  it('repoAtDigest drops the tag', () => {
    expect(repoAtDigest('127.0.0.1:5000/app:v1', D)).toBe(`127.0.0.1:5000/app@${D}`);
    expect(repoAtDigest('127.0.0.1:5000/app', D)).toBe(`127.0.0.1:5000/app@${D}`);
  });
});

describe('defaultOps', () => {
  beforeEach(() => {
    calls.length = 0;
  });
  const ops = () => defaultOps({} as never, { env: {}, cwd: '/' });

  it('annotate of an untagged -t writes through :latest at the pushed digest', async () => {
    const out = await ops().annotate(['127.0.0.1:5000/app', '127.0.0.1:5000/app:v2'], D, ['index:k=v']);
    expect(out).toEqual({ digest: `sha256:${'b'.repeat(64)}`, mediaType: 'application/vnd.oci.image.index.v1+json', size: 7 });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[1]).toBe(`127.0.0.1:5000/app:latest@${D}`);
    expect(calls[0]!.args[2]).toEqual({ set: ['index:k=v'], tags: ['127.0.0.1:5000/app:v2'] });
  });

  it('ensureTag re-points a tag that is elsewhere from REPO@DIGEST', async () => {
    const r = await ops().ensureTag('127.0.0.1:5000/app', D);
    expect(r).toEqual({ state: 'repointed', was: `sha256:${'c'.repeat(64)}` });
    expect(calls[0]!.args[1]).toBe(`127.0.0.1:5000/app@${D}`);
    expect(calls[0]!.args[2]).toEqual(['127.0.0.1:5000/app']);
  });

  it('ensureTag says ok when the re-read before the write finds the tag in place (nothing written)', async () => {
    repointWrites = false;
    try {
      expect(await ops().ensureTag('127.0.0.1:5000/app', D)).toEqual({ state: 'ok' });
    } finally {
      repointWrites = true;
    }
  });
});
