// The fast registry path (issue 15) on the real stack: buildx started directly, reads at once, no
// dry run when the byte model predicts the bytes. Outcomes are read from the registry over HTTP.
import { beforeAll, describe, expect, it } from 'vitest';
import { recordingConfig } from '../build/helpers.js';
import { describeResult, getManifest, MT, putManifest, ref, requireStack, uniqueRepo } from '../helpers/stack.js';
import { ocifix, pushIndex } from './support.js';

describe('registry commands, fast path', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it('retag to 5 targets: every target holds the source bytes', async () => {
    const repo = uniqueRepo('fast-retag5');
    const src = await pushIndex(ref(repo));
    const targets = [1, 2, 3, 4, 5].map((i) => ref(repo, `t${i}`));
    const r = await ocifix(['retag', ref(repo), ...targets]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    for (let i = 1; i <= 5; i++) {
      const m = await getManifest(repo, `t${i}`);
      expect(m.raw.equals(src.raw), `t${i}`).toBe(true);
    }
    expect(r.stdout.trim().split('\n').sort()).toEqual(targets.map((t) => `${t}@${src.digest}`).sort());
  });

  it('an index the byte model does not claim (an entry with inline data) is annotated through buildx dry run: annotated, data and children kept', async () => {
    const repo = uniqueRepo('fast-fallback');
    const built = await pushIndex(ref(repo, 'built'));
    const body = JSON.parse(built.raw.toString('utf8')) as { manifests: Array<Record<string, unknown>> };
    const first = body.manifests[0]!;
    const child = await getManifest(repo, first['digest'] as string);
    first['data'] = child.raw.toString('base64');
    await putManifest(repo, 'v1', JSON.stringify(body, null, 2), MT.ociIndex);
    const r = await ocifix(['annotate', ref(repo), '--annotation', 'index:org.example.k=v']);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const after = await getManifest(repo, 'v1');
    expect(r.stdout.trim()).toBe(`${ref(repo)}@${after.digest}`);
    expect(after.body.annotations).toEqual({ 'org.example.k': 'v' });
    expect(after.body.manifests!.map((d) => d.digest)).toEqual(body.manifests.map((d) => d['digest']));
    expect((after.body.manifests![0] as unknown as Record<string, unknown>)['data']).toBe(first['data']);
  });

  it('OCIFIX_BUILDX_VIA_DOCKER=1 (through docker buildx, dry run included) reaches the same registry state', async () => {
    const repo = uniqueRepo('fast-via-docker');
    const src = await pushIndex(ref(repo));
    const env = { OCIFIX_BUILDX_VIA_DOCKER: '1' };
    const a = await ocifix(['annotate', ref(repo), '--annotation', 'index:org.example.via=docker'], { env });
    expect(a.exitCode, describeResult(a)).toBe(0);
    const annotated = await getManifest(repo, 'v1');
    expect(annotated.body.annotations).toEqual({ 'org.example.via': 'docker' });
    const r = await ocifix(['retag', `${ref(repo).replace(/:v1$/, '')}@${src.digest}`, ref(repo, 'old')], { env });
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect((await getManifest(repo, 'old')).raw.equals(src.raw)).toBe(true);
  });

  it('a predicted write runs three buildx rounds: the reads (which are the compare-and-swap re-read), one create, the read-back', async () => {
    const repo = uniqueRepo('fast-rounds');
    const src = await pushIndex(ref(repo));
    const rec = recordingConfig();
    const r = await ocifix(['retag', ref(repo), ref(repo, 'a'), ref(repo, 'b')], { env: { DOCKER_CONFIG: rec.dir } });
    expect(r.exitCode, describeResult(r)).toBe(0);
    for (const t of ['a', 'b']) expect((await getManifest(repo, t)).raw.equals(src.raw), t).toBe(true);
    const calls = rec.calls().map((a) => a.filter((x) => !x.startsWith('--builder')));
    const inspects = calls.filter((a) => a.includes('inspect'));
    const creates = calls.filter((a) => a.includes('create'));
    // source + 2 targets, then 2 read-backs; no dry run, no second round of target reads
    expect(creates.length, JSON.stringify(calls)).toBe(1);
    expect(creates[0]!.includes('--dry-run')).toBe(false);
    expect(inspects.length, JSON.stringify(calls)).toBe(5);
    const createAt = calls.indexOf(creates[0]!);
    expect(calls.slice(0, createAt).filter((a) => a.includes('inspect')).length).toBe(3);

    // an index the model does not claim (inline data) gets the dry run, and after it the separate re-read
    const body = JSON.parse(src.raw.toString('utf8')) as { manifests: Array<Record<string, unknown>> };
    body.manifests[0]!['data'] = (await getManifest(repo, body.manifests[0]!['digest'] as string)).raw.toString('base64');
    await putManifest(repo, 'inline', JSON.stringify(body, null, 2), MT.ociIndex);
    const rec2 = recordingConfig();
    const ann = await ocifix(['annotate', ref(repo, 'inline'), '--annotation', 'index:org.example.k=v'], { env: { DOCKER_CONFIG: rec2.dir } });
    expect(ann.exitCode, describeResult(ann)).toBe(0);
    expect((await getManifest(repo, 'inline')).body.annotations).toEqual({ 'org.example.k': 'v' });
    const c2 = rec2.calls();
    const dry = c2.findIndex((a) => a.includes('--dry-run'));
    const write = c2.findIndex((a) => a.includes('create') && !a.includes('--dry-run'));
    expect(dry, JSON.stringify(c2)).toBeGreaterThan(0);
    expect(c2.slice(dry + 1, write).filter((a) => a.includes('inspect') && a.includes(ref(repo, 'inline'))).length, JSON.stringify(c2)).toBe(1);
  });
});
