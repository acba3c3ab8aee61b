// Fix 2 (+ fix 6) on the real stack: the inputs of test/e2e/repro/multi-node-index-annotation.test.ts.
// buildx v0.15.1 loses the index annotation in the multi-node merge; through `docker ocifix build`
// it is on the index afterwards, every child and attestation is kept, and every tag is on that
// index. buildx v0.36.1 keeps it by itself; ocifix only reads it back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BuildxVersion } from '../helpers/stack.js';
import { crane, describeResult, fixture, getManifest, ref, requireStack, skopeo, stack, uniqueRepo, workDir } from '../helpers/stack.js';
import { dockerWrapper, notices, ocifixBuild, ocifixBuildVia } from '../build/helpers.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

function multiNodeArgs(annotations: string[], names: string[], extra: string[] = []): string[] {
  return [
    '--builder',
    'multi',
    '--platform',
    'linux/amd64,linux/arm64',
    ...annotations.flatMap((a) => ['--annotation', a]),
    '--push',
    ...names.flatMap((t) => ['-t', t]),
    ...extra,
    fixture('scratch'),
  ];
}

async function multiNodePush(version: BuildxVersion, annotations: string[], extra: string[] = [], tags?: (repo: string) => string[]) {
  const repo = uniqueRepo(`f2-${version}`);
  const names = tags ? tags(repo) : [ref(repo), ref(repo, 'latest')];
  const r = await ocifixBuild(multiNodeArgs(annotations, names, extra), { version });
  expect(r.exitCode, describeResult(r)).toBe(0);
  expect(r.stderr).toContain(`merging manifest list ${names[0]}`);
  return { repo, r };
}

