// docker ocifix verify on the real stack, including the tag-on-a-platform-manifest repair.
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, getManifest, ref, requireStack, run, stack, uniqueRepo } from '../helpers/stack.js';
import { childOf, ocifix, pushIndex } from './support.js';

describe('docker ocifix verify', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it('exit 0 for a good index; exit 1 with a report for a missing platform, digest or annotation', async () => {
    const repo = uniqueRepo('verify');
    const idx = await pushIndex(ref(repo));
    let r = await ocifix(['verify', ref(repo), '--platform', 'linux/amd64,linux/arm64', '--digest', idx.digest]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(r.stdout).toContain(': OK');
    expect(r.stdout).toContain('platforms:   linux/amd64, linux/arm64 (+2 attestation entries)');

    r = await ocifix(['verify', ref(repo), '--platform', 'linux/s390x', '--annotation', 'index:org.example.k=v', '--digest', `sha256:${'0'.repeat(64)}`]);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stdout).toContain('platform linux/s390x is missing');
    expect(r.stdout).toContain('index annotation org.example.k is (absent), expected "v"');
    expect(r.stdout).toContain(`expected sha256:${'0'.repeat(64)}`);

    // attestation entries (unknown/unknown) are not a platform
    r = await ocifix(['verify', ref(repo), '--platform', 'unknown/unknown']);
    expect(r.exitCode, describeResult(r)).toBe(1);

    r = await ocifix(['verify', ref(repo, 'nope')]);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stdout).toContain('does not exist');
  });

  it('a tag moved onto a child manifest: verify exits 1; --fix --dry-run changes nothing; --fix re-points it', async () => {
    const repo = uniqueRepo('verify-fix');
    const idx = await pushIndex(ref(repo));
    const child = childOf(idx, 'arm64');
    const cp = await run(stack().crane, ['copy', '--insecure', `${ref(repo).replace(/:v1$/, '')}@${child}`, ref(repo)]);
    expect(cp.exitCode, describeResult(cp)).toBe(0);
    expect((await getManifest(repo, 'v1')).digest).toBe(child);

    let r = await ocifix(['verify', ref(repo), '--platform', 'linux/amd64,linux/arm64']);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stdout).toContain('points at a single image manifest');

    r = await ocifix(['verify', ref(repo), '--platform', 'linux/amd64,linux/arm64', '--digest', idx.digest, '--fix', '--dry-run']);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stdout).toContain(`docker buildx imagetools create --progress plain -t ${ref(repo)} ${ref(repo).replace(/:v1$/, '')}@${idx.digest}`);
    expect((await getManifest(repo, 'v1')).digest).toBe(child);

    r = await ocifix(['verify', ref(repo), '--platform', 'linux/amd64,linux/arm64', '--digest', idx.digest, '--fix', '--json']);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const j = JSON.parse(r.stdout) as { ok: boolean; report: { ok: boolean }; after: { ok: boolean; digest: string }; fix: { written: boolean } };
    expect(j).toMatchObject({ ok: true, report: { ok: false }, after: { ok: true, digest: idx.digest }, fix: { written: true } });
    const fixed = await getManifest(repo, 'v1');
    expect(fixed.digest).toBe(idx.digest);
    expect(fixed.raw.equals(idx.raw)).toBe(true);
  });

  it('--fix refuses to point the tag at a platform manifest and needs --digest', async () => {
    const repo = uniqueRepo('verify-fix-bad');
    const idx = await pushIndex(ref(repo));
    let r = await ocifix(['verify', ref(repo), '--digest', childOf(idx, 'amd64'), '--fix']);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain('single image manifest');
    expect((await getManifest(repo, 'v1')).digest).toBe(idx.digest);
    r = await ocifix(['verify', ref(repo), '--fix']);
    expect(r.exitCode, describeResult(r)).toBe(125);
    expect(r.stderr).toContain('--fix needs --digest');
  });

  it('bad input exits 125 with buildx/containerd wording', async () => {
    const repo = uniqueRepo('verify-bad');
    await pushIndex(ref(repo));
    for (const [args, msg] of [
      [
        ['verify', ref(repo), '--platform', 'linux/amd64/v2/x'],
        'invalid platform "linux/amd64/v2/x": "linux/amd64/v2/x": cannot parse platform specifier: invalid argument',
      ],
      [['verify', ref(repo), '--platform', 'bogus'], 'invalid platform "bogus": "bogus": unknown operating system or architecture: invalid argument'],
      [['verify', ref(repo), '--digest', 'sha256:abc'], 'invalid checksum digest length'],
      [['verify', ref(repo), '--annotation', 'nokv'], 'invalid annotation "nokv", expected key=value'],
      [['verify', 'Bad/Ref'], 'invalid reference format: repository name (Ref) must be lowercase'],
    ] as Array<[string[], string]>) {
      const r = await ocifix(args);
      expect(r.exitCode, describeResult(r)).toBe(125);
      expect(r.stderr).toContain(msg);
    }
  });
});
