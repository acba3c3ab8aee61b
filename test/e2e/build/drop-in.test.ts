// The drop-in promise on the real stack: cases where `docker ocifix build` used to differ from
// `docker buildx build` (stdout, stdin, exit codes, notices), each run side by side with raw buildx
// where buildx succeeds, and checked where the result lands (registry, dockerd, files).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { describeResult, docker, fixture, getManifest, listTags, ref, requireStack, uniqueRepo, workDir } from '../helpers/stack.js';
import { buildEnv, notices, ocifixBuild, rawBuildx } from './helpers.js';

let s: Stack;
const PLATFORMS = ['--platform', 'linux/amd64,linux/arm64'];
const DIGEST = `sha256:${'5'.repeat(64)}`;

async function imageId(tag: string): Promise<string | undefined> {
  const r = await docker(['image', 'inspect', '--format', '{{.Id}}', tag], { env: { DOCKER_HOST: s.dockerdHost } });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

beforeAll(async () => {
  s = await requireStack();
});

describe('drop-in: pushes', () => {
  it('-t NAME:TAG@DIGEST --push: exit 0 like buildx, and the tag BuildKit wrote is on the pushed index', async () => {
    for (const build of [rawBuildx, ocifixBuild]) {
      const repo = uniqueRepo('pinned');
      const args = ['--builder', 'single', '-t', `${ref(repo, 'v1')}@${DIGEST}`, '--push', fixture('scratch')];
      const r = await (build === rawBuildx ? rawBuildx(['build', ...args]) : ocifixBuild(args));
      expect(r.exitCode, describeResult(r)).toBe(0);
      expect(await listTags(repo)).toEqual(['v1']);
      expect(r.stderr).not.toContain('docker ocifix:');
    }
  });

  it('buildx root flags before build (`docker ocifix --builder multi build`): the multi-node fix still applies', async () => {
    const repo = uniqueRepo('rootflags');
    // through the docker CLI: docker ocifix --builder multi build …
    const via = await execa('docker', ['ocifix', '--builder', 'multi', 'build', '--annotation', 'index:org.example.root=1', ...PLATFORMS, '--push', '-t', ref(repo, 'v2'), fixture('scratch')], {
      env: buildEnv({ version: 'v0.15.1' }),
      reject: false,
    });
    expect(via.exitCode, via.stderr).toBe(0);
    expect((await getManifest(repo, 'v2')).body.annotations).toEqual({ 'org.example.root': '1' });
  });

  it('nothing is said about post-push checks when the build fails (unknown builder, unknown flag, registry down)', async () => {
    const dead = '127.0.0.1:9'; // discard port: nothing listens
    for (const args of [
      ['--builder', 'nope', '--push', '-t', ref(uniqueRepo('nb')), fixture('scratch')],
      ['--no-such-flag=1', '--push', '-t', ref(uniqueRepo('nf')), fixture('scratch')],
      ['--builder', 'single', '--push', '-t', `${dead}/x/y:1`, fixture('scratch')],
    ]) {
      const raw = await rawBuildx(['build', ...args]);
      const r = await ocifixBuild(args);
      expect(r.exitCode, describeResult(r)).toBe(raw.exitCode);
      expect(r.exitCode).not.toBe(0);
      expect(notices(r), describeResult(r)).toEqual([]);
    }
  });

  it('20 tags: every one checked against the pushed digest, quietly or with one line saying what is checked', async () => {
    const repo = uniqueRepo('many');
    const tags = Array.from({ length: 20 }, (_, i) => ref(repo, `t${i}`));
    const r = await ocifixBuild(['--builder', 'single', '--push', ...tags.flatMap((t) => ['-t', t]), fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    for (const n of notices(r)) expect(n).toMatch(/^ocifix: checking that the 20 tags point at sha256:[a-f0-9]{12}…$/);
    const digests = new Set(await Promise.all(tags.map(async (t) => (await getManifest(repo, t.slice(t.lastIndexOf(':') + 1))).digest)));
    expect(digests.size).toBe(1);
  });
});

describe('drop-in: -q and --iidfile', () => {
  it('after the multi-node annotate fix (buildx 0.15.1): stdout and --iidfile name the index the tags point at', async () => {
    const repo = uniqueRepo('quiet-annotate');
    const iid = join(workDir('iid'), 'iid.txt');
    const r = await ocifixBuild(['-q', '--iidfile', iid, '--builder', 'multi', ...PLATFORMS, '--annotation', 'index:org.example.q=1', '--push', '-t', ref(repo), fixture('scratch')], { version: 'v0.15.1' });
    expect(r.exitCode, describeResult(r)).toBe(0);
    const index = await getManifest(repo, 'v1');
    expect(index.body.annotations).toEqual({ 'org.example.q': '1' });
    expect(r.stdout).toBe(`${index.digest}\n`);
    expect(readFileSync(iid, 'utf8').trim()).toBe(index.digest);
  });

  it.each([
    ['native', []],
    ['split', ['--ocifix-load=split']],
  ])('with the --load fix (%s): stdout is exactly one image ID, the loaded one', async (mode, extra) => {
    const tag = `ocifix-quiet:${mode}-${Date.now()}`;
    const r = await ocifixBuild(['-q', '--builder', 'single', ...PLATFORMS, '--load', ...extra, '-t', tag, fixture('scratch')], { env: { DOCKER_HOST: s.dockerdHost } });
    expect(r.exitCode, describeResult(r)).toBe(0);
    const loaded = await imageId(mode === 'split' ? `${tag}-linux-amd64` : tag);
    expect(loaded).toMatch(/^sha256:/);
    expect(r.stdout).toBe(`${loaded}\n`);
  });
});

describe('drop-in: stdin', () => {
  const dockerfile = 'FROM scratch\nCOPY hello.txt /from-stdin.txt\n';

  it('-f - with the --load fix: every build gets the Dockerfile, the image is loaded', async () => {
    const tag = `ocifix-stdin:f-${Date.now()}`;
    const r = await execa('docker', ['ocifix', 'build', '--builder', 'single', ...PLATFORMS, '--load', '-t', tag, '-f', '-', fixture('scratch')], {
      env: { ...buildEnv(), DOCKER_HOST: s.dockerdHost },
      input: dockerfile,
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await imageId(tag)).toMatch(/^sha256:/);
  });

  it('a context tar on - with the --load fix: loaded too', async () => {
    const tag = `ocifix-stdin:ctx-${Date.now()}`;
    const dir = workDir('stdin-ctx');
    writeFileSync(join(dir, 'Dockerfile'), dockerfile);
    writeFileSync(join(dir, 'hello.txt'), 'hello\n');
    const tar = await execa('tar', ['-c', '-C', dir, '.'], { encoding: 'buffer' });
    const r = await execa('docker', ['ocifix', 'build', '--builder', 'single', ...PLATFORMS, '--load', '-t', tag, '-'], {
      env: { ...buildEnv(), DOCKER_HOST: s.dockerdHost },
      input: tar.stdout,
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await imageId(tag)).toMatch(/^sha256:/);
  });
});

describe('drop-in: annotations buildx judges', () => {
  it('--annotation com.example:x=1: buildx 0.36 refuses it, and so does the same command through ocifix', async () => {
    const args = ['--builder', 'single', '--annotation', 'com.example:x=1', '-o', `type=oci,dest=${join(workDir('colon'), 'o.tar')}`, fixture('scratch')];
    const raw = await rawBuildx(['build', ...args]);
    const r = await ocifixBuild(args);
    expect(raw.stderr).toContain('invalid annotation type "com.example"');
    expect(r.exitCode).toBe(raw.exitCode);
    expect(r.stderr).toContain('invalid annotation type "com.example"');
    expect(notices(r)).toEqual([]);
  });

  it('the docker driver on the classic store: the index annotation is dropped with a truthful notice', async () => {
    const tag = `ocifix-dd:ann-${Date.now()}`;
    const r = await ocifixBuild(['--builder', 'dockerd', '--annotation', 'index:org.example.dd=1', '-t', tag, fixture('scratch')]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(notices(r)).toEqual(['ocifix: dropped --annotation index:org.example.dd: the classic image store holds no image index']);
  });
});

describe('drop-in: cancellation', () => {
  const slow = () => {
    const dir = workDir('slow');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY --from=busybox busybox /bin/busybox\nRUN ["/bin/busybox", "sleep", "60"]\n');
    return ['--builder', 'single', '--no-cache', '--build-context', `busybox=${s.busyboxDir}`, dir];
  };

  it.each(['SIGINT', 'SIGTERM'] as const)('%s to the docker process (stdout piped): exit 130 with ocifix, as with buildx', async (signal) => {
    const codes: number[] = [];
    for (const sub of [['buildx', 'build'], ['ocifix', 'build']]) {
      const child = execa('docker', [...sub, ...slow()], { env: buildEnv(), reject: false, stdin: 'ignore' });
      let err = '';
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      const end = Date.now() + 60_000;
      while (!err.includes('sleep') && Date.now() < end) await new Promise((res) => setTimeout(res, 100));
      await new Promise((res) => setTimeout(res, 500));
      child.kill(signal);
      const r = await child;
      codes.push(r.exitCode ?? -1);
    }
    expect(codes).toEqual([130, 130]);
  });
});

describe('drop-in: environment policies', () => {
  it('OCIFIX_LOAD=bogus: a build without --load runs; a multi-platform --load names the variable', async () => {
    const ok = await ocifixBuild(['--builder', 'single', fixture('scratch')], { env: { OCIFIX_LOAD: 'bogus' } });
    expect(ok.exitCode, describeResult(ok)).toBe(0);
    const bad = await ocifixBuild(['--builder', 'single', ...PLATFORMS, '--load', fixture('scratch')], { env: { OCIFIX_LOAD: 'bogus', DOCKER_HOST: s.dockerdHost } });
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toContain('invalid value "bogus" for OCIFIX_LOAD');
  });
});
