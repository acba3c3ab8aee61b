import { mkdirSync, mkdtempSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OcifixError } from '../../../src/errors.js';
import { executePlan, rewriteMetadata, type PostStepOps, type TagCheck } from '../../../src/build/execute.js';
import { explainText } from '../../../src/build/explain.js';
import type { BuildPlan, PostStep } from '../../../src/build/types.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

function plan(postSteps: PostStep[], extra: Partial<BuildPlan> = {}): BuildPlan {
  return { buildxArgs: ['build', '.'], buildxEnv: {}, notices: [], postSteps, probesUsed: [], facts: {}, passthrough: false, mainStdout: 'inherit', stdin: 'inherit', fixes: [], ...extra };
}

/**
 * A fake machine with real state: a registry (tag → digest, index digest → annotations), the
 * daemon's loaded platforms, files on disk. The ops change that state the way the real ones do
 * (annotate is compare-and-swap on the first tag and writes a new index; ensureTag re-points), so
 * tests assert where things ended up, not which calls were made.
 */
function machine(
  opts: {
    build?: () => number;
    tags?: Record<string, string>;
    annotateTo?: string;
    dropAnnotations?: boolean;
    fail?: 'normalize';
    /** What each build prints on stdout (like `-q`: the main build's, then each load's). */
    prints?: (n: number) => string;
    /** Our stdin. */
    stdin?: string;
    /** How long a tag check takes (ms). */
    checkMs?: number;
  } = {},
) {
  const tags = new Map(Object.entries(opts.tags ?? {}));
  const indexes = new Map<string, string[]>();
  const loaded: string[] = [];
  /** What reached the user's stdout, and what stdin each build read. */
  const terminal: string[] = [];
  const stdinRead: string[] = [];
  let stdinLeft = opts.stdin ?? '';
  let builds = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const o: PostStepOps = {
    async buildx(args, _env, bio) {
      const n = builds++;
      // a build reads stdin to its end: from the shared file if given, else ours (used up after one)
      if (bio.stdinFile) stdinRead.push(readFileSync(bio.stdinFile, 'utf8'));
      else {
        stdinRead.push(stdinLeft);
        stdinLeft = '';
      }
      const printed = opts.prints?.(n) ?? '';
      if (bio.stdout === 'inherit') terminal.push(printed);
      const stdout = bio.stdout === 'capture' ? printed : '';
      if (n === 0) return { exitCode: opts.build?.() ?? 0, stdout };
      loaded.push(args.find((a) => a.startsWith('--platform='))?.slice('--platform='.length) ?? 'default');
      return { exitCode: 0, stdout };
    },
    async captureStdin() {
      const d = mkdtempSync(join(tmpdir(), 'ocifix-exec-stdin-'));
      const path = join(d, 'stdin');
      writeFileSync(path, stdinLeft);
      stdinLeft = '';
      return { path, remove: async () => rmSync(d, { recursive: true, force: true }) };
    },
    async normalize(path, ref) {
      if (opts.fail === 'normalize') throw new OcifixError('bad layout', 2);
      writeFileSync(path, `one entry: ${ref}`);
      return '2 → 1';
    },
    async annotate(refs, digest, annotations) {
      if (tags.get(refs[0]!) !== digest) throw new OcifixError(`${refs[0]} is not at ${digest}`);
      const to = opts.annotateTo ?? digest;
      indexes.set(to, opts.dropAnnotations ? [] : [...annotations]);
      for (const r of refs) tags.set(r, to);
      return { digest: to, mediaType: 'application/vnd.oci.image.index.v1+json', size: 1234 };
    },
    async verifyAnnotations(ref, annotations) {
      const have = indexes.get(tags.get(ref) ?? '') ?? [];
      return annotations.filter((a) => !have.includes(a)).map((a) => `${a} is absent from ${ref}`);
    },
    async ensureTag(ref, digest): Promise<TagCheck> {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (opts.checkMs) await new Promise((r) => setTimeout(r, opts.checkMs));
      inFlight--;
      const was = tags.get(ref) ?? null;
      if (was === digest) return { state: 'ok' };
      tags.set(ref, digest);
      return { state: 'repointed', was };
    },
  };
  return { o, tags: () => Object.fromEntries(tags), indexes, loaded, terminal, stdinRead, maxInFlight: () => maxInFlight };
}

