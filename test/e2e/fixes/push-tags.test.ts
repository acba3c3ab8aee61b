// Fix 5 on the real stack: after a push every tag must be on the pushed digest. The tag-on-a-
// platform-manifest bug (buildx #2959, test/e2e/repro/tag-on-platform-manifest.test.ts) is
// reproduced by a `docker` wrapper that moves a tag onto a child right after buildx pushed;
// ocifix notices and re-points it. Also: the exact argv buildx receives, and that a plain build
// is one buildx run and nothing else.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { describeResult, fixture, getManifest, ref, requireStack, run, uniqueRepo, workDir } from '../helpers/stack.js';
import { buildEnv, dockerWrapper, notices, ocifixBuild, ocifixBuildVia, recordingConfig } from '../build/helpers.js';

let s: Stack;
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

describe('fix 5: tags on the pushed digest', () => {
  beforeAll(async () => {
    s = await requireStack();
  });

  it('a tag moved onto a platform manifest right after the push is re-pointed to the index', async () => {
    const repo = uniqueRepo('f5-move');
    const latest = ref(repo, 'latest');
    // crane: resolve the arm64 child of :latest and copy it over :latest (what #2959 leaves behind)
    const hook = `child=$(${s.crane} manifest --insecure ${latest} | python3 -c 'import json,sys; print([m["digest"] for m in json.load(sys.stdin)["manifests"] if m.get("platform",{}).get("architecture")=="arm64"][0])'); ${s.crane} copy --insecure ${ref(repo).replace(/:v1$/, '')}@$child ${latest}`;
    const w = dockerWrapper(hook);
    const r = await ocifixBuildVia(w, [
      '--builder',
      'single',
      '--platform',
      'linux/amd64,linux/arm64',
      '--push',
      '-t',
      ref(repo),
      '-t',
      latest,
      fixture('scratch'),
    ]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    const index = await getManifest(repo, 'v1');
    expect(index.mediaType).toBe(OCI_INDEX);
    const moved = r.stderr.split('\n').find((l) => l.startsWith(`ocifix: re-pointed ${latest} to ${index.digest.slice(0, 19)} (it was on sha256:`));
    expect(moved, describeResult(r)).toBeDefined();
    const after = await getManifest(repo, 'latest');
    expect(after.digest).toBe(index.digest);
    expect(after.mediaType).toBe(OCI_INDEX);
    // ocifix only read and re-pointed through docker: no other build
    expect(
      w.calls().every((c) => c[0] === 'buildx' && c[1] === 'imagetools'),
      JSON.stringify(w.calls()),
    ).toBe(true);
  });

  it("the user's --metadata-file is still written and used; tags already right are left alone", async () => {
    const repo = uniqueRepo('f5-meta');
    const meta = join(workDir('f5-meta'), 'm.json');
    const w = dockerWrapper();
    const r = await ocifixBuildVia(w, [
      '--builder',
      'single',
      '--platform',
      'linux/amd64,linux/arm64',
      '--push',
      '-t',
      ref(repo),
      '--metadata-file',
      meta,
      fixture('scratch'),
    ]);
    expect(r.exitCode, describeResult(r)).toBe(0);
    // all was right: nothing to say
    expect(notices(r)).toEqual([]);
    const digest = (JSON.parse(readFileSync(meta, 'utf8')) as Record<string, string>)['containerimage.digest'];
    expect((await getManifest(repo, 'v1')).digest).toBe(digest);
    // the check ran (the tag was read back from the registry) and found nothing to re-point
    expect(w.calls().filter((c) => c[1] === 'imagetools' && c[2] === 'inspect' && c.includes(ref(repo))).length, JSON.stringify(w.calls())).toBeGreaterThan(0);
    expect(r.stderr).not.toContain('ocifix: re-pointed');
    // no write: only reads after the build
    expect(w.calls().filter((c) => c.includes('create'))).toEqual([]);
  });

  it('the exact argv reaches buildx; the temporary metadata file is removed afterwards', async () => {
    const repo = uniqueRepo('f5-argv');
    const rec = recordingConfig();
    const args = ['--builder', 'single', '--push', '-t', ref(repo), '--build-arg', 'A=a b', fixture('scratch')];
    const r = await run('docker', ['ocifix', 'build', ...args], { env: { ...buildEnv(), DOCKER_CONFIG: rec.dir } });
    expect(r.exitCode, describeResult(r)).toBe(0);
    const builds = rec.calls().filter((c) => c[1] === 'build');
    expect(builds).toHaveLength(1);
    const meta = builds[0]!.find((a) => a.startsWith('--metadata-file='))!;
    expect(builds[0]).toEqual(['buildx', 'build', meta, ...args]);
    expect(existsSync(meta.slice('--metadata-file='.length))).toBe(false);
  });

  it('a plain build is exactly one buildx build with the same argv: no probe, no docker call, no extra step', async () => {
    const w = dockerWrapper();
    const rec = recordingConfig();
    const args = ['--builder', 'single', '-t', 'ocifix-plain:1', '--build-arg', 'A=a b', fixture('scratch')];
    const r = await ocifixBuildVia(w, args, { env: { DOCKER_CONFIG: rec.dir } });
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(notices(r)).toEqual([]);
    expect(w.calls()).toEqual([]);
    expect(rec.calls()).toEqual([['buildx', 'build', ...args]]);
  });

  it('docker global flags reach buildx in front, as the docker CLI passes them to a plugin', async () => {
    const rec = recordingConfig();
    const args = ['--builder', 'single', fixture('scratch')];
    const r = await run('docker', ['--context', s.dockerContext, 'ocifix', 'build', ...args], { env: { ...buildEnv(), DOCKER_CONFIG: rec.dir } });
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(rec.calls()).toEqual([['--context', s.dockerContext, 'buildx', 'build', ...args]]);
  });

  it("buildx's exit status is passed through, also one ocifix never uses itself (buildx killed: 128+9)", async () => {
    const r = await ocifixBuild(['--builder', 'single', '--target', 'nope', fixture('scratch')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('target stage "nope" could not be found');

    // a RUN that sleeps; the real buildx is killed with SIGKILL while it waits for it
    const dir = workDir('f5-killed');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY --from=busybox busybox /bin/busybox\nARG MARK\nRUN ["/bin/busybox", "sleep", "60"]\n');
    const mark = `ocifix-killed-${process.pid}-${Date.now()}`;
    const child = execa(
      'docker',
      [
        'ocifix',
        'build',
        '--builder',
        'single',
        '--no-cache',
        '--build-arg',
        `MARK=${mark}`,
        '--build-context',
        `busybox=${s.busyboxDir}`,
        '--push',
        '-t',
        ref(uniqueRepo('f5-killed')),
        dir,
      ],
      { env: buildEnv(), reject: false, all: true },
    );
    let buildxPid: number | undefined;
    for (let i = 0; i < 200 && buildxPid === undefined; i++) {
      await new Promise((done) => setTimeout(done, 100));
      buildxPid = readdirSync('/proc')
        .filter((n) => /^\d+$/.test(n))
        .find((n) => {
          try {
            const argv = readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0');
            return /buildx$/.test(argv[0] ?? '') && argv.includes(`MARK=${mark}`);
          } catch {
            return false;
          }
        }) as unknown as number | undefined;
    }
    expect(buildxPid, 'the buildx process of the build').toBeDefined();
    await new Promise((done) => setTimeout(done, 1500)); // inside the RUN by now
    process.kill(Number(buildxPid), 'SIGKILL');
    const k = await child;
    expect(k.exitCode, k.all).toBe(137);
    expect(k.all).not.toMatch(/^\s+at /m); // no stack trace
    expect((k.all ?? '').split('\n').filter((l) => l.startsWith('ocifix: '))).toEqual([]); // nothing was pushed: no post-push word
  });
});
