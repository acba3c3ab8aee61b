/**
 * Is the buildx plugin installed? Answered from the file system the way the docker CLI searches
 * (cliPluginsExtraDirs, then <config dir>/cli-plugins, then the system dirs), so the common case
 * costs a few stat calls and no process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OcifixError } from '../errors.js';
import type { Docker } from './docker.js';

const SYSTEM_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
];

export function dockerConfigDir(env: NodeJS.ProcessEnv, configFlag?: string): string {
  return configFlag ?? env['DOCKER_CONFIG'] ?? join(homedir(), '.docker');
}

export function pluginDirs(env: NodeJS.ProcessEnv, configFlag?: string): string[] {
  const configDir = dockerConfigDir(env, configFlag);
  let extra: string[] = [];
  try {
    const cfg = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { cliPluginsExtraDirs?: unknown };
    if (Array.isArray(cfg.cliPluginsExtraDirs)) extra = cfg.cliPluginsExtraDirs.filter((d): d is string => typeof d === 'string');
  } catch {
    // no or unreadable config.json: the CLI ignores it the same way
  }
  return [...extra, join(configDir, 'cli-plugins'), ...SYSTEM_DIRS];
}

export function findPlugin(name: string, env: NodeJS.ProcessEnv, configFlag?: string): string | undefined {
  for (const dir of pluginDirs(env, configFlag)) {
    const p = join(dir, `docker-${name}`);
    if (existsSync(p)) return p;
  }
  return undefined;
}

const BUILDX_MISSING =
  'docker buildx is not installed: docker-ocifix runs every build through it. Install the buildx plugin ' +
  '(Debian/Ubuntu: apt-get install docker-buildx-plugin from Docker\'s repository; or copy a buildx release binary to ' +
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
