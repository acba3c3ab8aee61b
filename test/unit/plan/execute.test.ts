import { mkdirSync, mkdtempSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OcifixError } from '../../../src/errors.js';
import { executePlan, rewriteMetadata, type PostStepOps, type TagCheck } from '../../../src/plan/execute.js';
import { explainText } from '../../../src/plan/explain.js';
import type { BuildPlan, PostStep } from '../../../src/plan/types.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

function plan(postSteps: PostStep[], extra: Partial<BuildPlan> = {}): BuildPlan {
  return { buildxArgs: ['build', '.'], buildxEnv: {}, notices: [], postSteps, probesUsed: [], facts: {}, passthrough: false, ...extra };
}

/**
 * Ops that do what the test says and record the sequence. `build` runs for the main build (it may
 * write files, like buildx does) and returns its exit code.
 */
function ops(opts: { build?: () => number; tags?: Record<string, TagCheck>; annotateTo?: string; verifyProblems?: string[]; fail?: string } = {}) {
  const log: string[] = [];
  let builds = 0;
  const o: PostStepOps = {
    async buildx(args) {
      log.push(`buildx ${args.join(' ')}`);
      return builds++ === 0 ? (opts.build?.() ?? 0) : 0;
    },
    async normalize(path, ref) {
      log.push(`normalize ${path} ${ref}`);
      if (opts.fail === 'normalize') throw new OcifixError('bad layout', 2);
      return '2 → 1';
    },
    async annotate(refs, digest, annotations) {
      log.push(`annotate ${refs.join(',')} ${digest} ${annotations.join(',')}`);
      return { digest: opts.annotateTo ?? digest, mediaType: 'application/vnd.oci.image.index.v1+json', size: 1234 };
    },
    async verifyAnnotations(ref, annotations) {
      log.push(`verify-annotations ${ref} ${annotations.join(',')}`);
      return opts.verifyProblems ?? [];
    },
    async ensureTag(ref, digest) {
      log.push(`ensure ${ref} ${digest}`);
      return opts.tags?.[ref] ?? { state: 'ok' };
    },
  };
  return { o, log };
}

function io() {
  const lines: string[] = [];
  return { lines, io: { say: (l: string) => lines.push(l), quiet: false } };
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ocifix-exec-'));
}

