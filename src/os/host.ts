/**
 * What differs between the operating systems the plugin runs on, as the docker CLI sees it. Pure:
 * every function takes the platform (a `process.platform` value) and the environment as
 * parameters, so each OS is unit-tested on any machine. The callers in src/exec/ and src/layout/
 * pass `process.platform` and `process.env`.
 *
 * Sources (docker/cli): cli/config/config.go (config dir), cli-plugins/manager/manager.go
 * (getPluginDirs), manager_unix.go / manager_windows.go (system dirs), suffix_windows.go (.exe),
 * cli-plugins/socket/socket_abstract.go / socket_nonabstract.go (the plugin socket).
 */
import { posix, win32 } from 'node:path';

export type Platform = NodeJS.Platform;
export type Env = Readonly<Record<string, string | undefined>>;

function paths(platform: Platform): typeof posix {
  return platform === 'win32' ? win32 : posix;
}

/** An environment variable as the OS reads it: names are case-insensitive on Windows. */
export function envValue(platform: Platform, env: Env, name: string): string | undefined {
  if (env[name] !== undefined || platform !== 'win32') return env[name];
  const upper = name.toUpperCase();
  const key = Object.keys(env).find((k) => k.toUpperCase() === upper);
  return key === undefined ? undefined : env[key];
}

/**
 * The home directory the docker CLI uses (Go's os.UserHomeDir): %USERPROFILE% on Windows, $HOME
 * elsewhere; `fallback` (the account's home, os.homedir()) when that is unset or empty.
 */
export function homeDir(platform: Platform, env: Env, fallback: () => string): string {
  return envValue(platform, env, platform === 'win32' ? 'USERPROFILE' : 'HOME') || fallback();
}

/** The docker config dir: `--config`, else $DOCKER_CONFIG, else <home>/.docker. */
export function dockerConfigDir(platform: Platform, env: Env, fallbackHome: () => string, configFlag?: string): string {
  return configFlag || envValue(platform, env, 'DOCKER_CONFIG') || paths(platform).join(homeDir(platform, env, fallbackHome), '.docker');
}

/** A plugin's file name: docker-NAME, with the .exe the CLI requires on Windows. */
export function pluginFileName(name: string, platform: Platform): string {
  return platform === 'win32' ? `docker-${name}.exe` : `docker-${name}`;
}

const UNIX_SYSTEM_PLUGIN_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
] as const;

/**
 * The CLI's built-in plugin dirs. Unix, macOS included: the four /usr dirs (Docker Desktop for Mac
 * points /usr/local/lib/docker/cli-plugins at its bundle). Windows: %ProgramFiles%\Docker\cli-plugins,
 * where Docker Desktop hard-links its plugins (%ProgramData%\Docker\cli-plugins was searched before
 * docker 29.2 and is not any more; a buildx only there is still found through `docker buildx`).
 */
export function systemPluginDirs(platform: Platform, env: Env): string[] {
  if (platform !== 'win32') return [...UNIX_SYSTEM_PLUGIN_DIRS];
  const programFiles = envValue(platform, env, 'ProgramFiles') || 'C:\\Program Files';
  return [win32.join(programFiles, 'Docker', 'cli-plugins')];
}

/**
 * Where the CLI looks for plugins, first hit wins: config.json's cliPluginsExtraDirs (Docker Desktop
 * for Mac puts /Applications/Docker.app/Contents/Resources/cli-plugins there), then
 * <config dir>/cli-plugins (~/.docker/cli-plugins, %USERPROFILE%\.docker\cli-plugins), then the
 * system dirs.
 */
export function pluginSearchDirs(platform: Platform, env: Env, configDir: string, extraDirs: readonly string[]): string[] {
  return [...extraDirs, paths(platform).join(configDir, 'cli-plugins'), ...systemPluginDirs(platform, env)];
}

/**
 * The path to give net.connect for DOCKER_CLI_PLUGIN_SOCKET, or undefined when this OS cannot reach it.
 *  - Linux: the CLI listens on an abstract socket `@docker_cli_<hex>`; Node spells '@' as '\0'.
 *  - macOS (and other unix): a path socket in $TMPDIR, used as is.
 *  - Windows: the CLI listens on an AF_UNIX abstract socket too, but Node's net module speaks only
 *    named pipes there, so there is nothing to connect to. Cancellation on Windows relies on the
 *    console: Ctrl-C reaches every process attached to the console, buildx included.
 */
export function pluginSocketPath(platform: Platform, address: string | undefined): string | undefined {
  if (!address || platform === 'win32') return undefined;
  if (platform === 'linux' && address.startsWith('@')) return `\0${address.slice(1)}`;
  return address;
}

/**
 * Whether a directory can be fsynced to make a rename in it durable. POSIX: open it read-only and
 * fsync. Windows refuses FlushFileBuffers on a read-only directory handle, and NTFS journals the
 * rename itself.
 */
export function canFsyncDirectory(platform: Platform): boolean {
  return platform !== 'win32';
}
