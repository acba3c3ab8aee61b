import { describe, expect, it } from 'vitest';
import { parseAnnotation } from '../../../src/buildflags/annotations.js';
import { Docker } from '../../../src/exec/docker.js';
import type { Runner } from '../../../src/exec/runner.js';
import { UsageError } from '../../../src/errors.js';
import { Imagetools } from '../../../src/registry/imagetools.js';
import { MEDIA } from '../../../src/oci/media.js';
import { goJsonString, marshalIndexLikeGo, resolveBytes, sha256, type Index, type Resolved } from '../../../src/registry/manifest.js';
import { checkTag, flattenLikeBuildx, planAnnotate, planRetag, RefusedError, type Removal } from '../../../src/registry/planners.js';
import { parseReference } from '../../../src/registry/reference.js';

// Real buildx v0.36.1 output: `imagetools inspect --raw` of a 2-platform index (SOURCE) and
// `imagetools create --dry-run --annotation $'index:z.key=<a>&"b"\ é ☃ \u2028 \t x' --annotation index:a.key=
//  --annotation 'manifest-descriptor[linux/amd64]:m=1' SOURCE` (GOLDEN, trailing newline removed).
const GOLDEN =
  '{\n  "schemaVersion": 2,\n  "mediaType": "application/vnd.oci.image.index.v1+json",\n  "manifests": [\n    {\n      "mediaType": "application/vnd.oci.image.manifest.v1+json",\n      "digest": "sha256:d4003717e99ab6b55b0f5245706e3c38abf5e7255305f9cbb2a2c7e80332a436",\n      "size": 476,\n      "annotations": {\n        "m": "1"\n      },\n      "platform": {\n        "architecture": "amd64",\n        "os": "linux"\n      }\n    },\n    {\n      "mediaType": "application/vnd.oci.image.manifest.v1+json",\n      "digest": "sha256:e036dd0d96c56b49359f81d025c0f9f98e0da2d99815c96914a95951d2504e62",\n      "size": 476,\n      "platform": {\n        "architecture": "arm64",\n        "os": "linux"\n      }\n    }\n  ],\n  "annotations": {\n    "a.key": "",\n    "z.key": "\\u003ca\\u003e\\u0026\\"b\\"\\\\ é ☃ \\u2028 \\t x"\n  }\n}';
const SOURCE =
  '{\n  "schemaVersion": 2,\n  "mediaType": "application/vnd.oci.image.index.v1+json",\n  "manifests": [\n    {\n      "mediaType": "application/vnd.oci.image.manifest.v1+json",\n      "digest": "sha256:d4003717e99ab6b55b0f5245706e3c38abf5e7255305f9cbb2a2c7e80332a436",\n      "size": 476,\n      "platform": {\n        "architecture": "amd64",\n        "os": "linux"\n      }\n    },\n    {\n      "mediaType": "application/vnd.oci.image.manifest.v1+json",\n      "digest": "sha256:e036dd0d96c56b49359f81d025c0f9f98e0da2d99815c96914a95951d2504e62",\n      "size": 476,\n      "platform": {\n        "architecture": "arm64",\n        "os": "linux"\n      }\n    }\n  ]\n}';

const noRun: Runner = {
  run: () => {
    throw new Error('the planner must not run anything');
  },
};
const it_ = new Imagetools(new Docker(noRun, { forward: [], debug: false, help: false }, {}), { builder: 'multi' });
const REF = parseReference('127.0.0.1:5000/app/x:v1');
const AMD = 'sha256:d4003717e99ab6b55b0f5245706e3c38abf5e7255305f9cbb2a2c7e80332a436';
const ARM = 'sha256:e036dd0d96c56b49359f81d025c0f9f98e0da2d99815c96914a95951d2504e62';