function io() {
  const lines: string[] = [];
  const printed: string[] = [];
  return { lines, printed, io: { say: (l: string) => lines.push(l), print: (t: string) => printed.push(t), quiet: false } };
}

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ocifix-exec-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('executePlan', () => {
  it('success: the pushed digest is annotated, every tag ends on the annotated index, the load runs, the temp file goes', async () => {
    const dir = tmp();
    const meta = join(dir, 'meta.json');
    const D0 = `sha256:${'0'.repeat(64)}`;
    const m = machine({
      // buildx pushes r/a:1 to D1; r/a:latest stays on an older index (buildx #2959)
      build: () => (writeFileSync(meta, JSON.stringify({ 'containerimage.digest': D1 })), 0),
      tags: { 'r/a:1': D1, 'r/a:latest': D0 },
      annotateTo: D2,
    });
    const out = io();
    const code = await executePlan(
      plan(
        [
          { kind: 'annotate', when: 'success', refs: ['r/a:1'], annotations: ['index:k=v'], buildxVersion: '0.15.1' },
          { kind: 'verify-annotations', when: 'success', refs: ['r/a:1'], annotations: ['index:k=v'] },
          { kind: 'verify-tags', when: 'success', refs: ['r/a:1', 'r/a:latest'] },
          { kind: 'buildx', when: 'success', args: ['build', '--platform=linux/amd64', '--load', '.'], why: 'load linux/amd64', stdout: 'inherit' },
          { kind: 'remove-temp', when: 'always', path: meta },
        ],
        { metadataFile: { path: meta, temporary: true } },
      ),
      m.o,
      out.io,
    );
    expect(code).toBe(0);
    expect(m.tags()).toEqual({ 'r/a:1': D2, 'r/a:latest': D2 });
    expect(m.indexes.get(D2)).toEqual(['index:k=v']);
    expect(m.loaded).toEqual(['linux/amd64']);
    expect(out.lines).toContain(`ocifix: re-pointed r/a:latest to sha256:222222222222 (it was on sha256:000000000000)`);
    expect(existsSync(meta)).toBe(false);
  });

  it("buildx fails: its exit code, no post step; a 0-byte output it created is removed, one that existed before is not", async () => {
    const dir = tmp();
    const created = join(dir, 'new.tar');
    const existing = join(dir, 'old.tar');
    const emptyDir = join(dir, 'layout');
    writeFileSync(existing, '');
    const m = machine({ build: () => (writeFileSync(created, ''), mkdirSync(emptyDir), writeFileSync(existing, ''), 17), tags: { 'r/a:1': D1 } });
    const out = io();
    const code = await executePlan(
      plan([
        { kind: 'normalize', when: 'success', path: existing, ref: 'a:1', mode: 'single' },
        { kind: 'verify-tags', when: 'success', refs: ['r/a:1'] },
        { kind: 'buildx', when: 'success', args: ['build', '--platform=linux/amd64', '--load', '.'], why: 'load linux/amd64', stdout: 'inherit' },
        { kind: 'remove-empty-output', when: 'failure', path: created },
        { kind: 'remove-empty-output', when: 'failure', path: existing },
        { kind: 'remove-empty-output', when: 'failure', path: emptyDir },
      ]),
      m.o,
      out.io,
    );
    expect(code).toBe(17);
    // nothing after the build ran: the layout was not normalized, no tag moved, nothing loaded
    expect(readFileSync(existing, 'utf8')).toBe('');
    expect(m.tags()).toEqual({ 'r/a:1': D1 });
    expect(m.loaded).toEqual([]);
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
    const m = machine({ fail: 'normalize' });
    const out = io();
    const code = await executePlan(
      plan([
        { kind: 'normalize', when: 'success', path: join(dir, 'o.tar'), ref: 'a:1', mode: 'single' },
        { kind: 'buildx', when: 'success', args: ['build', '--platform=linux/amd64', '--load', '.'], why: 'load linux/amd64', stdout: 'inherit' },
        { kind: 'remove-temp', when: 'always', path: meta },
      ]),
      m.o,
      out.io,
    );
    expect(code).toBe(2);
    expect(m.loaded).toEqual([]);
    expect(out.lines).toEqual([`docker ocifix: normalize ${join(dir, 'o.tar')}: bad layout`]);
    expect(existsSync(meta)).toBe(false);
  });

  it('normalize rewrites the layout in place', async () => {
    const layout = join(tmp(), 'o.tar');
    const m = machine({ build: () => (writeFileSync(layout, 'two entries'), 0) });
    const out = io();
    const code = await executePlan(plan([{ kind: 'normalize', when: 'success', path: layout, ref: 'a:1', mode: 'single' }]), m.o, out.io);
    expect(code).toBe(0);
    expect(readFileSync(layout, 'utf8')).toBe('one entry: a:1');
    expect(out.lines).toEqual([`ocifix: normalized ${layout} for crane and skopeo: 2 → 1`]);
  });

  it('a missing pushed digest is an error, not a silent pass', async () => {
    const m = machine({ tags: { 'r/a:1': D1 } });
    const out = io();
    const code = await executePlan(plan([{ kind: 'verify-tags', when: 'success', refs: ['r/a:1'] }], { metadataFile: { path: join(tmp(), 'absent.json'), temporary: true } }), m.o, out.io);
    expect(code).toBe(1);
    expect(m.tags()).toEqual({ 'r/a:1': D1 });
    expect(out.lines[0]).toMatch(/^docker ocifix: check tags r\/a:1: cannot read buildx's metadata file .*absent\.json \(ENOENT\), so the pushed digest is unknown/);
  });

  it('annotations that did not land fail the run', async () => {
    const meta = join(tmp(), 'meta.json');
    const m = machine({ build: () => (writeFileSync(meta, JSON.stringify({ 'containerimage.digest': D1 })), 0), tags: { 'r/a:1': D1 }, annotateTo: D2, dropAnnotations: true });
    const out = io();
    const code = await executePlan(
      plan(
        [
          { kind: 'annotate', when: 'success', refs: ['r/a:1'], annotations: ['index:k=v'], buildxVersion: '0.15.1' },
          { kind: 'verify-annotations', when: 'success', refs: ['r/a:1'], annotations: ['index:k=v'] },
        ],
        { metadataFile: { path: meta, temporary: true } },
      ),
      m.o,
      out.io,
    );
    expect(code).toBe(1);
    expect(out.lines.at(-1)).toBe('docker ocifix: check annotations of r/a:1: the pushed index lacks annotations that were asked for: index:k=v is absent from r/a:1');
  });
});

describe('the user\'s metadata file after annotate', () => {
  it('names the annotated index (digest and descriptor), written atomically', async () => {
    const dir = tmp();
    const meta = join(dir, 'meta.json');
    const written = { 'containerimage.digest': D1, 'containerimage.descriptor': { mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', digest: D1, size: 99 }, 'image.name': 'r/a:1' };
    const { o } = machine({ build: () => (writeFileSync(meta, JSON.stringify(written)), 0), tags: { 'r/a:1': D1 }, annotateTo: D2 });
    const out = io();
    const code = await executePlan(
      plan(
        [
          { kind: 'annotate', when: 'success', refs: ['r/a:1'], annotations: ['index:k=v'], buildxVersion: '0.15.1' },
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
    expect(out.lines).toEqual([`ocifix: added 1 annotation lost in buildx 0.15.1's multi-node merge: index sha256:222222222222 (also in ${meta})`]);
  });

  it('a failed rewrite is reported, the tag checks still run, and the run fails', async () => {
    const dir = tmp();
    const meta = join(dir, 'meta.json');
    const m = machine({ build: () => (writeFileSync(meta, JSON.stringify({ 'containerimage.digest': D1 })), 0), tags: { 'r/a:1': D1, 'r/a:2': D1 }, annotateTo: D2 });
    const annotate = m.o.annotate;
    m.o.annotate = async (...args) => {
      const r = await annotate(...args);
      rmSync(meta); // the file goes away under us: the rewrite cannot read it
      return r;
    };
    const out = io();
    const code = await executePlan(
      plan(
        [
          { kind: 'annotate', when: 'success', refs: ['r/a:1'], annotations: ['index:k=v'], buildxVersion: '0.15.1' },
          { kind: 'verify-tags', when: 'success', refs: ['r/a:1', 'r/a:2'] },
        ],
        { metadataFile: { path: meta, temporary: false } },
      ),
      m.o,
      out.io,
    );
    expect(code).toBe(1);
    // r/a:2 was still on the old index: the tag check ran after the failed rewrite and re-pointed it
    expect(m.tags()).toEqual({ 'r/a:1': D2, 'r/a:2': D2 });
    expect(out.lines.some((l) => l.startsWith(`docker ocifix: cannot update ${meta} (ENOENT)`))).toBe(true);
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

describe('executePlan: what reaches stdout and stdin', () => {
  const annotate: PostStep = { kind: 'annotate', when: 'success', refs: ['r/a:1'], annotations: ['index:k=v'], buildxVersion: '0.15.1' };
  const load = (platform: string, stdout: 'inherit' | 'ignore'): PostStep => ({ kind: 'buildx', when: 'success', args: ['build', `--platform=${platform}`, '--load', '.'], why: `load ${platform}`, stdout });

  it('-q after the annotate fix: stdout and --iidfile name the annotated index, not the one buildx pushed', async () => {
    const dir = tmp();
    const meta = join(dir, 'meta.json');
    const iid = join(dir, 'iid.txt');
    const m = machine({
      build: () => (writeFileSync(meta, JSON.stringify({ 'containerimage.digest': D1 })), writeFileSync(iid, D1), 0),
      prints: () => `${D1}\n`,
      tags: { 'r/a:1': D1 },
      annotateTo: D2,
    });
    const out = io();
    const code = await executePlan(plan([annotate], { metadataFile: { path: meta, temporary: true }, mainStdout: 'capture', iidFile: iid }), m.o, out.io);
    expect(code).toBe(0);
    expect(out.printed.join('')).toBe(`${D2}\n`);
    expect(m.terminal.join('')).toBe('');
    expect(readFileSync(iid, 'utf8')).toBe(D2);
  });

  it('-q with the load fix: the user sees the loaded image ID alone (no empty line from the cache-only build)', async () => {
    const m = machine({ prints: (n) => (n === 0 ? '\n' : `sha256:id-of-build-${n}\n`) });
    const out = io();
    const code = await executePlan(plan([load('linux/amd64', 'inherit'), load('linux/arm64', 'ignore')], { mainStdout: 'ignore' }), m.o, out.io);
    expect(code).toBe(0);
    expect(m.terminal.join('')).toBe('sha256:id-of-build-1\n');
  });

  it('stdin is read once and every build gets all of it', async () => {
    const m = machine({ stdin: 'FROM scratch\nCOPY x /\n' });
    const code = await executePlan(plan([load('linux/amd64', 'inherit')], { stdin: 'shared' }), m.o, io().io);
    expect(code).toBe(0);
    expect(m.stdinRead).toEqual(['FROM scratch\nCOPY x /\n', 'FROM scratch\nCOPY x /\n']);
  });

  it('without sharing, a second build would find stdin used up (why the plan shares it)', async () => {
    const m = machine({ stdin: 'FROM scratch\n' });
    await executePlan(plan([load('linux/amd64', 'inherit')]), m.o, io().io);
    expect(m.stdinRead).toEqual(['FROM scratch\n', '']);
  });

  it('tag checks run in parallel, say what they do when slow, and report every re-point', async () => {
    const dir = tmp();
    const meta = join(dir, 'meta.json');
    const refs = Array.from({ length: 8 }, (_, i) => `r/a:${i}`);
    const m = machine({ build: () => (writeFileSync(meta, JSON.stringify({ 'containerimage.digest': D1 })), 0), tags: { 'r/a:0': D1 }, checkMs: 50 });
    const out = io();
    const code = await executePlan(plan([{ kind: 'verify-tags', when: 'success', refs }], { metadataFile: { path: meta, temporary: false } }), m.o, { ...out.io, progressAfterMs: 20 });
    expect(code).toBe(0);
    expect(Object.values(m.tags()).every((d) => d === D1)).toBe(true);
    // four at a time, never more
    expect(m.maxInFlight()).toBe(4);
    expect(out.lines[0]).toBe('ocifix: checking that the 8 tags point at sha256:111111111111…');
    expect(out.lines.slice(1)).toEqual(refs.slice(1).map((r) => `ocifix: re-pointed ${r} to sha256:111111111111 (it was on nothing)`));
  });

  it('a quick check says nothing', async () => {
    const dir = tmp();
    const meta = join(dir, 'meta.json');
    const m = machine({ build: () => (writeFileSync(meta, JSON.stringify({ 'containerimage.digest': D1 })), 0), tags: { 'r/a:1': D1 } });
    const out = io();
    await executePlan(plan([{ kind: 'verify-tags', when: 'success', refs: ['r/a:1'] }], { metadataFile: { path: meta, temporary: false } }), m.o, out.io);
    expect(out.lines).toEqual([]);
  });
});
