/** `docker ocifix doctor` on the real stack: what it reads must be what the machine is. */
import { describe, expect, it } from 'vitest';
import { pluginConfig } from '../build/helpers.js';
import { describeResult, run, stack } from '../helpers/stack.js';
import type { DoctorReport } from '../../../src/doctor/assess.js';

function doctor(version: 'v0.36.1' | 'v0.15.1', extra: Record<string, string | undefined> = {}, args: string[] = ['--json']) {
  return run('docker', ['ocifix', 'doctor', ...args], {
    env: { DOCKER_CONFIG: pluginConfig(version), DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined, BUILDX_BUILDER: undefined, ...extra },
  });
}
const applies = (r: DoctorReport) => Object.fromEntries(r.pitfalls.map((p) => [p.id, p.applies]));

describe('docker ocifix doctor', () => {
  it('buildx 0.36.1, builder single, classic dockerd: facts as the tools report them; --load pitfall applies', async () => {
    const r = await doctor('v0.36.1');
    expect(r.exitCode, describeResult(r)).toBe(0);
    const rep = JSON.parse(r.stdout) as DoctorReport;
    expect(rep.facts.docker.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(rep.facts.buildx).toMatchObject({ version: '0.36.1', path: expect.stringMatching(/cli-plugins\/docker-buildx$/) });
    expect(rep.facts.context).toBe(stack().dockerContext);
    expect(rep.facts.builder.facts).toMatchObject({
      name: 'single',
      driver: 'remote',
      nodes: [{ buildkit: 'v0.32.2', platforms: expect.arrayContaining(['linux/amd64']) }],
    });
    expect(rep.facts.daemon).toMatchObject({ containerdStore: false, platform: 'linux/amd64' });
    expect(applies(rep)).toMatchObject({ 'load-multi-platform': 'yes', 'multi-node-index-annotations': 'no', 'oci-layout-several-tags': 'yes' });
    expect(rep.warnings).toEqual([]);
  });

  it('buildx 0.15.1 with the two-node builder: the multi-node annotation pitfall applies', async () => {
    const r = await doctor('v0.15.1', { BUILDX_BUILDER: 'multi' });
    expect(r.exitCode, describeResult(r)).toBe(0);
    const rep = JSON.parse(r.stdout) as DoctorReport;
    expect(rep.facts.buildx.version).toBe('0.15.1');
    expect(rep.facts.builder.facts?.nodes.map((n) => n.name)).toEqual(['multi-amd64', 'multi-arm64']);
    expect(rep.facts.builder.facts?.nodes[1]?.platforms).toContain('linux/arm64');
    expect(applies(rep)['multi-node-index-annotations']).toBe('yes');
  });

  it('no daemon: still exit 0, the unknowns are warnings, the text report says so', async () => {
    const r = await doctor('v0.36.1', { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, []);
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/^daemon +unreachable/m);
    expect(r.stdout).toMatch(/^ {2}maybe +--load of several platforms/m);
    expect(r.stdout).toMatch(/^Warnings:\n {2}cannot reach the docker daemon/m);
  });
});
