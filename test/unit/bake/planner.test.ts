// The bake planner on the real `bake --print` outputs of buildx 0.15.1 (CSV strings) and 0.36.1
// (objects), captured from test/fixtures/bake/docker-bake.hcl and compose.yaml.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBakeArgs, readBakeArgs } from '../../../src/bake/args.js';
import { parseDefinition, targetRequest } from '../../../src/bake/definition.js';
import { planBake, type BakePlan } from '../../../src/bake/planner.js';
import { DEFAULT_POLICY, type Facts, type Policy } from '../../../src/build/types.js';

const FIX = join(__dirname, '../../fixtures/bake');
const print = (name: string) => parseDefinition(readFileSync(join(FIX, name), 'utf8'));

const MULTI: Facts['builder'] = {
  name: 'multi',
  driver: 'remote',
  nodes: [
    { name: 'a', configured: ['linux/amd64'], platforms: ['linux/amd64', 'linux/386'] },
    { name: 'b', configured: ['linux/arm64'], platforms: ['linux/arm64', 'linux/amd64'] },
  ],
};
const SINGLE: Facts['builder'] = { name: 'single', driver: 'remote', nodes: [{ name: 'a', configured: [], platforms: ['linux/amd64', 'linux/arm64'] }] };
const CLASSIC: Facts['daemon'] = { containerdStore: false, platform: 'linux/amd64' };
const facts = (buildx: string, builder = MULTI, daemon = CLASSIC): Facts => ({ buildxVersion: buildx, builder, daemon });

function plan(args: string[], file: string, f: Facts, policy: Policy = DEFAULT_POLICY): BakePlan {
  const r = planBake({ bake: readBakeArgs(parseBakeArgs(args)), definition: print(file), env: {}, policy, facts: f, tempDir: '/tmp/T' });
  if (r.kind !== 'plan') throw new Error(`needs ${r.probes.join(',')}`);
  return r.plan;
}

describe('both --print shapes read into the same requests', () => {
  for (const file of ['print-v0.15.1.json', 'print-v0.36.1.json']) {
    it(file, () => {
      const def = print(file);
      const layout = targetRequest('layout', def.target['layout']!, { readsStdin: false }, {});
      expect(layout.outputs.map((o) => [o.type, o.dest, o.tar, o.names])).toEqual([['oci', 'out/layout', false, ['layout:v1', 'layout:v2', 'layout:latest']]]);
      expect(layout.annotations.map((a) => a.parsed?.[0]?.type)).toEqual(['index']);
      expect(layout.platforms).toEqual([]);
      const pushed = targetRequest('pushed', def.target['pushed']!, { readsStdin: false }, {});
      expect(pushed.outputs.map((o) => [o.type, o.push])).toEqual([['image', true]]);
      expect(pushed.platforms).toEqual(['linux/amd64', 'linux/arm64']);
      const app = targetRequest('app-plain', def.target['app-plain']!, { readsStdin: false }, {});
      expect(app.outputs.map((o) => o.load)).toEqual([true]);
    });
  }

  it('attest entries: CSV strings (0.15.1) and objects (0.36.1) give the same attestations', () => {
    for (const file of ['print-push-sbom-v0.15.1.json', 'print-push-sbom-v0.36.1.json']) {
      const def = print(file);
      expect(targetRequest('pushed', def.target['pushed']!, { readsStdin: false }, {}).attestations, file).toEqual({
        explicit: ['sbom'],
        defaultProvenance: true,
      });
    }
  });
});