function indexOf(body: Index, pretty = true): Resolved {
  return resolveBytes(Buffer.from(pretty ? JSON.stringify(body, null, 3) : JSON.stringify(body)));
}
function withAttestations(annotations?: Record<string, string>): Index {
  const att = (sub: string, d: string) => ({
    mediaType: MEDIA.ociManifest,
    digest: d,
    size: 835,
    annotations: { 'vnd.docker.reference.digest': sub, 'vnd.docker.reference.type': 'attestation-manifest' },
    platform: { architecture: 'unknown', os: 'unknown' },
  });
  return {
    schemaVersion: 2,
    mediaType: MEDIA.ociIndex,
    manifests: [
      { mediaType: MEDIA.ociManifest, digest: AMD, size: 476, platform: { architecture: 'amd64', os: 'linux' } },
      { mediaType: MEDIA.ociManifest, digest: ARM, size: 476, platform: { architecture: 'arm64', os: 'linux' }, annotations: { 'org.example.arm': 'yes' } },
      att(AMD, `sha256:${'a'.repeat(64)}`),
      att(ARM, `sha256:${'b'.repeat(64)}`),
    ],
    ...(annotations ? { annotations } : {}),
  };
}
const set = (...flags: string[]) => flags.flatMap((f) => parseAnnotation(f)).map((a) => (a.type === '' ? { ...a, type: 'index' as const } : a));
const rm = (...keys: Array<Partial<Removal> & { key: string }>): Removal[] => keys.map((k) => ({ type: 'index', ...k }) as Removal);

describe('Go encoding/json model', () => {
  it('re-serializes an index exactly like imagetools create (golden from buildx v0.36.1)', () => {
    const plan = planAnnotate({
      target: REF,
      current: resolveBytes(Buffer.from(SOURCE)),
      set: set('index:z.key=<a>&"b"\\ é ☃ \u2028 \t x', 'index:a.key=', 'manifest-descriptor[linux/amd64]:m=1'),
      remove: [],
      extraTags: [],
      argv: it_,
    });
    expect(plan.result.bytes).toBe(GOLDEN);
    expect(plan.result.digest).toBe(sha256(GOLDEN));
  });
  it('escapes like Go', () => {
    expect(goJsonString('<>&\u2028\u2029\n\t\b\f\x01"\\é')).toBe('"\\u003c\\u003e\\u0026\\u2028\\u2029\\n\\t\\b\\f\\u0001\\"\\\\é"');
  });
  it('drops unknown fields and empty maps like ocispecs structs', () => {
    const out = marshalIndexLikeGo({
      schemaVersion: 2,
      manifests: [{ mediaType: 'm', digest: 'd', size: 1, annotations: {}, extra: 1 } as never],
      annotations: {},
    });
    expect(out).toBe('{\n  "schemaVersion": 2,\n  "manifests": [\n    {\n      "mediaType": "m",\n      "digest": "d",\n      "size": 1\n    }\n  ]\n}');
  });
  it('merges duplicate digests like buildx addDesc', () => {
    const d = { mediaType: MEDIA.ociManifest, digest: AMD, size: 1 };
    const flat = flattenLikeBuildx([
      { ...d, annotations: { a: '1' } },
      { ...d, annotations: { b: '2' }, platform: { os: 'linux', architecture: 'amd64' } },
    ]);
    expect(flat).toEqual([{ ...d, annotations: { a: '1', b: '2' }, platform: { architecture: 'amd64', os: 'linux' } }]);
  });
});

