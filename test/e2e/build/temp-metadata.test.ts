// The temporary --metadata-file that `--push` without one adds: with BUILDX_METADATA_PROVENANCE=max
// buildx writes the --build-arg values (tokens) into it, with mode 0644 whatever the umask. It must
// live in a private mkdtemp directory (0700, under TMPDIR) that no other user can enter, and that
// directory must be gone after the run on every way out: success, a failed build, SIGTERM.
//
// Observed with the real buildx v0.36.1 on the stack: the buildx plugin of a copied DOCKER_CONFIG
// is a wrapper that runs the real buildx (not exec, so it can look afterwards) and records, right
// before and right after buildx, the mode and owner of the metadata file's directory and of the
// file, whether the file holds the build arg, and whether the user nobody can read it.
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { describeResult, fixture, getManifest, ref, requireStack, run, uniqueRepo, workDir } from '../helpers/stack.js';
import { BINARY, buildEnv } from './helpers.js';

let s: Stack;
const TOKEN = 's3cr3t-token-for-the-metadata-test';

interface Observed {
  /** DOCKER_CONFIG with the observing buildx wrapper. */
  config: string;
  /** TMPDIR for the ocifix run (mode 1777, like /tmp). */
  tmp: string;
  /** The wrapper's log (one line per observation). */
  log(): string[];
}

const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

/** `execAfterBefore`: exec the real buildx after the first observation (signals then reach it directly, as without the wrapper). */
function observedConfig(execAfterBefore = false): Observed {
  const base = workDir('temp-meta');
  chmodSync(base, 0o755);
  const tmp = join(base, 'tmp');
  mkdirSync(tmp);
  chmodSync(tmp, 0o1777);
  const config = join(base, 'docker-config');
  cpSync(s.dockerConfig, config, { recursive: true, verbatimSymlinks: true });
  symlinkSync(BINARY, join(config, 'cli-plugins', 'docker-ocifix'));
  const log = join(base, 'observed.log');
  const plugin = join(config, 'cli-plugins', 'docker-buildx');
  rmSync(plugin, { force: true });
  writeFileSync(
    plugin,
    `#!/usr/bin/env bash
real=${q(s.buildx)} log=${q(log)}
[ "\${1:-}" = docker-cli-plugin-metadata ] && exec "$real" "$@"
meta=
for a in "$@"; do case $a in --metadata-file=*) meta=\${a#--metadata-file=} ;; esac; done
[ -z "$meta" ] && exec "$real" "$@"
dir=$(dirname "$meta")
echo "before dir=$dir $(stat -c '%a %u' "$dir") entries=$(ls -A "$dir" | wc -l)" >>"$log"
${execAfterBefore ? 'exec "$real" "$@"' : ''}
"$real" "$@"; rc=$?
if [ -e "$meta" ]; then
  nobody=$(setpriv --reuid=65534 --regid=65534 --clear-groups cat "$meta" >/dev/null 2>&1 && echo read || echo denied)
  echo "after dir=$(stat -c '%a %u' "$dir") file=$(stat -c '%a %u' "$meta") token=$(grep -q ${q(TOKEN)} "$meta" && echo yes || echo no) nobody=$nobody" >>"$log"
else
  echo "after dir=$(stat -c '%a %u' "$dir") file=none" >>"$log"
fi
exit $rc
`,
  );
  chmodSync(plugin, 0o755);
  return { config, tmp, log: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

function env(o: Observed): Record<string, string | undefined> {
  return { ...buildEnv(), DOCKER_CONFIG: o.config, TMPDIR: o.tmp, BUILDX_METADATA_PROVENANCE: 'max' };
}

describe('the temporary metadata file of --push is private and always removed', () => {
  beforeAll(async () => {
    s = await requireStack();
  });

  it('a push: buildx writes it (0644, with the build arg) inside a 0700 mkdtemp dir nobody else can enter; both gone afterwards', async () => {
    const o = observedConfig();
    const repo = uniqueRepo('temp-meta');
    const r = await run('docker', ['ocifix', 'build', '--builder', 'single', '--push', '-t', ref(repo), '--build-arg', `TOKEN=${TOKEN}`, fixture('scratch')], { env: env(o) });
    expect(r.exitCode, describeResult(r)).toBe(0);
    expect((await getManifest(repo, 'v1')).digest).toMatch(/^sha256:/);
    const lines = o.log();
    expect(lines, lines.join('\n')).toHaveLength(2);
    const dir = new RegExp(`^before dir=${o.tmp}/docker-ocifix-[A-Za-z0-9]{6} 700 0 entries=0$`);
    expect(lines[0]).toMatch(dir);
    // what the private dir protects: buildx's own 0644 file holding the token
    expect(lines[1]).toBe('after dir=700 0 file=644 0 token=yes nobody=denied');
    expect(readdirSync(o.tmp)).toEqual([]);
  });

  it('a failed build (buildx exits 1): the directory is removed too', async () => {
    const o = observedConfig();
    const r = await run('docker', ['ocifix', 'build', '--builder', 'single', '--push', '-t', ref(uniqueRepo('temp-meta-fail')), '--target', 'nope', fixture('scratch')], { env: env(o) });
    expect(r.exitCode, describeResult(r)).toBe(1);
    expect(r.stderr).toContain('target stage "nope" could not be found');
    const lines = o.log();
    expect(lines[0]).toMatch(/^before dir=.*\/docker-ocifix-[A-Za-z0-9]{6} 700 0 entries=0$/);
    expect(lines[1]).toBe('after dir=700 0 file=none');
    expect(readdirSync(o.tmp)).toEqual([]);
  });

  it('SIGTERM while buildx runs: exit 143 and the directory is removed', async () => {
    const o = observedConfig(true);
    const ctx = join(workDir('temp-meta-slow'), 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY --from=busybox busybox /bin/busybox\nRUN ["/bin/busybox", "sleep", "120"]\n');
    const args = ['ocifix', 'build', '--builder', 'single', '--no-cache', '--push', '-t', ref(uniqueRepo('temp-meta-term')), '--build-context', `busybox=${s.busyboxDir}`, ctx];
    const child = spawn(BINARY, args, { env: { ...process.env, ...env(o), DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: 'docker' } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    // wait until buildx runs with the directory in place, and the RUN step has started
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !(o.log().length > 0 && /2\/2\] RUN/.test(stderr))) await new Promise((res) => setTimeout(res, 100));
    expect(stderr).toMatch(/2\/2\] RUN/);
    expect(o.log()[0], stderr).toMatch(/^before dir=.*\/docker-ocifix-[A-Za-z0-9]{6} 700 0 entries=0$/);
    expect(readdirSync(o.tmp)).toHaveLength(1);
    child.kill('SIGTERM');
    const t0 = Date.now();
    const code = await exited;
    expect(code, stderr).toBe(143);
    // buildx was cancelled, not waited for (the RUN step sleeps 120 s)
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(readdirSync(o.tmp), stderr).toEqual([]);
  });
});
