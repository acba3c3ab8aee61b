import { describe, expect, it } from 'vitest';
import { dockerExecutable } from '../../../src/exec/docker.js';

describe('dockerExecutable', () => {
  it('re-executes the docker the CLI names', () => {
    expect(dockerExecutable('/usr/bin/docker')).toBe('/usr/bin/docker');
    expect(dockerExecutable('docker')).toBe('docker');
  });
  it('falls back to docker on PATH when unset', () => {
    expect(dockerExecutable(undefined)).toBe('docker');
    expect(dockerExecutable('')).toBe('docker');
  });
  it('never re-executes itself: during completion docker names the plugin binary', () => {
    expect(dockerExecutable('/root/.docker/cli-plugins/docker-ocifix')).toBe('docker');
    expect(dockerExecutable('C:\\\\Program Files\\\\Docker\\\\cli-plugins\\\\docker-ocifix.exe')).toBe('docker');
    expect(dockerExecutable('/opt/docker-ocifix-wrapper/docker')).toBe('/opt/docker-ocifix-wrapper/docker');
  });
});