describe('planBake', () => {
  it('the three pitfalls on buildx 0.36.1, multi-node, classic store: --set overrides appended, per-target steps, one load bake', () => {
    const p = plan(['--builder', 'multi', '--set', 'pushed.labels.x=1'], 'print-v0.36.1.json', facts('0.36.1'));
    expect(p.mode).toBe('overrides');
    expect(p.buildxArgs).toEqual([
      'bake',
      '--metadata-file=/tmp/T/metadata.json',
      '--builder',
      'multi',
      '--set',
      'pushed.labels.x=1',
      '--set',
      'app-plain.output=type=cacheonly',
      '--set',
      'layout.args.BUILDKIT_MULTI_PLATFORM=1',
      '--set',
      'layout.output=type=oci,dest=out/layout,tar=false',
      '--set',
      'pushed.output=type=image,push=true',
    ]);
    expect(p.buildxEnv).toEqual({ BUILDX_METADATA_PROVENANCE: 'disabled' });
    expect(p.postSteps.map((s) => `${s.kind}${'target' in s && s.target ? ` ${s.target}` : ''}`)).toEqual([
      'normalize layout',
      'remove-empty-output',
      'verify-annotations pushed',
      'verify-tags pushed',
      'buildx',
      'remove-temp',
    ]);
    const load = p.postSteps.find((s) => s.kind === 'buildx');
    expect(load).toMatchObject({ args: ['bake', '--file=-', '--builder=multi', 'app-plain'], stdinFile: '/tmp/T/load.json' });
    const loadDef = JSON.parse(p.files['/tmp/T/load.json']!) as { target: Record<string, Record<string, unknown>> };
    expect(loadDef.target['app-plain']).toMatchObject({ platforms: ['linux/amd64'], output: [{ type: 'docker' }], tags: ['bake-app-plain:dev'] });
    expect(p.notices).toEqual([
      'ocifix: target "app-plain": the classic store cannot --load 2 platforms: loading linux/amd64 only (--ocifix-load=native)',
      'ocifix: target "layout": added --set layout.args.BUILDKIT_MULTI_PLATFORM=1: index annotations need an image index',
    ]);
  });

  it('buildx 0.15.1: the lost index annotation is added back after the push, for that target', () => {
    const p = plan(['--builder', 'multi'], 'print-v0.15.1.json', facts('0.15.1'));
    expect(p.postSteps.find((s) => s.kind === 'annotate')).toEqual({
      kind: 'annotate',
      when: 'success',
      target: 'pushed',
      refs: ['127.0.0.1:5000/bake/pushed:v1', '127.0.0.1:5000/bake/pushed:latest'],
      annotations: ['index:org.example.pushed=yes'],
      buildxVersion: '0.15.1',
    });
  });

  it("the user's --push, --load and --set of output give way to the resolved lists; other --set stay", () => {
    const p = plan(['--push', '--set', '*.output=type=image', '--set', 'pushed.tags=x:1', '--load'], 'print-v0.36.1.json', facts('0.36.1', SINGLE));
    expect(p.buildxArgs).not.toContain('--push');
    expect(p.buildxArgs).not.toContain('--load');
    expect(p.buildxArgs).not.toContain('*.output=type=image');
    expect(p.buildxArgs).toContain('pushed.tags=x:1');
  });

  it('dropping an index annotation (manifest-only) needs a rewritten definition on stdin; the files and --set go', () => {
    const p = plan(['-f', 'docker-bake.hcl', '--set', 'layout.labels.x=1', 'layout'], 'print-v0.36.1.json', facts('0.36.1', SINGLE), {
      ...DEFAULT_POLICY,
      indexAnnotations: 'manifest-only',
    });
    expect(p.mode).toBe('definition');
    expect(p.buildxArgs).toEqual(['bake', '--metadata-file=/tmp/T/metadata.json', '--file=-', 'layout']);
    expect(p.stdinFile).toBe('/tmp/T/bake.json');
    expect(p.notices[0]).toBe('ocifix: the bake runs from its resolved definition, rewritten (--file -): annotations cannot be changed with --set');
    const def = JSON.parse(p.files['/tmp/T/bake.json']!) as { target: Record<string, { annotations?: string[]; output?: unknown[] }> };
    expect(def.target['layout']!.annotations).toEqual([]);
    expect(def.target['pushed']!.annotations).toEqual(['index:org.example.pushed=yes']);
  });

  it('a target ocifix must refuse is named, and nothing runs', () => {
    const def = print('print-v0.36.1.json');
    def.target['layout']!.platforms = ['linux/amd64', 'linux/arm64'];
    const r = planBake({ bake: readBakeArgs(parseBakeArgs([])), definition: def, env: {}, policy: DEFAULT_POLICY, facts: facts('0.36.1'), tempDir: '/tmp/T' });
    expect(r.kind === 'plan' && r.plan.refusal).toMatch(
      /^target "layout": builder "multi" would build linux\/amd64 on a, linux\/arm64 on b, and buildx cannot write --output type=oci/,
    );
  });

  it('a bake with no pitfall: no probe, the same argv', () => {
    const def = parseDefinition(JSON.stringify({ target: { plain: { context: '.', output: [{ type: 'local', dest: 'out' }] } } }));
    const r = planBake({
      bake: readBakeArgs(parseBakeArgs(['plain', '--progress=plain'])),
      definition: def,
      env: {},
      policy: DEFAULT_POLICY,
      facts: {},
      tempDir: '/tmp/T',
    });
    expect(r.kind).toBe('plan');
    if (r.kind !== 'plan') return;
    expect(r.plan.passthrough).toBe(true);
    expect(r.plan.buildxArgs).toEqual(['bake', 'plain', '--progress=plain']);
    expect(r.plan.probesUsed).toEqual([]);
  });

  it('compose targets plan like HCL ones', () => {
    const p = plan(['-f', 'compose.yaml', '--builder', 'multi'], 'print-compose-v0.36.1.json', facts('0.36.1'));
    expect(p.targets.map((t) => [t.name, t.fixes])).toEqual([
      ['app-plain', ['load-multi-platform']],
      ['layout', ['single-platform-index-annotation', 'oci-multiple-tags']],
      ['pushed', ['multi-node-index-annotation', 'push-tags']],
    ]);
    // buildx 0.15.1 reads the platforms from x-bake only; the same plan
    const old = plan(['-f', 'compose.yaml', '--builder', 'multi'], 'print-compose-v0.15.1.json', facts('0.15.1'));
    expect(old.targets.map((t) => t.fixes)).toEqual(p.targets.map((t) => t.fixes));
    expect(old.postSteps.filter((x) => x.kind === 'annotate')).toHaveLength(1);
  });
});

