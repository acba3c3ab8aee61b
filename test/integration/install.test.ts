/**
 * install.sh picks this host's release binary from dist/ by `uname -s` / `uname -m`, installs it as
 * DOCKER_CONFIG/cli-plugins/docker-ocifix and checks it through the real docker CLI. A host other
 * than this one is simulated by a `uname` on PATH (and, since that binary cannot run here, a
 * `docker` that only records the check).
 */
import { execa } from 'execa';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from './support/plugin-env.js';

const install = join(repoRoot, 'install.sh');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ocifix-install-'));
  dirs.push(d);
  return d;
}

function sameBytes(a: string, b: string): boolean {
  return readFileSync(a).equals(readFileSync(b));
}

describe('install.sh', () => {
  it('--help says how to install a downloaded release binary, on every OS', async () => {
    const r = await execa(install, ['--help']);
    expect(r.stdout).toContain('./install.sh --binary ./docker-ocifix-darwin-arm64');
    expect(r.stdout).toContain('sha256sum -c --ignore-missing SHA256SUMS');
    expect(r.stdout).toContain('docker-ocifix.exe');
    expect(r.stdout).not.toContain('set -euo');
  });

  it('on this host (Linux x64) installs dist/docker-ocifix-linux-x64 and docker runs it', async () => {
    const bin = join(repoRoot, 'dist/docker-ocifix-linux-x64');
    expect(existsSync(bin), `${bin}: run make binaries-ci`).toBe(true);
    const config = join(temp(), 'cfg');
    const r = await execa(install, [], { env: { DOCKER_CONFIG: config }, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`using ${bin}`);
    expect(sameBytes(join(config, 'cli-plugins/docker-ocifix'), bin)).toBe(true);
    expect(r.stdout).toMatch(/docker-ocifix v\S+ \(node v22\.\S+, linux\/x64\)/);
  });

  it('on a Linux arm64 host picks dist/docker-ocifix-linux-arm64', async () => {
    const bin = join(repoRoot, 'dist/docker-ocifix-linux-arm64');
    expect(existsSync(bin), `${bin}: run make binaries-ci`).toBe(true);
    const t = temp();
    const fakeBin = join(t, 'bin');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'uname'), '#!/bin/sh\ncase "$1" in -s) echo Linux ;; -m) echo aarch64 ;; esac\n');
    writeFileSync(join(fakeBin, 'docker'), `#!/bin/sh\necho "$@" >> ${join(t, 'docker-args')}\n`);
    chmodSync(join(fakeBin, 'uname'), 0o755);
    chmodSync(join(fakeBin, 'docker'), 0o755);
    const config = join(t, 'cfg');
    const r = await execa(install, [], { env: { DOCKER_CONFIG: config, PATH: `${fakeBin}:${process.env['PATH']}` }, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(sameBytes(join(config, 'cli-plugins/docker-ocifix'), bin)).toBe(true);
    // checked through the docker CLI, then doctor shows what ocifix will do here
    expect(readFileSync(join(t, 'docker-args'), 'utf8').trim().split('\n')).toEqual(['ocifix version', 'ocifix doctor']);
  });

  it('on a Mac with no binary in dist/ says where to get one (exit 1) and installs nothing', async () => {
    const t = temp();
    const fakeBin = join(t, 'bin');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'uname'), '#!/bin/sh\ncase "$1" in -s) echo Darwin ;; -m) echo arm64 ;; esac\n');
    chmodSync(join(fakeBin, 'uname'), 0o755);
    copyFileSync(install, join(t, 'install.sh')); // a checkout without dist/
    const config = join(t, 'cfg');
    const env = { DOCKER_CONFIG: config, PATH: `${fakeBin}:${process.env['PATH']}` };
    const r = await execa(join(t, 'install.sh'), [], { env, reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe(
      'install.sh: no dist/docker-ocifix-darwin-arm64: build it on Linux x64 with `make release`, or download the release binary, then run ./install.sh --binary PATH',
    );
    expect(existsSync(join(config, 'cli-plugins/docker-ocifix'))).toBe(false);
    writeFileSync(join(fakeBin, 'uname'), '#!/bin/sh\ncase "$1" in -s) echo Linux ;; -m) echo riscv64 ;; esac\n');
    const cpu = await execa(join(t, 'install.sh'), [], { env, reject: false });
    expect(cpu.exitCode).toBe(1);
    expect(cpu.stderr.trim()).toBe("install.sh: unsupported CPU 'riscv64': release binaries exist for x86_64 and arm64");
  });
});
