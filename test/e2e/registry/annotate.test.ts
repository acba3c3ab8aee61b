// docker ocifix annotate on the real stack: a real 2-platform index in the registry, buildx v0.36.1
// imagetools doing the writes, outcomes read back from the registry over HTTP.
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, getManifest, listTags, ref, requireStack, run, skopeo, stack, tryGetManifest, uniqueRepo } from '../helpers/stack.js';
import { childOf, dockerWrapper, ocifix, ocifixVia, pluginConfig, pushIndex } from './support.js';

const childDigests = (m: { body: { manifests?: Array<{ digest: string }> } }) => (m.body.manifests ?? []).map((d) => d.digest);

describe('docker ocifix annotate', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it('annotating twice keeps the first annotations, the descriptor annotations and every child', async () => {
    const repo = uniqueRepo('annotate-twice');
    const before = await pushIndex(ref(repo));

    const a = await ocifix([
      'annotate',
      ref(repo),
      '--annotation',
      'index:org.example.first=1',
      '--annotation',
      'manifest-descriptor[linux/arm64]:org.example.arm=yes',
    ]);
    expect(a.exitCode, describeResult(a)).toBe(0);
    const first = await getManifest(repo, 'v1');
    expect(a.stdout.trim()).toBe(`${ref(repo)}@${first.digest}`);
    expect(first.body.annotations).toEqual({ 'org.example.first': '1' });

    const b = await ocifix(['annotate', ref(repo), '--annotation', 'index:org.example.second=2']);
    expect(b.exitCode, describeResult(b)).toBe(0);
    const second = await getManifest(repo, 'v1');
    expect(second.body.annotations).toEqual({ 'org.example.first': '1', 'org.example.second': '2' });
    expect(second.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(childDigests(second)).toEqual(childDigests(before));
    const arm = second.body.manifests!.find((d) => d.platform?.architecture === 'arm64')!;
    expect(arm.annotations).toEqual({ 'org.example.arm': 'yes' });
    // attestation entries keep their reference annotations
    for (const d of second.body.manifests!.filter((m) => m.platform?.os === 'unknown')) {
      expect(d.annotations?.['vnd.docker.reference.type']).toBe('attestation-manifest');
    }
    // independent reader: crane sees the same bytes
    const cr = await run(stack().crane, ['manifest', '--insecure', ref(repo)]);
    expect(cr.exitCode, describeResult(cr)).toBe(0);
    expect(JSON.parse(cr.stdout).annotations).toEqual({ 'org.example.first': '1', 'org.example.second': '2' });
  });

  it('--remove drops index and descriptor annotations; -t puts the result on tags in this and another repository', async () => {
    const repo = uniqueRepo('annotate-remove');
    const other = uniqueRepo('annotate-remove-other');
    const before = await pushIndex(ref(repo));
    let r = await ocifix([
      'annotate',
      ref(repo),
      '--annotation',
      'index:a=1',
      '--annotation',
      'index:b=2',
      '--annotation',
      'manifest-descriptor:org.example.all=x',
    ]);
    expect(r.exitCode, describeResult(r)).toBe(0);

    r = await ocifix([
      'annotate',
      ref(repo),
      '--remove',
      'index:a',
      '--remove',
      'manifest-descriptor:org.example.all',
      '-t',
      ref(repo, 'latest'),
      '-t',
      ref(other, 'v9'),
    ]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const after = await getManifest(repo, 'v1');
    expect(after.body.annotations).toEqual({ b: '2' });
    for (const d of after.body.manifests!) expect(d.annotations?.['org.example.all']).toBeUndefined();
    expect(childDigests(after)).toEqual(childDigests(before));
    expect((await getManifest(repo, 'latest')).digest).toBe(after.digest);
    expect((await getManifest(other, 'v9')).digest).toBe(after.digest);

    // removing the last index annotation leaves an index without annotations
    r = await ocifix(['annotate', ref(repo), '--remove', 'index:b']);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect((await getManifest(repo, 'v1')).body.annotations).toBeUndefined();
  });

  it('--dry-run prints the exact imagetools command and the resulting index, and writes nothing', async () => {
    const repo = uniqueRepo('annotate-dry');
    const before = await pushIndex(ref(repo));
    const r = await ocifix(['annotate', ref(repo), '--annotation', 'index:org.example.k=v', '-t', ref(repo, 'extra'), '--dry-run']);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(r.stdout).toContain(
      `docker buildx imagetools create --progress plain -t ${ref(repo)} -t ${ref(repo, 'extra')} --annotation index:org.example.k=v ${ref(repo)}\n`,
    );
    // the tag is the source (imagetools reads it right before its PUT); the plan names the digest it was planned on
    expect(r.stdout).toContain(before.digest);
    const m = /# resulting application\/vnd\.oci\.image\.index\.v1\+json (sha256:[0-9a-f]{64}) \((\d+) bytes\):\n([\s\S]*)$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(JSON.parse(m![3]!).annotations).toEqual({ 'org.example.k': 'v' });
    // nothing written
    expect((await getManifest(repo, 'v1')).digest).toBe(before.digest);
    expect(await listTags(repo)).toEqual(['v1']);
    // the real run produces exactly the planned digest
    const w = await ocifix(['annotate', ref(repo), '--annotation', 'index:org.example.k=v', '-t', ref(repo, 'extra')]);
    expect(w.exitCode, describeResult(w)).toBe(0);
    expect((await getManifest(repo, 'v1')).digest).toBe(m![1]);
    expect((await getManifest(repo, 'extra')).digest).toBe(m![1]);
  });

  it('REF by digest with -t, and REF:tag@digest that no longer matches the tag', async () => {
    const repo = uniqueRepo('annotate-digest');
    const idx = await pushIndex(ref(repo));
    const bare = ref(repo).replace(/:v1$/, '');
    let r = await ocifix(['annotate', `${bare}@${idx.digest}`, '--annotation', 'index:k=v', '-t', ref(repo, 'annotated')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect((await getManifest(repo, 'annotated')).body.annotations).toEqual({ k: 'v' });
    expect((await getManifest(repo, 'v1')).digest).toBe(idx.digest);
    r = await ocifix(['annotate', `${bare}@${idx.digest}`, '--annotation', 'index:k=v']);
    expect(r.exitCode, describeResult(r)).toBe(125);
    const moved = (await getManifest(repo, 'annotated')).digest;
    r = await ocifix(['annotate', `${ref(repo, 'annotated')}@${idx.digest}`, '--annotation', 'index:k2=v']);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain(`is at ${moved}, not ${idx.digest}; nothing was written`);
  });

  it('--json describes the plan and the outcome', async () => {
    const repo = uniqueRepo('annotate-json');
    await pushIndex(ref(repo));
    const r = await ocifix(['annotate', ref(repo), '--annotation', 'index:k=v', '--json']);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const j = JSON.parse(r.stdout) as {
      written: boolean;
      result: { digest: string; manifest: { annotations: Record<string, string> } };
      steps: Array<{ command: string[] }>;
    };
    expect(j.written).toBe(true);
    expect(j.result.manifest.annotations).toEqual({ k: 'v' });
    expect(j.steps[0]!.command.slice(0, 4)).toEqual(['docker', 'buildx', 'imagetools', 'create']);
    expect((await getManifest(repo, 'v1')).digest).toBe(j.result.digest);
  });

  it('refuses an index whose children all have Docker media types (imagetools would drop the annotations silently)', async () => {
    const repo = uniqueRepo('annotate-docker');
    const src = uniqueRepo('annotate-docker-src');
    await pushIndex(ref(src), ['--provenance=false']);
    const cp = await skopeo([
      'copy',
      '--all',
      '--format',
      'v2s2',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${ref(src)}`,
      `docker://${ref(repo)}`,
    ]);
    expect(cp.exitCode, describeResult(cp)).toBe(0);
    const before = await getManifest(repo, 'v1');
    expect(before.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');

    const r = await ocifix(['annotate', ref(repo), '--annotation', 'index:org.example.k=v']);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toMatch(/Docker media type.*silently drop/);
    expect((await getManifest(repo, 'v1')).digest).toBe(before.digest);
  });

  it('refuses a tag on a single manifest (imagetools would wrap it into a new index)', async () => {
    const repo = uniqueRepo('annotate-single');
    const idx = await pushIndex(ref(repo));
    const cp = await run(stack().crane, ['copy', '--insecure', `${ref(repo).replace(/:v1$/, '')}@${childOf(idx, 'arm64')}`, ref(repo, 'one')]);
    expect(cp.exitCode, describeResult(cp)).toBe(0);
    const r = await ocifix(['annotate', ref(repo, 'one'), '--annotation', 'index:k=v']);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain('is a single image manifest');
    expect((await getManifest(repo, 'one')).digest).toBe(childOf(idx, 'arm64'));
  });

  it("bad input: buildx's message, exit 125, nothing written", async () => {
    const repo = uniqueRepo('annotate-bad');
    const before = await pushIndex(ref(repo));
    const cases: Array<[string[], string]> = [
      [['annotate', 'Bad/Ref:v1', '--annotation', 'index:k=v'], 'invalid reference format: repository name (Ref) must be lowercase'],
      [['annotate', `${stack().registry}/a b:v1`, '--annotation', 'index:k=v'], 'invalid reference format'],
      [['annotate', ref(repo), '--annotation', 'bogus:k=v'], 'failed to parse annotations: unknown annotation type "bogus"'],
      [['annotate', ref(repo), '--annotation', 'novalue'], 'failed to parse annotations: invalid annotation "novalue", expected key=value'],
      [
        ['annotate', ref(repo), '--annotation', 'com.example:x=1'],
        'failed to parse annotations: invalid annotation type "com.example", expected type and optional platform in square brackets',
      ],
      [
        ['annotate', ref(repo), '--annotation', 'manifest-descriptor[bogus]:k=v'],
        'failed to parse annotations: invalid platform "bogus": "bogus": unknown operating system or architecture: invalid argument',
      ],
      [['annotate', ref(repo), '--annotation', 'manifest:k=v'], '"manifest" annotations are not supported yet'],
      // untyped: refused like imagetools refuses it (build would read it as manifest:), with the two spellings that work
      [
        ['annotate', ref(repo), '--annotation', 'org.example.k=v'],
        '--annotation "org.example.k=v" has no type: write index:org.example.k=v for the index, or manifest-descriptor[os/arch]:org.example.k=v',
      ],
      [['annotate', ref(repo), '--remove', 'org.example.k'], '--remove "org.example.k" has no type: write index:org.example.k for the index'],
      [['verify', ref(repo), '--annotation', 'org.example.k=v'], '--annotation "org.example.k=v" has no type'],
    ];
    for (const [args, message] of cases) {
      const r = await ocifix(args);
      expect(r.exitCode, describeResult(r)).toBe(125);
      expect(r.stderr, describeResult(r)).toContain(message);
    }
    // The same messages buildx itself prints for the grammar errors:
    const bx = await run('docker', ['buildx', 'imagetools', 'create', '--dry-run', '--annotation', 'bogus:k=v', ref(repo)], {
      env: { DOCKER_CONFIG: stack().dockerConfig },
    });
    expect(bx.stderr).toContain('ERROR: failed to parse annotations: unknown annotation type "bogus"');
    const untyped = await run('docker', ['buildx', 'imagetools', 'create', '--dry-run', '--annotation', 'org.example.k=v', ref(repo)], {
      env: { DOCKER_CONFIG: stack().dockerConfig },
    });
    expect(untyped.stderr).toContain('ERROR: "" annotations are not supported yet');
    expect((await getManifest(repo, 'v1')).digest).toBe(before.digest);
    expect(await listTags(repo)).toEqual(['v1']);
  });

  it('compare-and-swap: a tag moved between planning and writing aborts the write', async () => {
    const repo = uniqueRepo('annotate-cas');
    const idx = await pushIndex(ref(repo));
    const child = childOf(idx, 'amd64');
    // The wrapper moves the tag onto a child right after ocifix's preflight (i.e. after the plan).
    const w = dockerWrapper(`${stack().crane} copy --insecure ${ref(repo).replace(/:v1$/, '')}@${child} ${ref(repo)}`);
    const r = await ocifixVia(w.path, ['annotate', ref(repo), '--annotation', 'index:k=v']);
    expect(w.fired()).toBe(true);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain('tag moved since the plan was made');
    expect(r.stderr).toContain('nothing was written');
    // the tag is where the other writer put it; no annotated index was pushed over it
    expect((await getManifest(repo, 'v1')).digest).toBe(child);
  });

  it('a tag moved after the compare-and-swap re-read, just before the write: caught by the read-back, the other writer’s manifests kept', async () => {
    const repo = uniqueRepo('annotate-late-move');
    const idx = await pushIndex(ref(repo));
    // the other writer's index: the amd64 child alone
    const mk = await run('docker', ['buildx', 'imagetools', 'create', '-t', ref(repo, 'other'), `${ref(repo).replace(/:v1$/, '')}@${childOf(idx, 'amd64')}`], {
      env: { DOCKER_CONFIG: stack().dockerConfig },
    });
    expect(mk.exitCode, describeResult(mk)).toBe(0);
    const other = await getManifest(repo, 'other');
    // moved after ocifix's re-read, right before its writing imagetools create starts
    const w = dockerWrapper(`${stack().crane} copy --insecure ${ref(repo, 'other')} ${ref(repo)}`, 'before-write');
    const r = await ocifixVia(w.path, ['annotate', ref(repo), '--annotation', 'index:k=v']);
    expect(w.fired()).toBe(true);
    // imagetools read the tag itself (its source is the tag, not the planned digest): the other
    // writer's manifests are what got annotated, and ocifix says so instead of exit 0
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain("another writer moved it just before our write: our annotations went onto that writer's manifests");
    const now = await getManifest(repo, 'v1');
    expect(now.body.manifests!.map((m) => m.digest)).toEqual(other.body.manifests!.map((m) => m.digest));
    expect(now.body.annotations).toEqual({ k: 'v' });
  });

  it('honours --builder, BUILDX_BUILDER and docker global flags', async () => {
    const repo = uniqueRepo('annotate-builder');
    await pushIndex(ref(repo));
    let r = await ocifix(['annotate', ref(repo), '--annotation', 'index:k=v', '--builder', 'nosuch']);
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain('no builder "nosuch" found');
    r = await ocifix(['annotate', ref(repo), '--annotation', 'index:k=v'], { env: { BUILDX_BUILDER: 'nosuch' } });
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain('no builder "nosuch" found');
    r = await ocifix(['annotate', ref(repo), '--annotation', 'index:k=v', '--builder', 'multi', '--dry-run']);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(r.stdout).toContain('docker buildx imagetools create --builder multi --progress plain');
    // --config before the plugin name: ocifix's own docker calls must use it too (DOCKER_CONFIG points nowhere useful)
    r = await run('docker', ['--config', pluginConfig(), 'ocifix', 'annotate', ref(repo), '--annotation', 'index:k=v'], {
      env: { DOCKER_CONFIG: '/nonexistent-ocifix', BUILDX_BUILDER: undefined, DOCKER_HOST: undefined },
    });
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect((await tryGetManifest(repo, 'v1'))!.body.annotations).toEqual({ k: 'v' });
  });
});
