/**
 * The BUILT binary as a real Docker CLI plugin, driven through the real `docker` CLI.
 * A recording docker-buildx stand-in (support/recording-buildx.mjs) is used only where the exact
 * argv or exit code handed to buildx is the thing under test.
 */
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { binary, makePluginEnv, type PluginEnv } from './support/plugin-env.js';

let pe: PluginEnv | undefined;
afterEach(() => {
  pe?.cleanup();
  pe = undefined;
});

function docker(args: string[], env: Record<string, string>, opts: { input?: string } = {}) {
  return execa('docker', args, { env, reject: false, input: opts.input ?? '', stripFinalNewline: false });
}

async function waitFor(pred: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('plugin protocol through the real docker CLI', () => {
  it('answers docker-cli-plugin-metadata with the package version', async () => {
    const r = await execa(binary, ['docker-cli-plugin-metadata']);
    const meta = JSON.parse(r.stdout) as Record<string, string>;
    expect(meta).toMatchObject({ SchemaVersion: '0.1.0', Vendor: 'docker-ocifix', Version: __OCIFIX_VERSION__ });
    expect(meta['ShortDescription']).toBeTruthy();
    expect(meta['URL']).toMatch(/^https:\/\//);
    expect(r.stderr).toBe('');
  });

  it('is listed by `docker --help` and `docker info` as a valid plugin', async () => {
    pe = makePluginEnv();
    const help = await docker(['--help'], pe.env);
    expect(help.stdout).toMatch(/\s+ocifix\*\s+Multi-platform buildx builds/);
    expect(help.stdout).not.toMatch(/Invalid Plugins/);
    const info = await docker(['info', '-f', '{{json .ClientInfo.Plugins}}'], pe.env);
    const plugins = JSON.parse(info.stdout) as Array<{ Name: string; Version: string; Err?: string }>;
    const ours = plugins.find((p) => p.Name === 'ocifix');
    expect(ours).toMatchObject({ Version: __OCIFIX_VERSION__ });
    expect(ours?.Err ?? '').toBe('');
  });

  it('`docker ocifix version` and `docker ocifix --version`', async () => {
    pe = makePluginEnv();
    for (const args of [
      ['ocifix', 'version'],
      ['ocifix', '--version'],
    ]) {
      const r = await docker(args, pe.env);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain(`docker-ocifix v${__OCIFIX_VERSION__}`);
      expect(r.stdout).toMatch(/node v2[2-9]\./);
    }
    const j = await docker(['ocifix', 'version', '--json'], pe.env);
    expect(JSON.parse(j.stdout)).toMatchObject({ name: 'docker-ocifix', version: __OCIFIX_VERSION__ });
  });

  it('accepts docker global flags in front of its name', async () => {
    pe = makePluginEnv();
    for (const globals of [['--context', 'default'], ['-c', 'default'], ['-D'], ['--config', pe.config], ['-l', 'warn']]) {
      const r = await docker([...globals, 'ocifix', 'version'], pe.env);
      expect(r.exitCode, `${globals.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('docker-ocifix v');
    }
  });

  it('shows help for every form docker uses', async () => {
    pe = makePluginEnv();
    for (const args of [['ocifix', '--help'], ['ocifix'], ['help', 'ocifix'], ['--help', 'ocifix']]) {
      const r = await docker(args, pe.env);
      expect(r.exitCode, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toContain('docker ocifix version');
      expect(r.stdout).toContain('passed to docker buildx unchanged');
    }
    const sub = await docker(['help', 'ocifix', 'version'], pe.env);
    expect(sub.exitCode).toBe(0);
    expect(sub.stdout).toContain('Show the docker-ocifix version');
    expect(sub.stdout).toContain('Examples');
  });

  it('rejects unknown ocifix options with exit 125 and one line, no stack trace', async () => {
    pe = makePluginEnv();
    const r = await docker(['ocifix', 'version', '--nope'], pe.env);
    expect(r.exitCode).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('docker ocifix: Unsupported option name ("--nope")');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects unknown global flags when run standalone (exit 125)', async () => {
    const r = await execa(binary, ['--nope', 'version'], { reject: false });
    expect(r.exitCode).toBe(125);
    expect(r.stderr.trim()).toBe('docker ocifix: unknown flag: --nope');
    const c = await execa(binary, ['-H', 'unix:///x', '--context', 'y', 'version'], { reject: false });
    expect(c.exitCode).toBe(125);
    expect(c.stderr).toContain('cannot specify both --host and --context');
  });
});

describe('forwarding to docker buildx', () => {
  it('forwards unknown subcommands verbatim, with docker global flags in front', async () => {
    pe = makePluginEnv();
    const r = await docker(['--context', 'default', '-D', 'ocifix', 'ls', '--format', '{{.Name}} "x y"', '--', 'a,b'], pe.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('recording-buildx --context default -D buildx ls');
    const [run] = pe.records();
    expect(run).toMatchObject({ event: 'run', args: ['--context', 'default', '-D', 'buildx', 'ls', '--format', '{{.Name}} "x y"', '--', 'a,b'] });
    // the inner docker got its own plugin socket, not ours
    expect((run!['env'] as Record<string, string>)['DOCKER_CLI_PLUGIN_SOCKET']).toMatch(/^@docker_cli_/);
  });

  it('passes buildx exit codes through exactly', async () => {
    pe = makePluginEnv();
    for (const code of [0, 1, 2, 17, 125]) {
      const r = await docker(['ocifix', 'imagetools', `__exit=${code}`], pe.env);
      expect(r.exitCode).toBe(code);
    }
  });

  it('runs the docker given in DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND, standalone with global flags', async () => {
    pe = makePluginEnv();
    const dockerPath = (await execa('sh', ['-c', 'command -v docker'])).stdout.trim();
    const r = await execa(binary, ['--config', pe.config, 'ls'], {
      env: { DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: dockerPath, OCIFIX_RECORD: pe.record, PATH: '/nonexistent' },
      extendEnv: false,
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(pe.records()[0]).toMatchObject({ args: ['--config', pe.config, 'buildx', 'ls'] });
  });

  it('says how to install buildx when it is missing (exit 1)', async () => {
    pe = makePluginEnv({ withBuildx: false });
    const r = await docker(['ocifix', 'ls'], { ...pe.env, HOME: pe.dir });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('docker buildx is not installed');
    expect(r.stderr).toContain('cli-plugins/docker-buildx');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('says so when there is no docker executable (exit 127)', async () => {
    const r = await execa(binary, ['ls'], { env: { PATH: '/nonexistent', HOME: '/nonexistent' }, extendEnv: false, reject: false });
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toContain('docker: executable not found');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('cancellation and signals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('cancels through the plugin socket when docker gets %s (stdout not a TTY): exit 130, as buildx', async (signal) => {
    pe = makePluginEnv();
    const child = execa('docker', ['ocifix', 'ls', '__wait'], { env: pe.env, reject: false, stdin: 'ignore' });
    await waitFor(() => pe!.records().some((r) => r['event'] === 'waiting'));
    child.kill(signal);
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(pe.records().find((e) => e['event'] === 'cancelled')).toMatchObject({ how: 'socket' });
  });

  it('forwards SIGINT to the running child and exits 130', async () => {
    pe = makePluginEnv();
    const dockerPath = (await execa('sh', ['-c', 'command -v docker'])).stdout.trim();
    const child = execa(binary, ['ls', '__wait'], {
      env: { ...pe.env, DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: dockerPath },
      reject: false,
      stdin: 'ignore',
    });
    await waitFor(() => pe!.records().some((r) => r['event'] === 'waiting'));
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(pe.records().some((e) => e['event'] === 'cancelled')).toBe(true);
  });

  it('Ctrl-C on a terminal reaches a directly started buildx once, not twice', async () => {
    pe = makePluginEnv();
    const dockerPath = (await execa('sh', ['-c', 'command -v docker'])).stdout.trim();
    // `script` gives the run a pty; writing ^C to it makes the kernel send SIGINT to the whole
    // foreground process group (ocifix and the buildx it started for the build).
    const child = execa('script', ['-q', '-e', '-c', `${binary} build __wait`, '/dev/null'], {
      env: { ...pe.env, DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: dockerPath },
      reject: false,
      stdin: 'pipe',
    });
    await waitFor(() => pe!.records().some((r) => r['event'] === 'waiting'));
    child.stdin!.write('\x03');
    const r = await child;
    const cancelled = pe.records().find((e) => e['event'] === 'cancelled');
    expect(cancelled, r.stdout).toMatchObject({ how: 'SIGINT', seen: ['SIGINT'] });
    expect(r.exitCode).toBe(130);
  });
});

describe('what a new user types', () => {
  it('`docker ocifix build --help | head -1`: the first line, exit 0, no EPIPE stack', async () => {
    pe = makePluginEnv();
    const r = await execa('bash', ['-c', 'set -o pipefail; docker ocifix build --help | head -1'], { env: pe.env, reject: false });
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(r.stdout.split('\n')).toHaveLength(1);
    expect(r.exitCode).toBe(0);
  });

  it('a typo of an ocifix command names it (exit 1), with or without buildx', async () => {
    for (const withBuildx of [true, false]) {
      pe = makePluginEnv({ withBuildx });
      const r = await docker(['ocifix', 'normalise', 'x.tar'], { ...pe.env, HOME: pe.dir });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain('unknown command "normalise" for "docker ocifix"');
      expect(r.stderr).toContain('Did you mean this?\n\tnormalize');
      expect(r.stdout).toBe('');
      expect(pe.records()).toEqual([]); // buildx never ran
      pe.cleanup();
    }
    pe = makePluginEnv({ withBuildx: false });
    const b = await docker(['ocifix', 'biuld', '.'], { ...pe.env, HOME: pe.dir });
    expect(b.exitCode).toBe(1);
    expect(b.stderr).toContain('Did you mean this?\n\tbuild');
    expect(b.stderr).not.toContain('not installed');
  });

  it('a word near none of ours goes to buildx, which reports it', async () => {
    pe = makePluginEnv();
    const r = await docker(['ocifix', 'frobnicate'], pe.env);
    expect(pe.records()[0]).toMatchObject({ event: 'run', args: ['buildx', 'frobnicate'] });
    expect(r.exitCode).toBe(0); // the stand-in's answer, passed through
  });

  it("a usage error of a subcommand points at that subcommand's help", async () => {
    pe = makePluginEnv();
    const r = await docker(['ocifix', 'normalize'], pe.env);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toContain("See 'docker ocifix normalize --help'.");
  });

  it("buildx's root flags before build: the build runs with them, and --ocifix-explain works there", async () => {
    pe = makePluginEnv();
    const r = await docker(['ocifix', '--builder', 'single', '-D', 'build', '__exit=0', '.'], pe.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(pe.records()[0]).toMatchObject({ args: ['buildx', 'build', '--builder', 'single', '-D', '__exit=0', '.'] });
    const e = await docker(['ocifix', '--builder', 'single', 'build', '--ocifix-explain', '.'], pe.env);
    expect(e.exitCode, e.stderr).toBe(0);
    expect(e.stdout).toContain('run: docker buildx build --builder single .');
  });

  it('OCIFIX_LOAD=bogus does not fail a build that loads nothing', async () => {
    pe = makePluginEnv();
    const r = await docker(['ocifix', 'build', '__exit=0', '.'], { ...pe.env, OCIFIX_LOAD: 'bogus' });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });
});
