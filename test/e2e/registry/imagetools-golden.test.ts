// The byte model of `imagetools create` (src/registry/manifest.ts, planners.ts) against the real
// thing: every golden case is planned as `docker ocifix annotate`/`retag` plan it and run through
// `buildx imagetools create --dry-run` of both stack versions (v0.36.1 and v0.15.1); buildx's
// output must be exactly the planned bytes, and the planner must say it predicted them (which is
// what lets the write path skip the dry run). OCIFIX_CAPTURE_GOLDENS=1 also writes the captures to
// test/fixtures/imagetools-dry-run/, which the unit test test/unit/registry/imagetools-golden.test.ts
// replays without a registry.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, getManifest, MT, putManifest, ref, requireStack, run, stack, uniqueRepo, type Manifest } from '../helpers/stack.js';
import { GOLDEN_DIR, GOLDEN_VERSIONS, planGolden, type GoldenCase } from '../../unit/registry/golden-plan.js';
import { pushIndex } from './support.js';

const capture = process.env.OCIFIX_CAPTURE_GOLDENS === '1';
type Body = Record<string, unknown> & { manifests: Array<Record<string, unknown>>; annotations?: Record<string, string> };

const SPECIAL = {
  'org.example.html': '<a href="x">&amp;</a>',
  'org.example.unicode': 'é ü 日本 😀 \u2028 \u2029 \u007f',
  'org.example.ws': 'tab\tnl\ncr\r end',
  'org.example.eq': 'a=b,c=d;e',
  'org.example.back': 'C:\\path\\"q"',
};

interface Setup {
  case: GoldenCase;
  /** The source bytes (stored in the registry under repo:src and by digest). */
  source: Buffer;
}

let built: Manifest;
let repo: string;

function clone(): Body {
  return JSON.parse(built.raw.toString('utf8')) as Body;
}

async function put(tag: string, body: unknown, mediaType = MT.ociIndex, indent = 2): Promise<Buffer> {
  const raw = Buffer.from(JSON.stringify(body, null, indent));
  await putManifest(repo, tag, raw, mediaType);
  return raw;
}