describe('planAnnotate', () => {
  it('re-passes every existing index annotation (imagetools drops them) and sources the index by digest', () => {
    const cur = indexOf(withAttestations({ 'org.example.first': '1', 'org.example.b': 'x' }));
    const plan = planAnnotate({ target: REF, current: cur, set: set('org.example.second=2'), remove: [], extraTags: [], argv: it_ });
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]!.argv).toEqual([
      'imagetools',
      'create',
      '--builder',
      'multi',
      '--progress',
      'plain',
      '-t',
      '127.0.0.1:5000/app/x:v1',
      '--annotation',
      'index:org.example.b=x',
      '--annotation',
      'index:org.example.first=1',
      '--annotation',
      'index:org.example.second=2',
      `127.0.0.1:5000/app/x@${cur.digest}`,
    ]);
    expect(plan.steps[0]!.preflight).toEqual([
      'imagetools',
      'create',
      '--builder',
      'multi',
      '--dry-run',
      '-t',
      '127.0.0.1:5000/app/x:v1',
      '--annotation',
      'index:org.example.b=x',
      '--annotation',
      'index:org.example.first=1',
      '--annotation',
      'index:org.example.second=2',
      `127.0.0.1:5000/app/x@${cur.digest}`,
    ]);
    expect(plan.cas).toEqual([{ ref: '127.0.0.1:5000/app/x:v1', digest: cur.digest }]);
    const idx = JSON.parse(plan.result.bytes) as Index;
    expect(idx.annotations).toEqual({ 'org.example.first': '1', 'org.example.b': 'x', 'org.example.second': '2' });
    expect(idx.manifests.map((d) => d.digest)).toEqual(withAttestations().manifests.map((d) => d.digest));
    expect(idx.manifests[1]!.annotations).toEqual({ 'org.example.arm': 'yes' }); // descriptor annotations survive
    expect(plan.changes.join('\n')).toMatch(/carried over 2 existing index annotation/);
  });

  it('sourceByTag: imagetools reads the tag itself (same bytes planned, same compare-and-swap digest)', () => {
    const cur = indexOf(withAttestations({ 'org.example.first': '1' }));
    const byDigest = planAnnotate({ target: REF, current: cur, set: set('org.example.second=2'), remove: [], extraTags: [], argv: it_ });
    const byTag = planAnnotate({ target: REF, current: cur, set: set('org.example.second=2'), remove: [], extraTags: [], argv: it_, sourceByTag: true });
    expect(byTag.steps[0]!.argv.at(-1)).toBe('127.0.0.1:5000/app/x:v1');
    expect(byTag.steps[0]!.preflight.at(-1)).toBe('127.0.0.1:5000/app/x:v1');
    expect(byTag.steps[0]!.argv.slice(0, -1)).toEqual(byDigest.steps[0]!.argv.slice(0, -1));
    expect(byTag.result).toEqual(byDigest.result);
    expect(byTag.cas).toEqual([{ ref: '127.0.0.1:5000/app/x:v1', digest: cur.digest }]);
  });
  it('adds descriptor annotations with platform-scoped flags', () => {
    const plan = planAnnotate({
      target: REF,
      current: indexOf(withAttestations()),
      set: set('manifest-descriptor[linux/amd64]:k=v'),
      remove: [],
      extraTags: [],
      argv: it_,
    });
    expect(plan.steps[0]!.argv).toContain('manifest-descriptor[linux/amd64]:k=v');
    const idx = JSON.parse(plan.result.bytes) as Index;
    expect(idx.manifests.map((d) => d.annotations?.['k'])).toEqual(['v', undefined, undefined, undefined]);
    expect(idx.annotations).toBeUndefined();
  });

  it('resolves "every entry" vs platform-specific values deterministically (one flag per platform)', () => {
    const plan = planAnnotate({
      target: REF,
      current: indexOf(withAttestations()),
      set: set('manifest-descriptor:k=all', 'manifest-descriptor[linux/arm64]:k=arm'),
      remove: [],
      extraTags: [],
      argv: it_,
    });
    const flags = plan.steps[0]!.argv.filter((_, i, a) => a[i - 1] === '--annotation');
    expect(flags).toEqual(['manifest-descriptor[linux/amd64]:k=all', 'manifest-descriptor[linux/arm64]:k=arm', 'manifest-descriptor[unknown/unknown]:k=all']);
    const idx = JSON.parse(plan.result.bytes) as Index;
    expect(idx.manifests.map((d) => d.annotations?.['k'])).toEqual(['all', 'arm', 'all', 'all']);
  });

  it('removes descriptor annotations by passing every entry as a JSON descriptor', () => {
    const cur = indexOf(withAttestations({ keep: '1' }));
    const plan = planAnnotate({
      target: REF,
      current: cur,
      set: [],
      remove: rm({ type: 'manifest-descriptor', key: 'org.example.arm' }),
      extraTags: [],
      argv: it_,
    });
    const argv = plan.steps[0]!.argv;
    expect(argv.slice(0, 10)).toEqual([
      'imagetools',
      'create',
      '--builder',
      'multi',
      '--progress',
      'plain',
      '-t',
      '127.0.0.1:5000/app/x:v1',
      '--annotation',
      'index:keep=1',
    ]);
    const sources = argv.slice(10).map((s) => JSON.parse(s) as Record<string, unknown>);
    expect(sources).toHaveLength(4);
    expect(sources[1]).toEqual({ mediaType: MEDIA.ociManifest, digest: ARM, size: 476, platform: { architecture: 'arm64', os: 'linux' } });
    expect(sources[2]!['annotations']).toMatchObject({ 'vnd.docker.reference.type': 'attestation-manifest' });
  });

  it('removing the last index annotation rebuilds from descriptors (no flags would mean a carbon copy)', () => {
    const cur = indexOf(withAttestations({ only: '1' }));
    const plan = planAnnotate({ target: REF, current: cur, set: [], remove: rm({ key: 'only' }), extraTags: [], argv: it_ });
    expect(plan.steps[0]!.argv).not.toContain('--annotation');
    expect(plan.steps[0]!.argv.filter((a) => a.startsWith('{'))).toHaveLength(4);
    expect((JSON.parse(plan.result.bytes) as Index).annotations).toBeUndefined();
  });

  it('extra tags: same repository in the write, other repositories by carbon copy in descriptor mode', () => {
    const cur = indexOf(withAttestations({ a: '1' }));
    const extraTags = [
      { ref: parseReference('127.0.0.1:5000/app/x:latest'), digest: null },
      { ref: parseReference('127.0.0.1:5000/other/y:v1'), digest: `sha256:${'c'.repeat(64)}` },
    ];
    const a = planAnnotate({ target: REF, current: cur, set: set('b=2'), remove: [], extraTags, argv: it_ });
    expect(a.steps).toHaveLength(1);
    expect(a.steps[0]!.tags).toEqual(['127.0.0.1:5000/app/x:v1', '127.0.0.1:5000/app/x:latest', '127.0.0.1:5000/other/y:v1']);
    expect(a.cas).toEqual([
      { ref: '127.0.0.1:5000/app/x:v1', digest: cur.digest },
      { ref: '127.0.0.1:5000/app/x:latest', digest: null },
      { ref: '127.0.0.1:5000/other/y:v1', digest: `sha256:${'c'.repeat(64)}` },
    ]);
    const b = planAnnotate({ target: REF, current: cur, set: [], remove: rm({ key: 'a' }), extraTags, argv: it_ });
    expect(b.steps.map((s) => s.tags)).toEqual([['127.0.0.1:5000/app/x:v1', '127.0.0.1:5000/app/x:latest'], ['127.0.0.1:5000/other/y:v1']]);
    expect(b.steps[1]!.argv).toEqual([
      'imagetools',
      'create',
      '--builder',
      'multi',
      '--progress',
      'plain',
      '-t',
      '127.0.0.1:5000/other/y:v1',
      `127.0.0.1:5000/app/x@${b.result.digest}`,
    ]);
  });

  it('nothing to change: no write of REF', () => {
    const cur = indexOf(withAttestations({ a: '1' }));
    const plan = planAnnotate({ target: REF, current: cur, set: set('a=1'), remove: [], extraTags: [], argv: it_ });
    expect(plan.steps).toEqual([]);
    expect(plan.result.digest).toBe(cur.digest);
  });

  it('REF by digest, written to another tag: compare-and-swap on that tag, carbon copy when nothing changes', () => {
    const cur = indexOf(withAttestations({ a: '1' }));
    const other = parseReference('127.0.0.1:5000/app/x:new');
    const same = planAnnotate({ target: other, current: cur, targetDigest: null, set: set('a=1'), remove: [], extraTags: [], argv: it_ });
    expect(same.cas).toEqual([{ ref: '127.0.0.1:5000/app/x:new', digest: null }]);
    expect(same.steps[0]!.argv.slice(-3)).toEqual(['-t', '127.0.0.1:5000/app/x:new', `127.0.0.1:5000/app/x@${cur.digest}`]);
    const changed = planAnnotate({ target: other, current: cur, targetDigest: null, set: set('b=2'), remove: [], extraTags: [], argv: it_ });
    expect(changed.cas).toEqual([{ ref: '127.0.0.1:5000/app/x:new', digest: null }]);
  });

  it('a Docker manifest list with some OCI children becomes an OCI index (as imagetools does), and says so', () => {
    const idx = withAttestations();
    idx.mediaType = MEDIA.dockerList;
    idx.manifests[0] = { ...idx.manifests[0]!, mediaType: MEDIA.dockerManifest };
    const plan = planAnnotate({ target: REF, current: indexOf(idx), set: set('a=1'), remove: [], extraTags: [], argv: it_ });
    expect(plan.result.mediaType).toBe(MEDIA.ociIndex);
    expect(plan.changes.join('\n')).toContain('media type');
  });

  it('refuses an index whose children all use Docker media types (annotations would be dropped silently)', () => {
    const idx = withAttestations();
    idx.mediaType = MEDIA.dockerList;
    idx.manifests = idx.manifests.slice(0, 2).map((d) => ({ ...d, mediaType: MEDIA.dockerManifest }));
    expect(() => planAnnotate({ target: REF, current: indexOf(idx), set: set('a=1'), remove: [], extraTags: [], argv: it_ })).toThrow(RefusedError);
    expect(() => planAnnotate({ target: REF, current: indexOf(idx), set: set('a=1'), remove: [], extraTags: [], argv: it_ })).toThrow(/silently drop/);
  });

  it('refuses a single manifest', () => {
    const m = resolveBytes(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: {}, layers: [] })));
    expect(() => planAnnotate({ target: REF, current: m, set: set('a=1'), remove: [], extraTags: [], argv: it_ })).toThrow(/single image manifest/);
  });

  it('refuses types imagetools cannot write, with buildx words', () => {
    const cur = indexOf(withAttestations());
    expect(() => planAnnotate({ target: REF, current: cur, set: parseAnnotation('manifest:a=1'), remove: [], extraTags: [], argv: it_ })).toThrow(
      /^"manifest" annotations are not supported yet/,
    );
    expect(() => planAnnotate({ target: REF, current: cur, set: parseAnnotation('index-descriptor:a=1'), remove: [], extraTags: [], argv: it_ })).toThrow(
      /^"index-descriptor" annotations are invalid while creating an image/,
    );
  });

  it('a platform that is not in the index is a usage error', () => {
    const f = () =>
      planAnnotate({
        target: REF,
        current: indexOf(withAttestations()),
        set: set('manifest-descriptor[linux/s390x]:a=1'),
        remove: [],
        extraTags: [],
        argv: it_,
      });
    expect(f).toThrow(UsageError);
    expect(f).toThrow(/no entry with platform linux\/s390x/);
  });
});

