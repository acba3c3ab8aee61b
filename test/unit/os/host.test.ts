import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPlugin, pluginDirs } from '../../../src/exec/buildx-lookup.js';
import { canFsyncDirectory, dockerConfigDir, envValue, homeDir, pluginFileName, pluginSearchDirs, pluginSocketPath } from '../../../src/os/host.js';

const noHome = (): string => {
  throw new Error('the account home was consulted');
};

describe('linux', () => {
  it('config dir: --config, then $DOCKER_CONFIG, then $HOME/.docker', () => {
    expect(dockerConfigDir('linux', { HOME: '/home/u' }, noHome)).toBe('/home/u/.docker');
    expect(dockerConfigDir('linux', { HOME: '/home/u', DOCKER_CONFIG: '/cfg' }, noHome)).toBe('/cfg');
    expect(dockerConfigDir('linux', { HOME: '/home/u', DOCKER_CONFIG: '/cfg' }, noHome, '/flag')).toBe('/flag');
    // an empty value counts as unset, as in Go's os.Getenv checks
    expect(dockerConfigDir('linux', { HOME: '/home/u', DOCKER_CONFIG: '' }, noHome, '')).toBe('/home/u/.docker');
  });

  it('home: the account home when $HOME is unset; USERPROFILE means nothing here', () => {
    expect(homeDir('linux', { USERPROFILE: 'C:\\Users\\u' }, () => '/root')).toBe('/root');
  });

  it('plugin dirs: extra dirs, config dir, then the four system dirs; no .exe', () => {
    expect(pluginSearchDirs('linux', {}, '/home/u/.docker', ['/opt/x'])).toEqual([
      '/opt/x',
      '/home/u/.docker/cli-plugins',
      '/usr/local/lib/docker/cli-plugins',
      '/usr/local/libexec/docker/cli-plugins',
      '/usr/lib/docker/cli-plugins',
      '/usr/libexec/docker/cli-plugins',
    ]);
    expect(pluginFileName('buildx', 'linux')).toBe('docker-buildx');
  });

  it('plugin socket: the abstract @name becomes \\0name; a path stays a path', () => {
    expect(pluginSocketPath('linux', '@docker_cli_0123abcd')).toBe('\0docker_cli_0123abcd');
    expect(pluginSocketPath('linux', '/run/x.sock')).toBe('/run/x.sock');
    expect(pluginSocketPath('linux', undefined)).toBeUndefined();
    expect(pluginSocketPath('linux', '')).toBeUndefined();
  });

  it('directories are fsynced', () => expect(canFsyncDirectory('linux')).toBe(true));
});

describe('macOS', () => {
  it('config dir: $HOME/.docker', () => {
    expect(dockerConfigDir('darwin', { HOME: '/Users/u' }, noHome)).toBe('/Users/u/.docker');
  });

  it("plugin dirs: Docker Desktop's cliPluginsExtraDirs first, then ~/.docker/cli-plugins, then the unix system dirs", () => {
    const desktop = '/Applications/Docker.app/Contents/Resources/cli-plugins';
    const dirs = pluginSearchDirs('darwin', {}, '/Users/u/.docker', [desktop]);
    expect(dirs.slice(0, 3)).toEqual([desktop, '/Users/u/.docker/cli-plugins', '/usr/local/lib/docker/cli-plugins']);
    expect(dirs).toHaveLength(6);
    expect(pluginFileName('buildx', 'darwin')).toBe('docker-buildx');
  });

  it("Docker Desktop's config.json is read: its bundle dir shadows ~/.docker/cli-plugins", () => {
    const home = mkdtempSync(join(tmpdir(), 'ocifix-mac-'));
    const bundle = join(home, 'Docker.app/Contents/Resources/cli-plugins');
    mkdirSync(bundle, { recursive: true });
    mkdirSync(join(home, '.docker/cli-plugins'), { recursive: true });
    writeFileSync(join(home, '.docker/config.json'), JSON.stringify({ cliPluginsExtraDirs: [bundle] }));
    writeFileSync(join(bundle, 'docker-buildx'), '');
    writeFileSync(join(home, '.docker/cli-plugins/docker-buildx'), '');
    const env = { HOME: home };
    try {
      expect(pluginDirs(env, undefined, 'darwin').slice(0, 2)).toEqual([bundle, join(home, '.docker/cli-plugins')]);
      expect(findPlugin('buildx', env, undefined, 'darwin')).toBe(join(bundle, 'docker-buildx'));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('plugin socket: a path in $TMPDIR, used as is (no abstract namespace on macOS)', () => {
    expect(pluginSocketPath('darwin', '/var/folders/xy/T/docker_cli_0123abcd')).toBe('/var/folders/xy/T/docker_cli_0123abcd');
    expect(pluginSocketPath('darwin', '@docker_cli_x')).toBe('@docker_cli_x');
  });

  it('directories are fsynced', () => expect(canFsyncDirectory('darwin')).toBe(true));
});

describe('Windows', () => {
  const env = { USERPROFILE: 'C:\\Users\\u', ProgramFiles: 'D:\\Programs', HOME: '/c/Users/u' };

  it('config dir: %USERPROFILE%\\.docker (not $HOME, which Git Bash sets); %DOCKER_CONFIG% wins', () => {
    expect(dockerConfigDir('win32', env, noHome)).toBe('C:\\Users\\u\\.docker');
    expect(dockerConfigDir('win32', { ...env, DOCKER_CONFIG: 'E:\\cfg' }, noHome)).toBe('E:\\cfg');
  });

  it('environment names are case-insensitive, as Windows reads them', () => {
    expect(envValue('win32', { userprofile: 'C:\\Users\\v' }, 'USERPROFILE')).toBe('C:\\Users\\v');
    expect(envValue('linux', { userprofile: 'x' }, 'USERPROFILE')).toBeUndefined();
    expect(dockerConfigDir('win32', { Docker_Config: 'E:\\c' }, noHome)).toBe('E:\\c');
  });

  it('plugin dirs: extra dirs, %USERPROFILE%\\.docker\\cli-plugins, then %ProgramFiles%\\Docker\\cli-plugins only', () => {
    expect(pluginSearchDirs('win32', env, 'C:\\Users\\u\\.docker', [])).toEqual(['C:\\Users\\u\\.docker\\cli-plugins', 'D:\\Programs\\Docker\\cli-plugins']);
    expect(pluginSearchDirs('win32', {}, 'C:\\Users\\u\\.docker', [])[1]).toBe('C:\\Program Files\\Docker\\cli-plugins');
  });

  it('plugin files end in .exe (the CLI rejects a candidate without it)', () => {
    expect(pluginFileName('buildx', 'win32')).toBe('docker-buildx.exe');
    expect(pluginFileName('ocifix', 'win32')).toBe('docker-ocifix.exe');
  });

  it('plugin socket: not reachable from Node (AF_UNIX on Windows is not a named pipe), so none is opened', () => {
    expect(pluginSocketPath('win32', '@docker_cli_0123abcd')).toBeUndefined();
  });

  it('directories are not fsynced (Windows refuses it; NTFS journals the rename)', () => expect(canFsyncDirectory('win32')).toBe(false));
});
