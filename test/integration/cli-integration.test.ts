/**
 * `docker ocifix setup` and the CLI hook, through the real docker CLI with the BUILT binary in a
 * temporary DOCKER_CONFIG. The recording docker-buildx stand-in stands in for buildx where the
 * test is about what reaches it (argv, BUILDX_BUILDER) or needs a build that succeeds.
 */
import { lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { binary, makePluginEnv, repoRoot, type PluginEnv } from './support/plugin-env.js';

let pe: PluginEnv | undefined;
afterEach(() => {
  pe?.cleanup();
  pe = undefined;
});

function docker(args: string[], env: Record<string, string>) {
  return execa('docker', args, { env, reject: false, stdin: 'ignore', stripFinalNewline: false });
}

/** Run docker on a pseudo-terminal (the CLI runs hooks only when stdout is a TTY); returns all output. */
async function dockerOnTty(args: string[], env: Record<string, string>, cwd: string) {
  const quoted = ['docker', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = await execa('script', ['-q', '-e', '-c', quoted, '/dev/null'], { env, cwd, reject: false, stdin: 'ignore' });
  return { exitCode: r.exitCode, output: r.stdout.replace(/\r/g, '').replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '') };
}

const USER_CONFIG = `{
\t"auths": {
\t\t"registry.example:5000": {
\t\t\t"auth": "dXNlcjpwYXNz"
\t\t}
\t},
\t"proxies": {
\t\t"default": {
\t\t\t"httpProxy": "http://proxy:3128"
\t\t}
\t},
\t"x-custom-number": 100000000000000000001
}
`;

describe('docker ocifix setup through the real docker CLI', () => {
  it('sets the alias and hooks, keeps the rest byte for byte, and docker build then runs ocifix like docker build', async () => {
    pe = makePluginEnv();
    const file = join(pe.config, 'config.json');
    writeFileSync(file, USER_CONFIG, { mode: 0o600 });
    const r = await docker(['ocifix', 'setup'], pe.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^updated .*config.json:\n {2}aliases.builder = "ocifix"/);
    const after = readFileSync(file, 'utf8');
    // every original line is still there, spelled the same
    for (const line of USER_CONFIG.trimEnd().split('\n').slice(0, -2)) expect(after).toContain(line);
    expect(after).toContain('"x-custom-number": 100000000000000000001');
    expect(JSON.parse(after)).toMatchObject({
      aliases: { builder: 'ocifix' },
      plugins: { ocifix: { hooks: 'buildx build,build' } },
      features: { hooks: 'true' },
    });
    expect(lstatSync(file).mode & 0o777).toBe(0o600);

    // `docker build` now reaches ocifix, which hands buildx BUILDX_BUILDER=<current context>, as docker build does
    const b = await docker(['build', '-t', 'x', '.'], { ...pe.env, BUILDX_BUILDER: '' });
    expect(b.exitCode, b.stderr).toBe(0);
    const run = pe.records().find((e) => e['event'] === 'run')!;
    expect(run['args']).toEqual(['buildx', 'build', '-t', 'x', '.']);
    expect((run['env'] as Record<string, string>)['BUILDX_BUILDER']).toBe('default');

    // `docker builder prune` through the alias is forwarded to buildx with the same builder
    rmSync(pe.record, { force: true });
    const p = await docker(['builder', 'prune', '-f'], pe.env);
    expect(p.exitCode, p.stderr).toBe(0);
    expect(pe.records()[0]).toMatchObject({ args: ['buildx', 'prune', '-f'], env: { BUILDX_BUILDER: 'default' } });

    // the same through `docker ocifix build` directly: no builder is chosen for the user
    rmSync(pe.record, { force: true });
    await docker(['ocifix', 'build', '-t', 'x', '.'], pe.env);
    expect((pe.records()[0]!['env'] as Record<string, string>)['BUILDX_BUILDER']).toBeUndefined();
  });

  it('refuses to take the alias from buildx (docker buildx install) unless --force; file untouched', async () => {
    pe = makePluginEnv();
    const file = join(pe.config, 'config.json');
    const text = '{\n  "aliases": {\n    "builder": "buildx"\n  }\n}\n';
    writeFileSync(file, text);
    const r = await docker(['ocifix', 'setup', '--alias'], pe.env);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/aliases.builder in .* is "buildx" \(written by `docker buildx install`\).*--force/);
    expect(readFileSync(file, 'utf8')).toBe(text);
    const f = await docker(['ocifix', 'setup', '--alias', '--force'], pe.env);
    expect(f.exitCode, f.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ aliases: { builder: 'ocifix' } });
  });

  it('--dry-run prints a unified diff and writes nothing; --config DIR is the directory edited', async () => {
    pe = makePluginEnv();
    const other = join(pe.dir, 'other-config');
    mkdirSync(other);
    writeFileSync(join(other, 'config.json'), '{}\n');
    const r = await execa(join(pe.config, 'cli-plugins', 'docker-ocifix'), ['--config', other, 'setup', '--alias', '--dry-run'], {
      env: pe.env,
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^--- .*other-config\/config.json/m);
    expect(r.stdout).toMatch(/^\+\t"aliases": \{$/m);
    expect(readFileSync(join(other, 'config.json'), 'utf8')).toBe('{}\n');
  });

  it('a malformed config.json: one clear line, exit 2, file untouched', async () => {
    pe = makePluginEnv();
    const file = join(pe.config, 'config.json');
    // the docker CLI itself only warns about it and still runs the plugin
    writeFileSync(file, '{"auths": {');
    const r = await execa(join(pe.config, 'cli-plugins', 'docker-ocifix'), ['setup'], { env: pe.env, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr, r.stderr).toMatch(/^docker ocifix: .*config.json is not valid JSON .*nothing was changed$/);
    expect(readFileSync(file, 'utf8')).toBe('{"auths": {');
  });

  it('a symlinked config.json stays a symlink; its target is updated', async () => {
    pe = makePluginEnv();
    const target = join(pe.dir, 'dotfiles-docker.json');
    writeFileSync(target, '{"credsStore":"pass"}');
    symlinkSync(target, join(pe.config, 'config.json'));
    const r = await docker(['ocifix', 'setup', '--no-hooks', '--alias'], pe.env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(lstatSync(join(pe.config, 'config.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual({ credsStore: 'pass', aliases: { builder: 'ocifix' } });
  });
});

describe('the CLI hook through the real docker CLI (docker >= 26.1, stdout a TTY)', () => {
  it('after a docker buildx build that meets a pitfall: one "What\'s next" hint naming docker ocifix build; none otherwise', async () => {
    pe = makePluginEnv();
    const s = await docker(['ocifix', 'setup', '--hooks'], pe.env);
    expect(s.exitCode, s.stderr).toBe(0);

    const oci = await dockerOnTty(['buildx', 'build', '--output', 'type=oci,dest=out.tar', '-t', 'a:1', '-t', 'a:2', '.'], pe.env, pe.dir);
    expect(oci.exitCode).toBe(0);
    expect(oci.output).toMatch(/What's next:\n {4}--output type=oci with several -t .*\n {4}.*`docker ocifix build …`/);

    const anno = await dockerOnTty(['buildx', 'build', '--annotation', 'index:org.example=1', '-t', 'a', '.'], pe.env, pe.dir);
    expect(anno.output).toMatch(/What's next:\n {4}Index-level --annotation on a single-platform build/);

    const plain = await dockerOnTty(['buildx', 'build', '-t', 'a', '--push', '.'], pe.env, pe.dir);
    expect(plain.exitCode).toBe(0);
    expect(plain.output).toContain('recording-buildx buildx build -t a --push .');
    expect(plain.output).not.toContain("What's next");

    // --no-hooks: the same pitfall build prints no hint
    await docker(['ocifix', 'setup', '--no-hooks'], pe.env);
    const off = await dockerOnTty(['buildx', 'build', '--output', 'type=oci,dest=out.tar', '-t', 'a:1', '-t', 'a:2', '.'], pe.env, pe.dir);
    expect(off.output).not.toContain("What's next");
  });
});

describe('./install.sh', () => {
  it('--alias installs, aliases docker build, and ends with doctor (exit 0 even when buildx answers nonsense)', async () => {
    pe = makePluginEnv();
    const r = await execa(join(repoRoot, 'install.sh'), ['--binary', binary, '--alias'], { env: pe.env, reject: false, stdin: 'ignore' });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^installed .*cli-plugins\/docker-ocifix$/m);
    expect(r.stdout).toMatch(/aliases.builder = "ocifix"/);
    expect(r.stdout).toMatch(/^Pitfalls:$/m);
    expect(r.stdout).toMatch(/^Warnings:\n {2}buildx is not usable/m); // the recording stand-in has no version
    expect(JSON.parse(readFileSync(join(pe.config, 'config.json'), 'utf8'))).toEqual({ aliases: { builder: 'ocifix' } });
  });
});
