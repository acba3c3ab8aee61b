import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPlugin, imagetoolsPlugin } from '../../../src/exec/buildx-lookup.js';

describe('imagetoolsPlugin: which buildx registry calls start', () => {
  const config = mkdtempSync(join(tmpdir(), 'ocifix-lookup-'));
  const plugin = join(config, 'cli-plugins', 'docker-buildx');
  mkdirSync(join(config, 'cli-plugins'));
  writeFileSync(plugin, '#!/bin/sh\n');
  chmodSync(plugin, 0o755);
  // a plugin dir of our own only: no system dir may answer for the test
  const base = { DOCKER_CONFIG: config, PATH: '/nonexistent', ProgramData: undefined, HOME: config };
  afterAll(() => rmSync(config, { recursive: true, force: true }));

  it('the plugin file when the docker CLI started us (its plugin socket is set)', () => {
    expect(imagetoolsPlugin({ ...base, DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: '/usr/bin/docker', DOCKER_CLI_PLUGIN_SOCKET: '@docker_cli_x' })).toBe(plugin);
  });

  it('the plugin file when run on its own (no docker named)', () => {
    expect(imagetoolsPlugin({ ...base })).toBe(plugin);
  });

  it('through docker with OCIFIX_BUILDX_VIA_DOCKER=1', () => {
    expect(imagetoolsPlugin({ ...base, OCIFIX_BUILDX_VIA_DOCKER: '1', DOCKER_CLI_PLUGIN_SOCKET: '@docker_cli_x' })).toBeUndefined();
  });

  it('through the docker a caller named without being a docker CLI (a wrapper of its own)', () => {
    expect(imagetoolsPlugin({ ...base, DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: '/tmp/wrapper/docker' })).toBeUndefined();
  });

  it("the docker CLI's own search decides: without our plugin dir, whatever the system dirs hold (else through docker)", () => {
    const env = { ...base, DOCKER_CONFIG: join(config, 'nowhere'), DOCKER_CLI_PLUGIN_SOCKET: '@docker_cli_x' };
    expect(imagetoolsPlugin(env)).not.toBe(plugin);
    expect(imagetoolsPlugin(env)).toBe(findPlugin('buildx', env));
  });
});
