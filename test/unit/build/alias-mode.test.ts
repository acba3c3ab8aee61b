import { describe, expect, it } from 'vitest';
import { aliasBuilderEnv, cobraCommandPath, currentContextName, startedThroughAlias } from '../../../src/build/alias-mode.js';

const g = (over: { context?: string; host?: string; config?: string } = {}) => ({ forward: [], debug: false, help: false, ...over });
const plugin = (path: string, extra: Record<string, string> = {}) => ({
  DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: 'docker',
  OTEL_RESOURCE_ATTRIBUTES: `docker.cli.cobra.command_path=${path}`,
  ...extra,
});

describe('alias mode', () => {
  it('reads the command path the docker CLI sets (percent-encoded, among other attributes)', () => {
    expect(cobraCommandPath({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=x,docker.cli.cobra.command_path=docker%20image' })).toBe('docker image');
    expect(cobraCommandPath({})).toBeUndefined();
  });

  it('the paths docker uses for aliased build/image build/builder/bake are alias use; a direct call is not', () => {
    for (const p of ['docker', 'docker%20image', 'docker%20builder']) expect(startedThroughAlias(plugin(p)), p).toBe(true);
    for (const p of ['docker%20ocifix', 'docker%20buildx']) expect(startedThroughAlias(plugin(p)), p).toBe(false);
    // standalone (not started by the docker CLI): never
    expect(startedThroughAlias({ OTEL_RESOURCE_ATTRIBUTES: 'docker.cli.cobra.command_path=docker' })).toBe(false);
  });

  it('current context like the docker CLI: --context, -H, DOCKER_HOST, DOCKER_CONTEXT, config, default', () => {
    const cfg = () => '{"currentContext":"desk"}';
    expect(currentContextName(g({ context: 'c1' }), { DOCKER_CONTEXT: 'e' }, cfg)).toBe('c1');
    expect(currentContextName(g({ host: 'unix:///x' }), { DOCKER_CONTEXT: 'e' }, cfg)).toBe('default');
    expect(currentContextName(g(), { DOCKER_HOST: 'unix:///x', DOCKER_CONTEXT: 'e' }, cfg)).toBe('default');
    expect(currentContextName(g(), { DOCKER_CONTEXT: 'e' }, cfg)).toBe('e');
    expect(currentContextName(g(), {}, cfg)).toBe('desk');
    expect(currentContextName(g(), {}, () => undefined)).toBe('default');
    expect(currentContextName(g(), {}, () => '{broken')).toBe('default');
  });

  it('sets BUILDX_BUILDER only when aliased and the user chose no builder', () => {
    expect(aliasBuilderEnv(plugin('docker', { DOCKER_CONTEXT: 'ctx' }), g(), undefined)).toEqual({ BUILDX_BUILDER: 'ctx' });
    expect(aliasBuilderEnv(plugin('docker', { DOCKER_CONTEXT: 'ctx' }), g(), 'multi')).toEqual({});
    expect(aliasBuilderEnv(plugin('docker', { DOCKER_CONTEXT: 'ctx', BUILDX_BUILDER: 'b' }), g(), undefined)).toEqual({});
    expect(aliasBuilderEnv(plugin('docker%20ocifix', { DOCKER_CONTEXT: 'ctx' }), g(), undefined)).toEqual({});
  });
});