describe('planRetag', () => {
  const cur = indexOf(withAttestations({ a: '1' }));
  it('one carbon-copy create for all targets, sourced by digest; already-right targets are skipped', () => {
    const plan = planRetag({
      source: parseReference('127.0.0.1:5000/app/x:rc1'),
      resolved: cur,
      targets: [
        { ref: parseReference('127.0.0.1:5000/app/x:v1'), digest: null },
        { ref: parseReference('127.0.0.1:5000/app/x:latest'), digest: cur.digest },
        { ref: parseReference('127.0.0.1:5000/prod/x:v1'), digest: `sha256:${'d'.repeat(64)}` },
      ],
      allowManifest: false,
      argv: it_,
    });
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]!.argv).toEqual([
      'imagetools',
      'create',
      '--builder',
      'multi',
      '--progress',
      'plain',
      '-t',
      '127.0.0.1:5000/app/x:v1',
      '-t',
      '127.0.0.1:5000/prod/x:v1',
      `127.0.0.1:5000/app/x@${cur.digest}`,
    ]);
    expect(plan.unchanged).toEqual(['127.0.0.1:5000/app/x:latest']);
    expect(plan.result.digest).toBe(cur.digest);
    expect(plan.result.bytes).toBe(cur.bytes.toString('utf8'));
  });
  it('a manifest source is refused, or copied as it is with --prefer-index=false', () => {
    const m = resolveBytes(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: {}, layers: [] })));
    const input = {
      source: parseReference('127.0.0.1:5000/app/x:v1'),
      resolved: m,
      targets: [{ ref: parseReference('127.0.0.1:5000/app/x:v2'), digest: null }],
      argv: it_,
    };
    expect(() => planRetag({ ...input, allowManifest: false })).toThrow(/--allow-manifest/);
    const plan = planRetag({ ...input, allowManifest: true });
    expect(plan.steps[0]!.argv).toContain('--prefer-index=false');
    expect(plan.steps[0]!.preflight).toContain('--prefer-index=false');
  });
});