describe('a remote definition (git URL), on the real --print of test/fixtures/bake-remote', () => {
  const URL = 'git://127.0.0.1:9418/remote.git';
  for (const v of ['v0.15.1', 'v0.36.1']) {
    it(`${v}: planned like a local one; the URL stays in place for the --set overrides`, () => {
      const args = ['--builder', 'single', '--provenance=false', URL];
      const b = readBakeArgs(parseBakeArgs(args));
      expect(b.handOff).toBeUndefined();
      expect(b.remote?.value).toBe(URL);
      const p = plan(args, `print-remote-${v}.json`, facts(v.slice(1), SINGLE));
      expect(p.mode).toBe('overrides');
      expect(p.targets.map((t) => t.fixes)).toEqual([['single-platform-index-annotation', 'push-tags']]);
      expect(p.buildxArgs).toEqual(['bake', '--metadata-file=/tmp/T/metadata.json', ...args, '--set', 'default.args.BUILDKIT_MULTI_PLATFORM=1']);
    });
    it(`${v}: a fix that needs a rewritten definition is not made: the user's bake runs unchanged, saying why`, () => {
      // the URL owns the contexts (a subdirectory, named contexts; buildx < 0.32 prints them
      // unresolved) and the git credentials: a definition fed on stdin would build something else
      const args = ['-f', 'docker-bake.hcl', '--builder', 'single', URL, 'default'];
      const p = plan(args, `print-remote-${v}.json`, facts(v.slice(1), SINGLE), { ...DEFAULT_POLICY, indexAnnotations: 'manifest-only' });
      expect([p.mode, p.passthrough, p.buildxArgs, p.postSteps, p.files, p.stdinFile]).toEqual(['unchanged', true, ['bake', ...args], [], {}, undefined]);
      expect(p.notices).toEqual([
        `ocifix: default.annotations cannot be changed with --set, and a remote definition (${URL}) takes only --set overrides: bake passed on unchanged`,
      ]);
      expect(p.targets.flatMap((t) => [...t.fixes, ...t.notices])).toEqual([]);
    });
    it(`${v}: so is the --load fix's second bake (of ocifix's own targets, without the URL)`, () => {
      const def = print(`print-remote-${v}.json`);
      const t = def.target['default']!;
      def.target['default'] = { ...t, platforms: ['linux/amd64', 'linux/arm64'], annotations: [], output: ['type=docker'] };
      const r = planBake({
        bake: readBakeArgs(parseBakeArgs([URL])),
        definition: def,
        env: {},
        policy: DEFAULT_POLICY,
        facts: facts(v.slice(1), SINGLE),
        tempDir: '/tmp/T',
      });
      if (r.kind !== 'plan') throw new Error('needs probes');
      expect([r.plan.passthrough, r.plan.buildxArgs]).toEqual([true, ['bake', URL]]);
      expect(r.plan.notices).toEqual([
        `ocifix: the --load fix needs a second bake of its own targets, and a remote definition (${URL}) takes only --set overrides: bake passed on unchanged`,
      ]);
    });
  }
  it('v0.15.1: the notice names only what --set cannot change (the split annotation, not the added build arg)', () => {
    // force-index adds args.BUILDKIT_MULTI_PLATFORM (a --set override) and buildx 0.15 needs the
    // multi-type annotation split (a rewritten definition)
    const def = print('print-remote-v0.15.1.json');
    def.target['default'] = { ...def.target['default']!, annotations: ['index,manifest:org.example.k=v'] };
    const r = planBake({
      bake: readBakeArgs(parseBakeArgs([URL])),
      definition: def,
      env: {},
      policy: DEFAULT_POLICY,
      facts: facts('0.15.1', SINGLE),
      tempDir: '/tmp/T',
    });
    if (r.kind !== 'plan') throw new Error('needs probes');
    expect([r.plan.passthrough, r.plan.buildxArgs]).toEqual([true, ['bake', URL]]);
    expect(r.plan.notices).toEqual([
      `ocifix: default.annotations cannot be changed with --set, and a remote definition (${URL}) takes only --set overrides: bake passed on unchanged`,
    ]);
  });
  it("buildx's remote forms: http(s), git://, ssh://, SCP-style user@host:path, github.com/…, *.git", () => {
    for (const u of [
      'https://example.com/defs.tar.gz',
      'GIT://h/r',
      'ssh://git@h/r',
      'ci@git.corp:defs',
      'git@github.com:o/r.git',
      'github.com/o/r',
      'h/r.git#main',
    ]) {
      expect(readBakeArgs(parseBakeArgs([u, 'app'])).remote?.value, u).toBe(u);
    }
    for (const t of ['app', 'app.git-ish', 'group:x']) expect(readBakeArgs(parseBakeArgs([t])).remote, t).toBeUndefined();
  });
  it('with -f - (a file of the remote context read from stdin) it runs unchanged', () => {
    expect(readBakeArgs(parseBakeArgs(['-f', '-', URL])).handOff).toEqual({ reason: 'remote' });
  });
});

describe('readBakeArgs hands off what exports nothing', () => {
  for (const args of [['--print'], ['--list=targets'], ['--list', 'variables'], ['--check'], ['--call=outline'], ['-h']]) {
    it(args.join(' '), () => {
      expect(readBakeArgs(parseBakeArgs(args)).handOff).toBeDefined();
    });
  }
  it('--call=build and plain targets are planned', () => {
    expect(readBakeArgs(parseBakeArgs(['--call=build', 'app', 'worker'])).handOff).toBeUndefined();
  });
});
