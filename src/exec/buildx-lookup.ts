/**
 * Is the buildx plugin installed? Answered from the file system the way the docker CLI searches
 * (cliPluginsExtraDirs, then <config dir>/cli-plugins, then the system dirs; per OS in src/os/host.ts),
 * so the common case costs a few stat calls and no process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OcifixError } from '../errors.js';
import { dockerConfigDir as configDirFor, pluginFileName, pluginSearchDirs, type Platform } from '../os/host.js';
import type { Docker } from './docker.js';

export function dockerConfigDir(env: NodeJS.ProcessEnv, configFlag?: string, platform: Platform = process.platform): string {
  return configDirFor(platform, env, homedir, configFlag);
}

export function pluginDirs(env: NodeJS.ProcessEnv, configFlag?: string, platform: Platform = process.platform): string[] {
  const configDir = dockerConfigDir(env, configFlag, platform);
  let extra: string[] = [];
  try {
    const cfg = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { cliPluginsExtraDirs?: unknown };
    if (Array.isArray(cfg.cliPluginsExtraDirs)) extra = cfg.cliPluginsExtraDirs.filter((d): d is string => typeof d === 'string');
  } catch {
    // no or unreadable config.json: the CLI ignores it the same way
  }
  return pluginSearchDirs(platform, env, configDir, extra);
}

export function findPlugin(name: string, env: NodeJS.ProcessEnv, configFlag?: string, platform: Platform = process.platform): string | undefined {
  const file = pluginFileName(name, platform);
  for (const dir of pluginDirs(env, configFlag, platform)) {
    const p = join(dir, file);
    if (existsSync(p)) return p;
  }
  return undefined;
}

const BUILDX_MISSING =
  'docker buildx is not installed: docker-ocifix runs every build through it. Install the buildx plugin ' +
  "(Debian/Ubuntu: apt-get install docker-buildx-plugin from Docker's repository; or copy a buildx release binary to " +
  '~/.docker/cli-plugins/docker-buildx and chmod +x it), then check with `docker buildx version`.';

/**
 * The buildx plugin's path when it is in a plugin dir we know of; otherwise ask docker itself
 * (`docker buildx version`: Desktop, odd setups) before giving up. Returns undefined when buildx is
 * reachable only through `docker buildx`; throws OcifixError (exit 1) with the install hint when it
 * is not installed at all.
 */
export async function ensureBuildx(docker: Docker, env: NodeJS.ProcessEnv, configFlag?: string): Promise<string | undefined> {
  const plugin = findPlugin('buildx', env, configFlag);
  if (plugin) return plugin;
  if ((await docker.buildx(['version'], { stdio: 'pipe' })).exitCode !== 0) throw new OcifixError(BUILDX_MISSING, 1);
  return undefined;
}

/**
 * How registry reads and writes (`buildx imagetools …`) start buildx: the plugin file (started as
 * the docker CLI starts a plugin, see Docker.buildxDirect), or undefined = through `docker buildx`,
 * the previous call sequence in full (the `--dry-run` preflight included). Through docker when
 *  - OCIFIX_BUILDX_VIA_DOCKER=1 (the escape hatch);
 *  - the plugin file is not in a plugin dir we know of;
 *  - we were not started by a docker CLI (no DOCKER_CLI_PLUGIN_SOCKET, which docker ≥ 25 always
 *    sets) but the caller named the docker to use in DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: a
 *    wrapper of its own (one that logs, injects or watches registry calls), honoured as before.
 */
export function imagetoolsPlugin(env: NodeJS.ProcessEnv, configFlag?: string): string | undefined {
  if (env['OCIFIX_BUILDX_VIA_DOCKER'] === '1') return undefined;
  if (env['DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND'] && !env['DOCKER_CLI_PLUGIN_SOCKET']) return undefined;
  return findPlugin('buildx', env, configFlag);
}
