import { describe, expect, it } from 'vitest';
import { assess, formatReport, type DoctorFacts } from '../../../src/doctor/assess.js';
import { parseDockerVersion } from '../../../src/doctor/gather.js';

const base = (over: Partial<DoctorFacts> = {}): DoctorFacts => ({
  docker: { version: '28.2.2' },
  buildx: { version: '0.36.1', path: '/p/docker-buildx' },
  context: 'default',
  builder: { facts: { name: 'single', driver: 'remote', nodes: [{ name: 'n0', configured: [], platforms: ['linux/amd64'], buildkit: 'v0.32.2' }] } },
  daemon: { version: '29.0.0', containerdStore: false, platform: 'linux/amd64' },
  config: { path: '/h/.docker/config.json', hooksEnabled: false },
  ...over,
});
const applies = (f: DoctorFacts) => Object.fromEntries(assess(f).pitfalls.map((p) => [p.id, p.applies]));

describe('doctor', () => {
  it('classic image store: the multi-platform --load pitfall applies; containerd store: it does not', () => {
    expect(applies(base())['load-multi-platform']).toBe('yes');
    expect(applies(base({ daemon: { containerdStore: true, platform: 'linux/amd64' } }))['load-multi-platform']).toBe('no');
    expect(applies(base({ daemon: { error: 'Cannot connect' } }))['load-multi-platform']).toBe('unknown');
  });

  it('multi-node merge pitfall: only buildx < 0.16 with several nodes', () => {
    const two = {
      facts: {
        name: 'multi',
        driver: 'remote',
        nodes: [
          { name: 'a', configured: [], platforms: [] },
          { name: 'b', configured: [], platforms: [] },
        ],
      },
    };
    expect(applies(base({ buildx: { version: '0.15.1' }, builder: two }))['multi-node-index-annotations']).toBe('yes');
    expect(applies(base({ buildx: { version: '0.36.1' }, builder: two }))['multi-node-index-annotations']).toBe('no');
    expect(applies(base({ buildx: { version: '0.15.1' } }))['multi-node-index-annotations']).toBe('no');
  });

  it('warns about what it cannot fix: buildx < 0.12, no buildx, old BuildKit', () => {
    expect(assess(base({ buildx: { version: '0.11.2' } })).warnings.join('\n')).toMatch(/buildx 0.11.2 is older than 0.12.*cannot add or fix annotations/);
    expect(assess(base({ buildx: { error: 'not installed' } })).warnings.join('\n')).toMatch(/buildx is not usable \(not installed\)/);
    const old = base({
      builder: { facts: { name: 'x', driver: 'docker-container', nodes: [{ name: 'n', configured: [], platforms: [], buildkit: 'v0.12.5' }] } },
    });
    expect(assess(old).warnings.join('\n')).toMatch(/BuildKit v0.12.5.*0.13/);
    expect(assess(base()).warnings).toEqual([]);
  });

  it('integration: alias, hooks (and what the CLI version allows)', () => {
    const r = assess(base({ config: { path: 'c', alias: 'ocifix', hooks: 'buildx build,build', hooksEnabled: true } }));
    expect(r.integration.join('\n')).toMatch(
      /docker build runs docker ocifix build; like docker build it uses the context's builder \("default"\), not "single"/,
    );
    expect(r.integration.join('\n')).toMatch(/failed builds need docker CLI >= 29.3 \(this is 28.2.2\)/);
    expect(assess(base({ config: { path: 'c', alias: 'buildx', hooksEnabled: false } })).integration[0]).toMatch(/"buildx".*--force/);
    expect(assess(base({ docker: { version: '25.0.3' } })).integration.join('\n')).toMatch(/no plugin hooks \(>= 26.1\)/);
  });

  it('the text report names every pitfall and the builder’s nodes', () => {
    const text = formatReport(assess(base()));
    expect(text).toMatch(/builder +single \(driver remote, 1 node\)\n {2}n0: BuildKit v0.32.2; linux\/amd64/);
    expect(text).toMatch(/APPLIES +--load of several platforms/);
    expect(parseDockerVersion('Docker version 28.2.2, build e6534b4')).toBe('28.2.2');
  });
});
