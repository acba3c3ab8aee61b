// The registry work against the stack's TLS + htpasswd registry (scripts/test-env: its own CA, one
// user, `docker login` in both configs; clients trust the CA through SSL_CERT_FILE, as a private
// CA in the system store would be): the post-push steps of `build` and `bake` on buildx 0.36.1 and
// 0.15.1, annotate / retag / verify, a wrong password (exit 1, nothing changed), and no credential
// in any output. Registry state is read back with crane through the same login.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  describeResult,
  fixture,
  requireStack,
  run,
  secureRegistry,
  stack,
  workDir,
  type BuildxVersion,
  type RunResult,
  type SecureRegistry,
} from '../helpers/stack.js';
import { buildEnv, notices } from '../build/helpers.js';

let sec: SecureRegistry;
const outputs: RunResult[] = [];

beforeAll(async () => {
  await requireStack();
  sec = secureRegistry();
  expect(sec.addr, 'the stack has no secure registry: scripts/test-env up').toMatch(/:\d+$/);
});

const repo = (name: string) => `${sec.addr}/ocifix-secure/${name}-${Date.now().toString(36)}`;

function env(version: BuildxVersion = 'v0.36.1', extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { ...buildEnv({ version }), SSL_CERT_FILE: sec.bundle, ...extra };
}

async function ocifix(args: readonly string[], e: Record<string, string | undefined> = env(), cwd?: string): Promise<RunResult> {
  const r = await run('docker', ['ocifix', ...args], { env: e, ...(cwd ? { cwd } : {}) });
  outputs.push(r);
  return r;
}

/** crane with the stack's login (config.json auths) and the CA. */
async function crane(args: readonly string[]): Promise<RunResult> {
  const r = await run(stack().crane, args, { env: env() });
  outputs.push(r);
  return r;
}
const digest = async (ref: string): Promise<string | undefined> => {
  const r = await crane(['digest', ref]);
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
};
const manifest = async (ref: string): Promise<{ annotations?: Record<string, string>; manifests?: unknown[] }> =>
  JSON.parse((await crane(['manifest', ref])).stdout);

/** A copy of the plugin config whose login for the secure registry has a wrong password. */
function wrongPasswordConfig(): string {
  const dir = join(workDir('secure-wrong'), 'docker-config');
  cpSync(buildEnv().DOCKER_CONFIG!, dir, { recursive: true, verbatimSymlinks: true });
  const file = join(dir, 'config.json');
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as { auths: Record<string, { auth: string }> };
  cfg.auths[sec.addr] = { auth: Buffer.from(`${sec.user}:not-the-password`).toString('base64') };
  writeFileSync(file, JSON.stringify(cfg));
  return dir;
}

describe('the secure registry is what it claims', () => {
  it('without the CA: x509; without the login: unauthorized', async () => {
    const r = repo('premise');
    const noCa = await run('docker', ['buildx', 'imagetools', 'inspect', `${r}:x`], { env: { ...buildEnv(), SSL_CERT_FILE: undefined } });
    expect(noCa.exitCode).not.toBe(0);
    expect(noCa.stderr).toMatch(/x509|certificate/);
    const wrong = await run('docker', ['buildx', 'imagetools', 'inspect', `${r}:x`], { env: env('v0.36.1', { DOCKER_CONFIG: wrongPasswordConfig() }) });
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.stderr).toMatch(/401|unauthorized|authentication required/i);
  });
});

