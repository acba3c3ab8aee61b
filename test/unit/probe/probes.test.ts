import { describe, expect, it } from 'vitest';
import { Docker } from '../../../src/exec/docker.js';
import type { RunOptions, RunResult, Runner } from '../../../src/exec/runner.js';
import { parseBuildxInspect, parseBuildxVersion, parseDockerInfo, Probes } from '../../../src/probe/probes.js';

// Captured from buildx v0.36.1 on the test stack (scripts/test-env).
const INSPECT_MULTI = `Name:          multi
Driver:        remote
Last Activity: 2026-11-23 13:21:14 +0000 UTC

Nodes:
Name:             multi-amd64
Endpoint:         unix:///tmp/ocifix-test-stack/bk-a/buildkitd.sock
Status:           running
BuildKit version: v0.32.2
Platforms:        linux/amd64*, linux/amd64/v2, linux/amd64/v3, linux/amd64/v4, linux/386
Labels:
 org.mobyproject.buildkit.worker.executor:         oci
 org.mobyproject.buildkit.worker.hostname:         vm

Name:             multi-arm64
Endpoint:         unix:///tmp/ocifix-test-stack/bk-b/buildkitd.sock
Status:           running
BuildKit version: v0.32.2
Platforms:        linux/arm64*, linux/amd64, linux/amd64/v2, linux/386
Labels:
 org.mobyproject.buildkit.worker.executor:         oci
`;
const INSPECT_DOCKER = `Name:   dockerd
Driver: docker

Nodes:
Name:             dockerd
Endpoint:         dockerd
Status:           running
BuildKit version: v0.8+unknown
Platforms:        linux/amd64, linux/386
`;

describe('probe parsers', () => {
  it('docker buildx version', () => {
    expect(parseBuildxVersion('github.com/docker/buildx v0.36.1 \n')).toBe('0.36.1');
    expect(parseBuildxVersion('github.com/docker/buildx v0.15.1 1c1a4a9a7\n')).toBe('0.15.1');
    expect(parseBuildxVersion('github.com/docker/buildx 0.10.4+azure-1 c513d34\n')).toBe('0.10.4');
    expect(parseBuildxVersion('github.com/docker/buildx v0.17.0-rc1 abc\n')).toBe('0.17.0');
    expect(parseBuildxVersion('buildx devel\n')).toBeUndefined();
  });

  it('docker buildx inspect: driver, nodes, configured platforms', () => {
    expect(parseBuildxInspect(INSPECT_MULTI)).toEqual({
      name: 'multi',
      driver: 'remote',
      nodes: [
        {
          name: 'multi-amd64',
          endpoint: 'unix:///tmp/ocifix-test-stack/bk-a/buildkitd.sock',
          configured: ['linux/amd64'],
          platforms: ['linux/amd64', 'linux/amd64/v2', 'linux/amd64/v3', 'linux/amd64/v4', 'linux/386'],
          buildkit: 'v0.32.2',
        },
        {
          name: 'multi-arm64',
          endpoint: 'unix:///tmp/ocifix-test-stack/bk-b/buildkitd.sock',
          configured: ['linux/arm64'],
          platforms: ['linux/arm64', 'linux/amd64', 'linux/amd64/v2', 'linux/386'],
          buildkit: 'v0.32.2',
        },
      ],
    });
    expect(parseBuildxInspect(INSPECT_DOCKER)).toEqual({
      name: 'dockerd',
      driver: 'docker',
      nodes: [{ name: 'dockerd', endpoint: 'dockerd', configured: [], platforms: ['linux/amd64', 'linux/386'], buildkit: 'v0.8+unknown' }],
    });
    expect(parseBuildxInspect('garbage')).toBeUndefined();
  });

  it('docker info: image store and daemon platform', () => {
    expect(parseDockerInfo('[["Backing Filesystem","extfs"],["Supports d_type","true"]]|linux|x86_64\n')).toEqual({
      containerdStore: false,
      platform: 'linux/amd64',
    });
    expect(parseDockerInfo('[["driver-type","io.containerd.snapshotter.v1"]]|linux|aarch64\n')).toEqual({ containerdStore: true, platform: 'linux/arm64' });
    expect(parseDockerInfo('null|linux|x86_64')).toEqual({ containerdStore: false, platform: 'linux/amd64' });
    expect(parseDockerInfo('null|linux|armv7l')?.platform).toBe('linux/arm/v7');
    expect(parseDockerInfo('null|linux|armhf')?.platform).toBe('linux/arm/v7');
    expect(parseDockerInfo('null|linux|i686')?.platform).toBe('linux/386');
    expect(parseDockerInfo('null|linux|s390x')?.platform).toBe('linux/s390x');
    expect(parseDockerInfo('nonsense')).toBeUndefined();
  });
});

/** Records every argv; answers from a table. Only used to assert exact argv and call counts. */
class RecordingRunner implements Runner {
  calls: string[][] = [];
  constructor(private readonly answers: Record<string, Partial<RunResult>>) {}
  async run(file: string, args: readonly string[], _options?: RunOptions): Promise<RunResult> {
    this.calls.push([file, ...args]);
    const a = this.answers[args.join(' ')] ?? { exitCode: 1, stderr: 'unexpected' };
    return { exitCode: 0, stdout: '', stderr: '', ...a };
  }
}

describe('Probes: each probe at most once, with the user globals and builder', () => {
  it('runs the exact commands once', async () => {
    const runner = new RecordingRunner({
      '--context x buildx version': { stdout: 'github.com/docker/buildx v0.36.1 \n' },
      '--context x buildx inspect multi': { stdout: INSPECT_MULTI },
      '--context x info -f {{json .DriverStatus}}|{{.OSType}}|{{.Architecture}}': { stdout: 'null|linux|x86_64\n' },
    });
    const docker = new Docker(
      runner,
      { forward: ['--context', 'x'], debug: false, help: false },
      { DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: '/usr/bin/docker' },
    );
    const probes = new Probes(docker, 'multi');
    await probes.run(['builder', 'buildx-version']);
    await probes.run(['builder', 'daemon']);
    await probes.run(['daemon', 'buildx-version', 'builder']);
    expect(runner.calls.map((c) => c.join(' ')).sort()).toEqual([
      '/usr/bin/docker --context x buildx inspect multi',
      '/usr/bin/docker --context x buildx version',
      '/usr/bin/docker --context x info -f {{json .DriverStatus}}|{{.OSType}}|{{.Architecture}}',
    ]);
    expect(probes.facts.buildxVersion).toBe('0.36.1');
    expect(probes.facts.daemon).toEqual({ containerdStore: false, platform: 'linux/amd64' });
  });

  it('a failing probe becomes a failure fact with buildx message', async () => {
    const runner = new RecordingRunner({ 'buildx inspect': { exitCode: 1, stderr: 'ERROR: no builder "x" found\n' } });
    const probes = new Probes(new Docker(runner, { forward: [], debug: false, help: false }, {}), undefined);
    await probes.run(['builder']);
    expect(probes.facts.builder).toEqual({ error: 'ERROR: no builder "x" found' });
  });
});
