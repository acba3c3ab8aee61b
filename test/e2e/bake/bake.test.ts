// `docker ocifix bake` on the real stack: test/fixtures/bake's group of three targets (an
// index-annotated one-platform OCI layout with three tags; a two-platform --load into the
// classic-store dockerd; a two-platform multi-node push with an index annotation and two tags),
// as HCL (inherits, a matrix, variables), as JSON and as a compose file, with a --set from the
// command line, on buildx 0.36.1 and 0.15.1. Checked where things end up: skopeo and crane on
// the layout, the daemon's image store, the registry, the metadata file.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  crane,
  describeResult,
  docker,
  fixture,
  getManifest,
  readLayoutIndex,
  requireStack,
  run,
  skopeo,
  uniqueRepo,
  workDir,
  type BuildxVersion,
  type RunResult,
  type Stack,
} from '../helpers/stack.js';
import { buildEnv, notices, pluginConfig, recordingConfig } from '../build/helpers.js';

let s: Stack;
beforeAll(async () => {
  s = await requireStack();
});

interface Bake {
  dir: string;
  repo: string;
  vars: Record<string, string>;
}

/**
 * A work dir holding one of the fixture bake files, ./ctx (the scratch context) and ./out. One
 * file only: without -f, buildx reads every default file it finds (compose.yaml,
 * docker-bake.json, docker-bake.hcl) and merges them.
 */
function bakeDir(name: string, file = 'docker-bake.hcl'): Bake {
  const dir = workDir(`bake-${name}`);
  cpSync(join(fixture('bake'), file), join(dir, file));
  cpSync(fixture('scratch'), join(dir, 'ctx'), { recursive: true });
  // buildx 0.15.1 reads an oci dest's parent when it resolves the definition
  mkdirSync(join(dir, 'out'));
  const repo = uniqueRepo(`bake-${name}`);
  return { dir, repo, vars: { REGISTRY: s.registry, REPO: repo, TAG: 'v1' } };
}

function ocifixBake(
  b: Bake,
  args: readonly string[],
  opts: { version?: BuildxVersion; config?: string; env?: Record<string, string | undefined>; word?: string[] } = {},
): Promise<RunResult> {
  return run('docker', [...(opts.word ?? ['ocifix', 'bake']), ...args], {
    cwd: b.dir,
    env: {
      ...buildEnv({ ...(opts.version ? { version: opts.version } : {}) }),
      ...(opts.config ? { DOCKER_CONFIG: opts.config } : {}),
      DOCKER_HOST: undefined,
      ...b.vars,
      ...opts.env,
    },
  });
}

const daemon = () => ({ DOCKER_HOST: s.dockerdHost });