/** The cases; each puts its source into the registry first. */
async function cases(): Promise<Setup[]> {
  const out: Setup[] = [];
  const add = (name: string, about: string, request: GoldenCase['request'], source: Buffer) => out.push({ case: { name, about, request }, source });
  const r = (tag: string) => ref(repo, tag);

  add(
    'built-annotate',
    'an index pushed by buildx (2 platforms + attestations): one index and one platform descriptor annotation',
    { action: 'annotate', ref: r('built'), set: ['index:org.example.a=1', 'manifest-descriptor[linux/arm64]:org.example.arm=yes'] },
    built.raw,
  );
  add(
    'built-retag',
    'retag of a buildx-pushed index: imagetools copies the bytes as they are',
    { action: 'retag', source: r('built'), targets: [r('copy')] },
    built.raw,
  );
  add(
    'built-retag-3',
    'retag to 3 tags: one create with 3 -t, the same bytes',
    { action: 'retag', source: r('built'), targets: [r('c1'), r('c2'), r('c3')] },
    built.raw,
  );

  const special = clone();
  special.annotations = { 'org.opencontainers.image.created': '2026-12-03T07:00:00Z', ...SPECIAL };
  add(
    'carry-special',
    'existing index annotations with HTML, non-ASCII, U+2028/9, control characters, "=" and "," carried over; new and replaced values with the same characters',
    { action: 'annotate', ref: r('special'), set: ['index:org.example.new=<new> & "x" é\u2028', 'index:org.example.eq=replaced=1,2'] },
    await put('special', special, MT.ociIndex, 3),
  );
  add(
    'descriptor-mixed',
    'one key for every entry and another value for one platform (a flag per platform)',
    {
      action: 'annotate',
      ref: r('built'),
      set: ['manifest-descriptor:org.example.k=all', 'manifest-descriptor[linux/arm64]:org.example.k=arm', 'manifest-descriptor:org.example.j=<&>'],
    },
    built.raw,
  );

  const one = clone();
  one.annotations = { 'org.example.only': 'x' };
  add(
    'remove-last-index',
    'removing the last index annotation: the index is rebuilt from its entries as JSON descriptor sources',
    { action: 'annotate', ref: r('one'), remove: ['index:org.example.only'] },
    await put('one', one),
  );

  const descAnn = clone();
  descAnn.manifests = descAnn.manifests.map((d) => ({
    ...d,
    annotations: { ...((d['annotations'] as Record<string, string>) ?? {}), 'org.example.d': 'drop', 'org.example.keep': 'kept <1>' },
  }));
  descAnn.annotations = { 'org.example.i': 'i' };
  add(
    'remove-descriptor',
    'removing a descriptor annotation on one platform (descriptor sources) while setting an index annotation',
    { action: 'annotate', ref: r('desc'), set: ['index:org.example.x=y'], remove: ['manifest-descriptor[linux/amd64]:org.example.d'] },
    await put('desc', descAnn, MT.ociIndex, 0),
  );

  const crafted = clone();
  const [first, second] = crafted.manifests as [Record<string, unknown>, Record<string, unknown>];
  crafted.manifests = [
    {
      foo: 1,
      ...first,
      urls: ['https://example.com/a?b=1&c=<2>'],
      platform: { ...(first['platform'] as object), 'os.version': '10.0.1', 'os.features': ['sse4', 'avx'], extra: 'dropped' },
    },
    { ...second, artifactType: 'application/vnd.example+type', platform: { ...(second['platform'] as object), variant: 'v8' } },
    ...crafted.manifests.slice(2),
    // the same child again, other annotations: buildx merges duplicates into the first occurrence
    { mediaType: first['mediaType'], digest: first['digest'], size: first['size'], annotations: { 'org.example.dup': 'second' } },
  ];
  crafted['x-unknown'] = { a: 1 };
  add(
    'crafted-fields',
    'entries with urls, os.version, os.features, variant, artifactType, unknown fields and a duplicate digest',
    { action: 'annotate', ref: r('crafted'), set: ['index:org.example.c=1'] },
    await put('crafted', crafted),
  );

  const amd = (built.body.manifests ?? []).find((d) => d.platform?.architecture === 'amd64')!;
  const child = await getManifest(repo, amd.digest);
  add(
    'manifest-retag',
    'retag of a single image manifest with --prefer-index=false: copied as it is',
    { action: 'retag', source: `${ref(repo).replace(/:v1$/, '')}@${amd.digest}`, targets: [r('m')], allowManifest: true },
    child.raw,
  );
  return out;
}

describe('imagetools create --dry-run prints exactly the planned bytes (both buildx versions)', () => {
  let setups: Setup[];
  beforeAll(async () => {
    await requireStack();
    repo = capture ? 'ocifix-golden/imagetools' : uniqueRepo('golden');
    built = await pushIndex(ref(repo, 'built'));
    setups = await cases();
    if (capture) rmSync(GOLDEN_DIR, { recursive: true, force: true });
  });

  it('every case, every version: byte-identical, and predicted', async () => {
    const s = stack();
    const buildxOf: Record<string, { bin: string; config: string }> = {
      'v0.36.1': { bin: s.buildx, config: s.dockerConfig },
      'v0.15.1': { bin: s.buildxV015, config: s.dockerConfigV015 },
    };
    for (const { case: c, source } of setups) {
      const plan = planGolden(c.request, source);
      expect(plan.steps.length, c.name).toBe(1);
      const step = plan.steps[0]!;
      expect(step.predicted, `${c.name}: the model must claim this case`).toBe(true);
      const dir = join(GOLDEN_DIR, c.name);
      if (capture) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'case.json'), `${JSON.stringify({ ...c, argv: step.preflight }, null, 2)}\n`);
        writeFileSync(join(dir, 'source.json'), source);
      }
      for (const v of GOLDEN_VERSIONS) {
        const bx = buildxOf[v]!;
        const r = await run(bx.bin, step.preflight, {
          env: { DOCKER_CONFIG: bx.config, DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined, BUILDX_BUILDER: undefined },
        });
        expect(r.exitCode, `${c.name} ${v}: ${describeResult(r)}`).toBe(0);
        if (capture) writeFileSync(join(dir, `dry-run-${v}.out`), r.stdout);
        expect(r.stdout, `${c.name} ${v}`).toBe(`${plan.result.bytes}\n`);
      }
    }
  });
});
