// Registry faults through a real fault-injecting proxy in front of the stack's real registry
// (test/e2e/registry/fault-proxy.ts): a read-after-write 404, a reset after a completed write, a
// registry that accepts the connection and never answers. Each asserts what a user cares about:
// the exit code, the one line said, and the registry state afterwards.
// The e2e project runs it in front of the plain registry; e2e-secure (OCIFIX_E2E_REGISTRY=secure)
// in front of the TLS + htpasswd one, the proxy serving https at the address test-env keeps for it.
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeResult, e2eRegistry, fixture, getManifest, requireStack, run, SECURE_E2E, secureRegistry, type RunResult } from '../helpers/stack.js';
import { buildEnv, notices } from '../build/helpers.js';
import { FaultProxy } from './fault-proxy.js';

let proxy: FaultProxy;
/** the proxy's address as clients write it */
let addr: string;
/** the registry behind it */
let upstream: string;

beforeAll(async () => {
  await requireStack();
  upstream = e2eRegistry();
  if (SECURE_E2E) {
    const sec = secureRegistry();
    proxy = new FaultProxy(upstream, { cert: readFileSync(sec.cert), key: readFileSync(sec.key), ca: readFileSync(sec.ca) });
    // where clients will connect: the address the name resolves to (test-env makes it the registries')
    const colon = sec.faultProxy.lastIndexOf(':');
    await proxy.start(Number(sec.faultProxy.slice(colon + 1)), (await lookup(sec.faultProxy.slice(0, colon), { family: 4 })).address);
    addr = sec.faultProxy;
  } else {
    proxy = new FaultProxy(upstream);
    addr = await proxy.start();
  }
});
afterAll(async () => {
  await proxy?.stop();
});

const uniq = (name: string) => `ocifix-faults/${name}-${Date.now().toString(36)}`;
const ocifix = (args: readonly string[], extra: Record<string, string | undefined> = {}) =>
  run('docker', ['ocifix', ...args], { env: { ...buildEnv(), ...extra }, timeoutMs: 120_000 });

async function push(repo: string, tag = 'v1'): Promise<string> {
  const r = await run(
    'docker',
    ['buildx', 'build', '--builder', 'single', '--platform', 'linux/amd64,linux/arm64', '-t', `${upstream}/${repo}:${tag}`, '--push', fixture('scratch')],
    { env: buildEnv() },
  );
  expect(r.exitCode, describeResult(r)).toBe(0);
  return (await getManifest(repo, tag)).digest;
}