describe('checkTag', () => {
  const cur = indexOf(withAttestations({ 'org.opencontainers.image.version': '1.2' }));
  const plats = (...p: string[]) =>
    p.map((spec) => ({
      spec,
      platform: { os: spec.split('/')[0]!, architecture: spec.split('/')[1]!, ...(spec.split('/')[2] ? { variant: spec.split('/')[2]! } : {}) },
    }));
  it('ok: platforms (normalized, attestations ignored), digest, annotations', () => {
    const r = checkTag('r', cur, {
      platforms: plats('linux/amd64', 'linux/arm64/v8'),
      digest: cur.digest,
      annotations: set('org.opencontainers.image.version=1.2', 'manifest-descriptor[linux/arm64]:org.example.arm=yes'),
    });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(r.attestations).toBe(2);
  });
  it('attestation entries do not count as a platform', () => {
    const r = checkTag('r', cur, { platforms: plats('unknown/unknown'), annotations: [] });
    expect(r.problems.map((p) => p.code)).toEqual(['missing-platform']);
  });
  it('reports each problem', () => {
    const r = checkTag('r', cur, {
      platforms: plats('linux/s390x'),
      digest: `sha256:${'e'.repeat(64)}`,
      annotations: set('org.opencontainers.image.version=1.3', 'missing=1'),
    });
    expect(r.problems.map((p) => p.code)).toEqual(['digest-mismatch', 'missing-platform', 'annotation-mismatch', 'annotation-missing']);
  });
  it('a tag on a platform manifest or a missing tag fails', () => {
    const m = resolveBytes(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: {}, layers: [] })));
    expect(checkTag('r', m, { platforms: plats('linux/amd64'), annotations: [] }).problems.map((p) => p.code)).toEqual(['not-an-index']);
    expect(checkTag('r', null, { platforms: [], annotations: [] }).problems.map((p) => p.code)).toEqual(['not-found']);
  });
  it('a Docker manifest list is an index', () => {
    const idx = withAttestations();
    idx.mediaType = MEDIA.dockerList;
    expect(checkTag('r', indexOf(idx), { platforms: plats('linux/amd64'), annotations: [] }).ok).toBe(true);
  });
});