describe('executePlan', () => {
  it('success: steps in order; the digest flows from the metadata file through annotate to the tag check', async () => {
    const dir = tmp();
    const meta = join(dir, 'meta.json');
    const { o, log } = ops({ build: () => (writeFileSync(meta, JSON.stringify({ 'containerimage.digest': D1 })), 0), annotateTo: D2, tags: { 'r/a:latest': { state: 'repointed', was: D1 } } });
    const out = io();
    const code = await executePlan(
      plan(
        [
          { kind: 'annotate', when: 'success', refs: ['r/a:1', 'r/a:latest'], annotations: ['index:k=v'] },
          { kind: 'verify-annotations', when: 'success', refs: ['r/a:1'], annotations: ['index:k=v'] },
          { kind: 'verify-tags', when: 'success', refs: ['r/a:1', 'r/a:latest'] },
          { kind: 'buildx', when: 'success', args: ['build', '--platform=linux/amd64', '--load', '.'], why: 'load linux/amd64' },
          { kind: 'remove-temp', when: 'always', path: meta },
        ],
        { metadataFile: { path: meta, temporary: true } },
      ),
      o,
      out.io,
    );
    expect(code).toBe(0);
    expect(log).toEqual([
      'buildx build .',
      `annotate r/a:1,r/a:latest ${D1} index:k=v`,
      'verify-annotations r/a:1 index:k=v',
      `ensure r/a:1 ${D2}`,
      `ensure r/a:latest ${D2}`,
      'buildx build --platform=linux/amd64 --load .',
    ]);
    expect(out.lines).toContain(`ocifix: re-pointed r/a:latest to ${D2} (it was on ${D1})`);
    expect(existsSync(meta)).toBe(false);
  });

  it("buildx fails: its exit code; a 0-byte output it created is removed, one that existed before is not", async () => {
    const dir = tmp();
    const created = join(dir, 'new.tar');
    const existing = join(dir, 'old.tar');
    const emptyDir = join(dir, 'layout');
    writeFileSync(existing, '');
    const { o, log } = ops({ build: () => (writeFileSync(created, ''), mkdirSync(emptyDir), writeFileSync(existing, ''), 17) });
    const out = io();
    const code = await executePlan(
      plan([
        { kind: 'normalize', when: 'success', path: created, ref: 'a:1', mode: 'single' },
        { kind: 'remove-empty-output', when: 'failure', path: created },
        { kind: 'remove-empty-output', when: 'failure', path: existing },
        { kind: 'remove-empty-output', when: 'failure', path: emptyDir },
      ]),
      o,
      out.io,
    );
    expect(code).toBe(17);
    expect(log).toEqual(['buildx build .']);
    expect(existsSync(created)).toBe(false);
    expect(existsSync(emptyDir)).toBe(false);
    expect(existsSync(existing)).toBe(true);
    expect(out.lines).toEqual([
      `ocifix: removed ${created}: the failed build left it empty and it did not exist before`,
      `ocifix: removed ${emptyDir}: the failed build left it empty and it did not exist before`,
    ]);
  });

  it('a failing step stops the sequence with its own message and exit code; temporary files go', async () => {
    const dir = tmp();
    const meta = join(dir, 'meta.json');
    writeFileSync(meta, '{}');
    const { o, log } = ops({ fail: 'normalize' });
    const out = io();
    const code = await executePlan(
      plan([
        { kind: 'normalize', when: 'success', path: 'o.tar', ref: 'a:1', mode: 'single' },
        { kind: 'buildx', when: 'success', args: ['build', '--load', '.'], why: 'load linux/amd64' },
        { kind: 'remove-temp', when: 'always', path: meta },
      ]),
      o,
      out.io,
    );
    expect(code).toBe(2);
    expect(log).toEqual(['buildx build .', 'normalize o.tar a:1']);
    expect(out.lines).toEqual(['docker ocifix: normalize o.tar: bad layout']);
    expect(existsSync(meta)).toBe(false);
  });

  it('a missing pushed digest is an error, not a silent pass', async () => {
    const { o } = ops();
    const out = io();
    const code = await executePlan(plan([{ kind: 'verify-tags', when: 'success', refs: ['r/a:1'] }], { metadataFile: { path: join(tmp(), 'absent.json'), temporary: true } }), o, out.io);
    expect(code).toBe(1);
    expect(out.lines[0]).toMatch(/^docker ocifix: check tags r\/a:1: cannot read buildx's metadata file .*absent\.json \(ENOENT\), so the pushed digest is unknown/);
  });

  it('annotations that did not land fail the run', async () => {
    const { o } = ops({ verifyProblems: ['index annotation k is absent, expected "v"'] });
    const out = io();
    const code = await executePlan(plan([{ kind: 'verify-annotations', when: 'success', refs: ['r/a:1'], annotations: ['index:k=v'] }]), o, out.io);
    expect(code).toBe(1);
    expect(out.lines).toEqual(['docker ocifix: check annotations of r/a:1: the pushed index lacks annotations that were asked for: index annotation k is absent, expected "v"']);
  });
});

describe('the user\'s metadata file after annotate', () => {
  it('names the annotated index (digest and descriptor), written atomically', async () => {
    const dir = tmp();
    const meta = join(dir, 'meta.json');
    const written = { 'containerimage.digest': D1, 'containerimage.descriptor': { mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', digest: D1, size: 99 }, 'image.name': 'r/a:1' };
    const { o } = ops({ build: () => (writeFileSync(meta, JSON.stringify(written)), 0), annotateTo: D2 });
    const out = io();
    const code = await executePlan(
      plan(
        [
          { kind: 'annotate', when: 'success', refs: ['r/a:1'], annotations: ['index:k=v'] },
          { kind: 'verify-tags', when: 'success', refs: ['r/a:1'] },
        ],
        { metadataFile: { path: meta, temporary: false } },
      ),
      o,
      out.io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(meta, 'utf8'))).toEqual({
      'containerimage.digest': D2,
      'containerimage.descriptor': { mediaType: 'application/vnd.oci.image.index.v1+json', digest: D2, size: 1234 },
      'image.name': 'r/a:1',
    });
    expect(readdirSync(dir)).toEqual(['meta.json']);
    expect(out.lines).toEqual([`ocifix: added index:k=v to r/a:1 (index ${D1} → ${D2}); ${meta} now names the annotated index`]);
  });

  it('a metadata file naming another digest is left alone', async () => {
    const meta = join(tmp(), 'meta.json');
    writeFileSync(meta, JSON.stringify({ 'containerimage.digest': D2 }));
    expect(await rewriteMetadata(meta, D1, { digest: D2, mediaType: 'x', size: 1 })).toBe(false);
    expect(JSON.parse(readFileSync(meta, 'utf8'))).toEqual({ 'containerimage.digest': D2 });
  });
});

describe('explainText', () => {
  it('shows the command, the changes, the steps and the probes', () => {
    const text = explainText(
      plan(
        [
          { kind: 'normalize', when: 'success', path: 'o.tar', ref: 'a:1', mode: 'single' },
          { kind: 'remove-empty-output', when: 'failure', path: 'o.tar' },
        ],
        {
          buildxArgs: ['build', '--build-arg', 'BUILDKIT_MULTI_PLATFORM=1', '-o', 'type=oci,dest=o.tar', '.'],
          notices: ['ocifix: added …'],
          facts: { builder: { name: 'single', driver: 'remote', nodes: [{ name: 'n', configured: [], platforms: [] }] } },
        },
      ),
      ['--context', 'prod'],
    );
    expect(text).toBe(
      [
        'run: docker --context prod buildx build --build-arg BUILDKIT_MULTI_PLATFORM=1 -o type=oci,dest=o.tar .',
        'changes:',
        '  ocifix: added …',
        'then:',
        '  1. normalize the OCI layout o.tar to one index.json entry named a:1 (docker ocifix normalize o.tar --ref a:1)',
        'if the build fails:',
        '  - remove o.tar if the failed build left it empty and it did not exist before',
        'probed: builder: single, remote driver, 1 node',
        '',
      ].join('\n'),
    );
  });

  it('a refused plan says why and shows nothing to run', () => {
    expect(explainText(plan([], { refusal: 'no.' }), [])).toBe('would not run: no.\nprobed: nothing\n');
  });
});