describe('registry faults', () => {
  it('premise: the proxy stands in front of the registry this project names (on the TLS one the 401 → Basic exchange passes through it)', async () => {
    proxy.clear();
    const repo = uniq('premise');
    const digest = await push(repo);
    const r = await ocifix(['verify', `${addr}/${repo}:v1`, '--digest', digest]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const reads = proxy.log.filter((l) => l.path === `/v2/${repo}/manifests/v1`);
    expect(reads.at(-1)?.status, JSON.stringify(proxy.log)).toBe(200);
    // the registry's challenge: only the htpasswd one sends it (ocifix's child got past it with the login)
    expect(
      reads.some((l) => l.status === 401),
      JSON.stringify(proxy.log),
    ).toBe(SECURE_E2E);
  });

  it('a 404 on the first read of a just-pushed tag (read-after-write lag): no false "re-pointed", nothing written', async () => {
    proxy.clear();
    const repo = uniq('lag');
    const manifestOfTag = new RegExp(`^/v2/${repo}/manifests/v1$`);
    proxy.add({ method: /^(GET|HEAD)$/, path: manifestOfTag, after: { method: /^PUT$/, path: manifestOfTag }, action: { kind: 'status', status: 404 } });
    const r = await ocifix(['build', '--builder', 'single', '--platform', 'linux/amd64,linux/arm64', '-t', `${addr}/${repo}:v1`, '--push', fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(proxy.faults()).toHaveLength(1);
    expect(notices(r).filter((n) => n.includes('re-pointed'))).toEqual([]);
    // one PUT of the tag: the build's; ocifix wrote nothing
    expect(proxy.log.filter((l) => l.method === 'PUT' && manifestOfTag.test(l.path))).toHaveLength(1);
  });

  it('a connection reset on the read-back after annotate wrote: retried, exit 0, the annotation is there', async () => {
    proxy.clear();
    const repo = uniq('reset');
    await push(repo);
    const manifestOfTag = new RegExp(`^/v2/${repo}/manifests/v1$`);
    proxy.add({ method: /^(GET|HEAD)$/, path: manifestOfTag, after: { method: /^PUT$/, path: manifestOfTag }, action: { kind: 'reset' } });
    const r = await ocifix(['annotate', `${addr}/${repo}:v1`, '--annotation', 'index:org.example.reset=survived']);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(proxy.faults().map((f) => f.fault)).toEqual(['reset']);
    expect((await getManifest(repo, 'v1')).body.annotations?.['org.example.reset']).toBe('survived');
  });

  it('a reset on every read after the write: exit 1, and the message says the write completed', async () => {
    proxy.clear();
    const repo = uniq('reset-all');
    await push(repo);
    const manifestOfTag = new RegExp(`^/v2/${repo}/manifests/v1$`);
    proxy.add({ method: /^(GET|HEAD)$/, path: manifestOfTag, after: { method: /^PUT$/, path: manifestOfTag }, times: Infinity, action: { kind: 'reset' } });
    const r = await ocifix(['annotate', `${addr}/${repo}:v1`, '--annotation', 'index:org.example.x=1'], { OCIFIX_REGISTRY_TIMEOUT: '10' });
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toMatch(/the write completed \(.*:v1 now at sha256:[a-f0-9]{64}\), but reading .*:v1 back failed/);
    expect((await getManifest(repo, 'v1')).body.annotations?.['org.example.x']).toBe('1');
  });

  it('a registry that never answers: OCIFIX_REGISTRY_TIMEOUT ends each read; one stall is retried, a dead registry fails in bounded time', async () => {
    proxy.clear();
    const repo = uniq('stall');
    const digest = await push(repo);
    const manifestOfTag = new RegExp(`^/v2/${repo}/manifests/v1$`);
    proxy.add({ method: /^(GET|HEAD)$/, path: manifestOfTag, action: { kind: 'stall' } });
    const t0 = Date.now();
    const once = await ocifix(['verify', `${addr}/${repo}:v1`, '--digest', digest], { OCIFIX_REGISTRY_TIMEOUT: '2' });
    expect(once.exitCode, describeResult(once)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(30_000);

    proxy.clear();
    proxy.add({ path: /^\/v2\//, times: Infinity, action: { kind: 'stall' } });
    const t1 = Date.now();
    const dead = await ocifix(['verify', `${addr}/${repo}:v1`, '--digest', digest], { OCIFIX_REGISTRY_TIMEOUT: '2' });
    const took = Date.now() - t1;
    expect(dead.exitCode, describeResult(dead)).toBe(1);
    expect(dead.stderr).toContain('no answer within 2 s (OCIFIX_REGISTRY_TIMEOUT)');
    // three attempts of 2 s plus the pauses between them, not forever
    expect(took).toBeLessThan(30_000);
  });
});

describe('a lost update the read-back can see', () => {
  /**
   * A raw `imagetools create` (no compare-and-swap) moves :v1 through the proxy, its manifest PUT
   * held back 4 s; ocifix annotates :v1 directly meanwhile (its re-read still sees the old index)
   * and writes first; the held PUT then lands on top. Returns ocifix's result, the raw writer's and
   * the other writer's index digest.
   */
  async function race(settleMs: string): Promise<{ r: RunResult; raw: RunResult; other: string; repo: string }> {
    proxy.clear();
    const repo = uniq('late-put');
    await push(repo);
    const child = (await getManifest(repo, 'v1')).body.manifests![0]!.digest;
    const mk = await run('docker', ['buildx', 'imagetools', 'create', '-t', `${upstream}/${repo}:other`, `${upstream}/${repo}@${child}`], { env: buildEnv() });
    expect(mk.exitCode, describeResult(mk)).toBe(0);
    const other = (await getManifest(repo, 'other')).digest;
    const tagPut = new RegExp(`^/v2/${repo}/manifests/v1$`);
    proxy.add({ method: /^PUT$/, path: tagPut, action: { kind: 'delay', ms: 4000 } });
    const rawRun = run('docker', ['buildx', 'imagetools', 'create', '-t', `${addr}/${repo}:v1`, `${addr}/${repo}:other`], { env: buildEnv() });
    const deadline = Date.now() + 30_000;
    while (!proxy.log.some((l) => l.method === 'PUT' && tagPut.test(l.path)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    const r = await ocifix(['annotate', `${upstream}/${repo}:v1`, '--annotation', 'index:org.example.late=1'], { OCIFIX_REGISTRY_SETTLE_MS: settleMs });
    const raw = await rawRun;
    expect(raw.exitCode, describeResult(raw)).toBe(0);
    expect(proxy.faults().map((f) => f.fault)).toEqual(['delay']);
    return { r, raw, other, repo };
  }

  it('premise: without the settle (OCIFIX_REGISTRY_SETTLE_MS=0) the late PUT overwrites our write and both exit 0', async () => {
    const { r, other, repo } = await race('0');
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect((await getManifest(repo, 'v1')).digest).toBe(other);
  });

  it('with the settle the read-back sees the other writer: exit 1, "another writer moved it while we wrote", its index kept', async () => {
    const { r, other, repo } = await race('8000');
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain(`is at ${other}`);
    expect(r.stderr).toContain('(another writer moved it while we wrote)');
    expect((await getManifest(repo, 'v1')).digest).toBe(other);
  });
});

describe('a signal in the middle of a write', () => {
  it('SIGINT while retag writes 3 tags: exit 130, and the last line says which tags are written and which are not', async () => {
    proxy.clear();
    const repo = uniq('sigint');
    const digest = await push(repo);
    const old = await push(repo, 'old');
    for (const t of ['a', 'b', 'c'])
      expect(
        (
          await run('docker', ['buildx', 'imagetools', 'create', '-t', `${upstream}/${repo}:${t}`, `${upstream}/${repo}@${old}`], {
            env: buildEnv(),
          })
        ).exitCode,
      ).toBe(0);
    // the write of :c hangs; SIGINT comes once :a is written
    proxy.add({ method: /^PUT$/, path: new RegExp(`^/v2/${repo}/manifests/c$`), action: { kind: 'stall' } });
    const { spawn } = await import('node:child_process');
    const child = spawn('docker', ['ocifix', 'retag', `${addr}/${repo}:v1`, `${addr}/${repo}:a`, `${addr}/${repo}:b`, `${addr}/${repo}:c`], {
      env: { ...process.env, ...buildEnv() } as NodeJS.ProcessEnv,
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!proxy.log.some((l) => l.method === 'PUT' && l.path.endsWith('/manifests/c')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');
    const code = await exit;
    expect(code, stderr).toBe(130);
    const now = await Promise.all(['a', 'b', 'c'].map(async (t) => (await getManifest(repo, t)).digest));
    expect(now[2]).toBe(old);
    for (const [i, t] of ['a', 'b', 'c'].entries()) {
      const ref = `${addr}/${repo}:${t}`;
      expect(stderr, stderr).toContain(now[i] === digest ? `${ref} written (now ${digest})` : `${ref} unchanged`);
    }
    expect(stderr).not.toContain('could not be re-read');
  });
});

describe('a signal during the post-push annotate of a build', () => {
  it('buildx 0.15.1 multi-node push, SIGTERM to docker while the annotated index is written: not 0, and the last line says which tags moved', async () => {
    proxy.clear();
    const repo = uniq('sigterm-build');
    const tagB = new RegExp(`^/v2/${repo}/manifests/b$`);
    // the build's own push of :b arms the rule; ocifix's annotate write of :b then hangs
    proxy.add({ method: /^PUT$/, path: tagB, after: { method: /^PUT$/, path: tagB }, action: { kind: 'stall' } });
    const { spawn } = await import('node:child_process');
    const args = [
      'ocifix',
      'build',
      '--builder',
      'multi',
      '--platform',
      'linux/amd64,linux/arm64',
      '--annotation',
      'index:org.example.sig=1',
      '-t',
      `${addr}/${repo}:a`,
      '-t',
      `${addr}/${repo}:b`,
      '--push',
      fixture('scratch'),
    ];
    const child = spawn('docker', args, { env: { ...process.env, ...buildEnv({ version: 'v0.15.1' }) } as NodeJS.ProcessEnv });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    while (proxy.log.filter((l) => l.method === 'PUT' && tagB.test(l.path)).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGTERM');
    const code = await exit;
    expect(code, stderr).not.toBe(0);
    const a = (await getManifest(repo, 'a')).digest;
    const b = (await getManifest(repo, 'b')).digest;
    // :b still holds the pushed index; :a holds the annotated one or the pushed one — the line says which
    expect(stderr, stderr).toContain(`${addr}/${repo}:b unchanged`);
    expect(stderr, stderr).toMatch(new RegExp(`${addr}/${repo}:a (unchanged|written \\(now ${a}\\))`));
    expect(stderr).not.toContain('could not be re-read');
    expect(b).toMatch(/^sha256:/);
  });
});