describe.each(['v0.36.1', 'v0.15.1'] as const)('post-push steps on the secure registry, buildx %s', (version) => {
  it('multi-node push with an index annotation and two tags: both tags on the annotated index', async () => {
    const r = repo(`build-${version}`);
    const dir = workDir('secure-build');
    const meta = join(dir, 'meta.json');
    const b = await ocifix(
      [
        'build',
        '--builder',
        'multi',
        '--platform',
        'linux/amd64,linux/arm64',
        '--annotation',
        'index:org.example.secure=yes',
        '-t',
        `${r}:1`,
        '-t',
        `${r}:latest`,
        '--push',
        '--metadata-file',
        meta,
        fixture('scratch'),
      ],
      env(version),
    );
    expect(b.exitCode, describeResult(b)).toBe(0);
    if (version === 'v0.15.1')
      expect(notices(b)).toEqual([
        expect.stringMatching(/^ocifix: added 1 annotation lost in buildx 0\.15\.1's multi-node merge: index sha256:[a-f0-9]{12} \(also in /),
      ]);
    const one = await digest(`${r}:1`);
    expect(one).toMatch(/^sha256:/);
    expect(await digest(`${r}:latest`)).toBe(one);
    expect((await manifest(`${r}:1`)).annotations?.['org.example.secure']).toBe('yes');
    expect((JSON.parse(readFileSync(meta, 'utf8')) as Record<string, string>)['containerimage.digest']).toBe(one);
  });

  it('bake: a pushed target with two tags, checked against its entry of the metadata file', async () => {
    const r = repo(`bake-${version}`);
    const dir = workDir('secure-bake');
    cpSync(fixture('scratch'), join(dir, 'ctx'), { recursive: true });
    writeFileSync(
      join(dir, 'docker-bake.hcl'),
      `target "app" {\n  context = "ctx"\n  platforms = ["linux/amd64", "linux/arm64"]\n  annotations = ["index:org.example.baked=1"]\n  tags = ["${r}:1", "${r}:latest"]\n  output = ["type=image,push=true"]\n}\n`,
    );
    const b = await ocifix(['bake', '--builder', 'multi', '--metadata-file', 'meta.json', 'app'], env(version), dir);
    expect(b.exitCode, describeResult(b)).toBe(0);
    const one = await digest(`${r}:1`);
    expect(await digest(`${r}:latest`)).toBe(one);
    expect((await manifest(`${r}:1`)).annotations?.['org.example.baked']).toBe('1');
    expect((JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Record<string, Record<string, string>>)['app']!['containerimage.digest']).toBe(one);
  });
});

describe('annotate, retag, verify on the secure registry', () => {
  it('annotate keeps the index, retag copies it byte for byte, verify reads it back', async () => {
    const r = repo('cmds');
    const b = await ocifix(['build', '--builder', 'single', '--platform', 'linux/amd64,linux/arm64', '-t', `${r}:v1`, '--push', fixture('scratch')]);
    expect(b.exitCode, describeResult(b)).toBe(0);
    const a = await ocifix(['annotate', `${r}:v1`, '--annotation', 'index:org.example.note=hello']);
    expect(a.exitCode, describeResult(a)).toBe(0);
    const annotated = await digest(`${r}:v1`);
    expect((await manifest(`${r}:v1`)).annotations?.['org.example.note']).toBe('hello');
    const t = await ocifix(['retag', `${r}:v1`, `${r}:copy`]);
    expect(t.exitCode, describeResult(t)).toBe(0);
    expect(await digest(`${r}:copy`)).toBe(annotated);
    const v = await ocifix(['verify', `${r}:copy`, '--annotation', 'index:org.example.note=hello', '--platform', 'linux/amd64,linux/arm64']);
    expect(v.exitCode, describeResult(v)).toBe(0);
  });

  it("a wrong password: exit 1 with the registry's answer, nothing changed", async () => {
    const r = repo('wrong');
    const b = await ocifix(['build', '--builder', 'single', '--platform', 'linux/amd64,linux/arm64', '-t', `${r}:v1`, '--push', fixture('scratch')]);
    expect(b.exitCode, describeResult(b)).toBe(0);
    const before = await digest(`${r}:v1`);
    const bad = env('v0.36.1', { DOCKER_CONFIG: wrongPasswordConfig() });
    for (const args of [
      ['annotate', `${r}:v1`, '--annotation', 'index:org.example.x=1'],
      ['retag', `${r}:v1`, `${r}:other`],
      ['verify', `${r}:v1`, '--digest', before!, '--fix'],
    ]) {
      const x = await ocifix(args, bad);
      expect(x.exitCode, describeResult(x)).toBe(1);
      expect(x.stderr).toMatch(/401|unauthorized|authentication required/i);
      expect(x.stderr).not.toMatch(/^\s+at /m);
    }
    // a push with the wrong password fails in buildx, with buildx's exit code; no tag is touched
    const p = await ocifix(['build', '--builder', 'single', '-t', `${r}:v1`, '--push', '--build-arg', 'X=2', fixture('scratch')], bad);
    expect(p.exitCode).not.toBe(0);
    expect(notices(p)).toEqual([]);
    expect(await digest(`${r}:v1`)).toBe(before);
    expect(await digest(`${r}:other`)).toBeUndefined();
  });

  it('no output of any run above holds the password or its base64 login', () => {
    expect(outputs.length).toBeGreaterThan(10);
    const secrets = [sec.password, Buffer.from(`${sec.user}:${sec.password}`).toString('base64')];
    for (const r of outputs) for (const s of secrets) expect(`${r.stdout}\n${r.stderr}`.includes(s), r.command).toBe(false);
  });
});