describe('fix 2: index annotations through a multi-node merge', () => {
  beforeAll(async () => {
    await requireStack();
  });

  it('buildx v0.15.1: the annotation is added after the push; every tag on the annotated index', async () => {
    const meta = join(workDir('f2-meta'), 'metadata.json');
    const { repo, r } = await multiNodePush(
      'v0.15.1',
      ['index:org.example.ocifix=repro2', 'manifest-descriptor[linux/arm64]:org.example.arm=yes'],
      ['--metadata-file', meta],
    );
    // one line, after the push: what was added, and that the metadata file follows
    expect(notices(r)).toEqual([
      expect.stringMatching(/^ocifix: added 2 annotations lost in buildx 0\.15\.1's multi-node merge: index sha256:[a-f0-9]{12} \(also in .*metadata\.json\)$/),
    ]);
    const index = await getManifest(repo, 'v1');
    expect(index.mediaType).toBe(OCI_INDEX);
    expect(index.body.annotations).toEqual({ 'org.example.ocifix': 'repro2' });
    const platforms = (index.body.manifests ?? []).map((d) => `${d.platform?.os}/${d.platform?.architecture}`);
    expect(platforms).toEqual(expect.arrayContaining(['linux/amd64', 'linux/arm64']));
    expect(index.body.manifests?.find((d) => d.platform?.architecture === 'arm64')?.annotations).toEqual({ 'org.example.arm': 'yes' });
    // both tags on the annotated index
    expect((await getManifest(repo, 'latest')).digest).toBe(index.digest);
    // the user's metadata file names the annotated index, the digest the tags resolve to
    const metadata = JSON.parse(readFileSync(meta, 'utf8')) as Record<string, unknown>;
    expect(metadata['containerimage.digest']).toBe(index.digest);
    // buildx 0.15's multi-node merge writes no containerimage.descriptor (rewriting one: test/unit/build/execute.test.ts)
    expect(metadata['containerimage.descriptor']).toBeUndefined();
    // independent readers
    const sk = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref(repo)}`]);
    expect(sk.exitCode, describeResult(sk)).toBe(0);
    expect(JSON.parse(sk.stdout).annotations).toEqual({ 'org.example.ocifix': 'repro2' });
    const cr = await crane(['digest', ref(repo, 'latest'), '--insecure']);
    expect(cr.stdout.trim()).toBe(index.digest);
  });

  it('buildx v0.15.1, -t without a tag: the annotated index is written to :latest', async () => {
    const { repo, r } = await multiNodePush('v0.15.1', ['index:org.example.ocifix=untagged'], [], (repo) => [`${stack().registry}/${repo}`]);
    expect(notices(r)).toEqual([expect.stringMatching(/^ocifix: added 1 annotation lost in buildx 0\.15\.1's multi-node merge: index sha256:/)]);
    const index = await getManifest(repo, 'latest');
    expect(index.mediaType).toBe(OCI_INDEX);
    expect(index.body.annotations).toEqual({ 'org.example.ocifix': 'untagged' });
  });

  it('buildx v0.15.1 with a multi-type prefix: one flag per type, so index AND manifests get it', async () => {
    const { repo, r } = await multiNodePush('v0.15.1', ['index,manifest:org.example.both=yes']);
    expect(notices(r)[0]).toBe('ocifix: split --annotation index,manifest:org.example.both=yes into one flag per type (buildx 0.15.1 predates 0.16)');
    const index = await getManifest(repo, 'v1');
    expect(index.body.annotations).toEqual({ 'org.example.both': 'yes' });
    const child = index.body.manifests!.find((d) => d.platform?.architecture === 'amd64')!;
    const manifest = await getManifest(repo, child.digest);
    expect(manifest.body.annotations).toEqual({ 'org.example.both': 'yes' });
  });

  it('buildx v0.36.1: buildx keeps the annotation; ocifix reads it back and changes nothing', async () => {
    const repo = uniqueRepo('f2-v0361');
    const w = dockerWrapper();
    const r = await ocifixBuildVia(w, multiNodeArgs(['index:org.example.ocifix=repro2'], [ref(repo), ref(repo, 'latest')]));
    expect(r.exitCode, describeResult(r)).toBe(0);
    // nothing to change, so nothing said; the read-back below still ran
    expect(notices(r)).toEqual([]);
    const index = await getManifest(repo, 'v1');
    expect(index.body.annotations).toEqual({ 'org.example.ocifix': 'repro2' });
    expect((await getManifest(repo, 'latest')).digest).toBe(index.digest);
    // it did read both tags back, and wrote nothing
    const inspected = w
      .calls()
      .filter((c) => c[1] === 'imagetools' && c[2] === 'inspect')
      .map((c) => c.find((a) => a.startsWith(stack().registry)));
    expect(inspected).toEqual(expect.arrayContaining([ref(repo), ref(repo, 'latest')]));
    expect(w.calls().filter((c) => c.includes('create'))).toEqual([]);
  });

  it('buildx v0.36.1: an annotation missing from the pushed index (stripped after the push) fails the read-back', async () => {
    const repo = uniqueRepo('f2-strip');
    // right after buildx pushed, replace both tags by the same index without its annotations
    const strip = (tag: string) => {
      const url = `http://${stack().registry}/v2/${repo}/manifests/${tag}`;
      return (
        `curl -fsS -H 'Accept: ${OCI_INDEX}' ${url} | python3 -c 'import json,sys; m=json.load(sys.stdin); m.pop("annotations",None); sys.stdout.write(json.dumps(m))' | ` +
        `curl -fsS -X PUT -H 'Content-Type: ${OCI_INDEX}' --data-binary @- ${url}`
      );
    };
    const w = dockerWrapper(`${strip('v1')} && ${strip('latest')}`);
    const r = await ocifixBuildVia(w, multiNodeArgs(['index:org.example.ocifix=repro2'], [ref(repo), ref(repo, 'latest')]));
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain(`docker ocifix: check annotations of ${ref(repo)}: the pushed index lacks annotations that were asked for: `);
    expect(r.stderr).toContain('org.example.ocifix');
    expect((await getManifest(repo, 'v1')).body.annotations).toBeUndefined();
  });
});