async function imagePlatform(tag: string): Promise<string | undefined> {
  const r = await docker(['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', tag], { env: daemon() });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

type Meta = Record<string, Record<string, unknown>>;

/** Everything a user checks after the bake of the three targets. */
async function expectThreeTargetsFixed(b: Bake, r: RunResult, version: BuildxVersion, opts: { annotatedLayout: boolean }): Promise<void> {
  expect(r.exitCode, describeResult(r)).toBe(0);
  // every notice names its target
  for (const n of notices(r)) expect(n, describeResult(r)).toMatch(/^ocifix: target "(layout|app-plain|pushed)": /);
  expect(notices(r)).toContain('ocifix: target "app-plain": the classic store cannot --load 2 platforms: loading linux/amd64 only (--ocifix-load=native)');

  // layout: one index.json entry (the first tag), an index holding the index annotation, readable by skopeo and crane
  const layout = join(b.dir, 'out', 'layout');
  const idx = await readLayoutIndex(layout);
  expect(idx.manifests, JSON.stringify(idx)).toHaveLength(1);
  expect(idx.manifests[0]!.annotations?.['org.opencontainers.image.ref.name']).toBe('v1');
  const sk = await skopeo(['inspect', '--raw', `oci:${layout}`]);
  expect(sk.exitCode, describeResult(sk)).toBe(0);
  const top = JSON.parse(sk.stdout) as { mediaType: string; annotations?: Record<string, string> };
  expect(top.mediaType).toBe('application/vnd.oci.image.index.v1+json');
  if (opts.annotatedLayout) expect(top.annotations?.['org.example.title']).toBe('layout');
  const pushedLayout = `${b.repo}-layout`;
  const cr = await crane(['push', layout, `${s.registry}/${pushedLayout}:v1`, '--insecure']);
  expect(cr.exitCode, describeResult(cr)).toBe(0);

  // app-plain: the daemon's own platform is in the classic store
  expect(await imagePlatform(`${b.repo}-app-plain:dev`)).toBe('linux/amd64');

  // pushed: both tags on the pushed index, which holds the index annotation, and the metadata file says that digest
  const meta = JSON.parse(readFileSync(join(b.dir, 'meta.json'), 'utf8')) as Meta;
  expect(Object.keys(meta)).toEqual(expect.arrayContaining(['layout', 'app-plain', 'pushed']));
  const v1 = await getManifest(`${b.repo}/pushed`, 'v1');
  const latest = await getManifest(`${b.repo}/pushed`, 'latest');
  expect(latest.digest).toBe(v1.digest);
  expect(v1.body.manifests?.length, version).toBeGreaterThanOrEqual(2);
  expect(v1.body.annotations?.['org.example.pushed'], `${version}: ${JSON.stringify(v1.body)}`).toBe('yes');
  expect(meta['pushed']!['containerimage.digest']).toBe(v1.digest);
  if (version === 'v0.15.1')
    expect(notices(r)).toContainEqual(
      expect.stringMatching(
        /^ocifix: target "pushed": added 1 annotation lost in buildx 0\.15\.1's multi-node merge: index sha256:[a-f0-9]{12} \(also in meta\.json\)$/,
      ),
    );
}

describe.each(['v0.36.1', 'v0.15.1'] as const)('docker ocifix bake, buildx %s', (version) => {
  it('HCL group of three targets (inherits, matrix, variables) with a --set from the command line', async () => {
    const b = bakeDir(`hcl-${version}`);
    const r = await ocifixBake(b, ['--builder', 'multi', '--set', 'pushed.labels.org.example.cli=1', '--metadata-file', 'meta.json'], { version });
    await expectThreeTargetsFixed(b, r, version, { annotatedLayout: true });
    expect(notices(r)).toContain('ocifix: target "layout": added --set layout.args.BUILDKIT_MULTI_PLATFORM=1: index annotations need an image index');
    // the command line's --set reached the build
    const cfg = await run('docker', ['buildx', 'imagetools', 'inspect', `${s.registry}/${b.repo}/pushed:v1`, '--format', '{{json .Image}}'], {
      env: buildEnv({ version: 'v0.36.1' }),
    });
    expect(cfg.stdout).toMatch(/"org\.example\.cli": ?"1"/);
  });

  it('the same definition as JSON', async () => {
    const b = bakeDir(`json-${version}`, 'docker-bake.json');
    const r = await ocifixBake(b, ['-f', 'docker-bake.json', '--builder', 'multi', '--metadata-file', 'meta.json'], { version });
    await expectThreeTargetsFixed(b, r, version, { annotatedLayout: true });
  });

  it('a compose file used as a bake file (index annotations as output attributes)', async () => {
    const b = bakeDir(`compose-${version}`, 'compose.yaml');
    const r = await ocifixBake(b, ['-f', 'compose.yaml', '--builder', 'multi', '--metadata-file', 'meta.json'], { version });
    await expectThreeTargetsFixed(b, r, version, { annotatedLayout: true });
  });
});

describe('docker ocifix bake: what it leaves alone, what it refuses', () => {
  it('raw buildx fails on the same file (the pitfalls are real)', async () => {
    const b = bakeDir('raw');
    const r = await run('docker', ['buildx', 'bake', '--builder', 'multi', 'app-plain'], {
      cwd: b.dir,
      env: { ...buildEnv(), DOCKER_HOST: undefined, ...b.vars },
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('docker exporter does not currently support exporting manifest lists');
    const one = await run('docker', ['buildx', 'bake', '--builder', 'single', 'layout'], {
      cwd: b.dir,
      env: { ...buildEnv(), DOCKER_HOST: undefined, ...b.vars },
    });
    expect(one.exitCode).not.toBe(0);
    expect(one.stderr).toContain('index annotations not supported for single platform export');
  });

  it('--print, --list and a bake with no pitfall run unchanged: the same argv, only the --print before', async () => {
    const b = bakeDir('unchanged');
    writeFileSync(join(b.dir, 'plain.hcl'), 'target "plain" {\n  context = "ctx"\n  output = ["type=local,dest=out/plain"]\n}\n');
    const rec = recordingConfig();
    const p = await ocifixBake(b, ['--print', 'layout'], { config: rec.dir });
    expect(p.exitCode, describeResult(p)).toBe(0);
    expect((JSON.parse(p.stdout) as { target: Record<string, unknown> }).target).toHaveProperty('layout');
    const l = await ocifixBake(b, ['--list=targets'], { config: rec.dir });
    expect(l.exitCode, describeResult(l)).toBe(0);
    expect(l.stdout).toContain('pushed');
    const plain = await ocifixBake(b, ['-f', 'plain.hcl', '--builder', 'single', 'plain'], { config: rec.dir });
    expect(plain.exitCode, describeResult(plain)).toBe(0);
    expect(notices(plain)).toEqual([]);
    expect(existsSync(join(b.dir, 'out', 'plain', 'hello.txt')) || existsSync(join(b.dir, 'out', 'plain'))).toBe(true);
    expect(rec.calls()).toEqual([
      ['buildx', 'bake', '--print', 'layout'],
      ['buildx', 'bake', '--list=targets'],
      ['buildx', 'bake', '-f', 'plain.hcl', '--builder', 'single', 'plain', '--print'],
      ['buildx', 'bake', '-f', 'plain.hcl', '--builder', 'single', 'plain'],
    ]);
  });

  it("a bake file buildx rejects: buildx's own error and exit code", async () => {
    const b = bakeDir('bad');
    writeFileSync(join(b.dir, 'bad.hcl'), 'target "x" {\n  context = \n}\n');
    const raw = await run('docker', ['buildx', 'bake', '-f', 'bad.hcl'], { cwd: b.dir, env: { ...buildEnv(), DOCKER_HOST: undefined } });
    const ours = await ocifixBake(b, ['-f', 'bad.hcl']);
    expect(raw.exitCode).not.toBe(0);
    expect(ours.exitCode).toBe(raw.exitCode);
    expect(ours.stderr).toBe(raw.stderr);
    expect(notices(ours)).toEqual([]);
  });

  it('a target ocifix must refuse (an OCI output of a multi-node build) is named, and nothing runs', async () => {
    const b = bakeDir('refuse');
    const rec = recordingConfig();
    const r = await ocifixBake(b, ['--builder', 'multi', '--set', 'layout.platform=linux/amd64,linux/arm64', 'layout'], { config: rec.dir });
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toMatch(
      /^docker ocifix: target "layout": builder "multi" would build linux\/amd64 on multi-amd64, linux\/arm64 on multi-arm64, and buildx cannot write --output type=oci/m,
    );
    expect(existsSync(join(b.dir, 'out', 'layout'))).toBe(false);
    expect(
      rec
        .calls()
        .filter((c) => c[1] === 'bake')
        .map((c) => c.at(-1)),
    ).toEqual(['--print']);
  });

  it('--ocifix-explain=json: per target the request, the overrides and the steps; nothing runs', async () => {
    const b = bakeDir('explain');
    const r = await ocifixBake(b, ['--builder', 'multi', '--ocifix-explain=json']);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const plan = JSON.parse(r.stdout) as {
      mode: string;
      targets: Array<{ name: string; fixes: string[]; overrides: string[]; request: { platforms: string[] } }>;
      postSteps: Array<{ kind: string; target?: string }>;
    };
    expect(plan.mode).toBe('overrides');
    expect(plan.targets.map((t) => [t.name, t.fixes])).toEqual([
      ['app-plain', ['load-multi-platform']],
      ['layout', ['single-platform-index-annotation', 'oci-multiple-tags']],
      ['pushed', ['multi-node-index-annotation', 'push-tags']],
    ]);
    expect(plan.targets.find((t) => t.name === 'layout')!.overrides).toContain('layout.args.BUILDKIT_MULTI_PLATFORM=1');
    expect(plan.postSteps.filter((x) => x.target === 'pushed').map((x) => x.kind)).toEqual(['verify-annotations', 'verify-tags']);
    expect(existsSync(join(b.dir, 'out', 'layout'))).toBe(false);
    // the environment (credentials may be in it) is not part of the explanation
    expect(r.stdout).not.toContain('"env"');
  });

  it('--ocifix-load=split: every platform of every loading target in one more bake, each under its own tag', async () => {
    const b = bakeDir('split');
    const rec = recordingConfig();
    const r = await ocifixBake(b, ['--builder', 'single', '--ocifix-load=split', '--set', 'app-plain.tags=' + `${b.repo}-split:dev`, 'app-plain'], {
      config: rec.dir,
    });
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(notices(r)).toEqual(['ocifix: target "app-plain": the classic store cannot --load 2 platforms: one TAG-os-arch each (--ocifix-load=split)']);
    expect(await imagePlatform(`${b.repo}-split:dev-linux-amd64`)).toBe('linux/amd64');
    expect(await imagePlatform(`${b.repo}-split:dev-linux-arm64`)).toBe('linux/arm64');
    // one cache build of everything, then one load bake of both platforms
    const bakes = rec.calls().filter((c) => c[1] === 'bake');
    expect(bakes).toHaveLength(3);
    expect(bakes[2]).toEqual(['buildx', 'bake', '--file=-', '--builder=single', 'app-plain-linux-amd64', 'app-plain-linux-arm64']);
  });

  it('a definition on stdin (-f -) is read once, for the --print and the bake', async () => {
    const b = bakeDir('stdin');
    const hcl = readFileSync(join(b.dir, 'docker-bake.hcl'), 'utf8');
    // its own TMPDIR: the private copy of stdin (and every other temporary file) must be gone after
    const tmp = workDir('bake-stdin-tmp');
    const r = await run('docker', ['ocifix', 'bake', '-f', '-', '--builder', 'single', 'layout'], {
      cwd: b.dir,
      input: hcl,
      env: { ...buildEnv(), DOCKER_HOST: undefined, TMPDIR: tmp, ...b.vars },
    });
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect((await readLayoutIndex(join(b.dir, 'out', 'layout'))).manifests).toHaveLength(1);
    const sk = await skopeo(['inspect', '--raw', `oci:${join(b.dir, 'out', 'layout')}`]);
    expect((JSON.parse(sk.stdout) as { annotations?: Record<string, string> }).annotations?.['org.example.title']).toBe('layout');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('docker bake through aliases.builder=ocifix', async () => {
    const b = bakeDir('alias');
    const config = join(workDir('bake-alias-cfg'), 'docker-config');
    cpSync(pluginConfig(), config, { recursive: true, verbatimSymlinks: true });
    const cfgFile = join(config, 'config.json');
    writeFileSync(cfgFile, JSON.stringify({ ...(JSON.parse(readFileSync(cfgFile, 'utf8')) as object), aliases: { builder: 'ocifix' } }));
    const r = await ocifixBake(b, ['--builder', 'multi', '--metadata-file', 'meta.json'], { config, word: ['bake'] });
    await expectThreeTargetsFixed(b, r, 'v0.36.1', { annotatedLayout: true });
  });
});
