/**
 * e2e support for annotate / retag / verify: the BUILT dist/docker-ocifix installed as a CLI plugin
 * into a copy of the stack's DOCKER_CONFIG (buildx v0.36.1 + builders), driven through the real
 * docker CLI against the real registry; plus a private registry we can stop, and a docker wrapper
 * that changes the registry between ocifix's planning and its write.
 */
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import { buildx, describeResult, fixture, getManifest, REPO_ROOT, run, stack, workDir, type Manifest, type RunResult } from '../helpers/stack.js';

export const BINARY = join(REPO_ROOT, 'dist', 'docker-ocifix');

let pluginConfigDir: string | undefined;

/** A copy of the stack's DOCKER_CONFIG with dist/docker-ocifix installed as cli-plugins/docker-ocifix. */
export function pluginConfig(): string {
  if (pluginConfigDir) return pluginConfigDir;
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`make binary\` first`);
  const dir = join(workDir('ocifix-cfg'), 'docker-config');
  cpSync(stack().dockerConfig, dir, { recursive: true, verbatimSymlinks: true });
  symlinkSync(BINARY, join(dir, 'cli-plugins', 'docker-ocifix'));
  pluginConfigDir = dir;
  return dir;
}

export function ocifixEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { DOCKER_CONFIG: pluginConfig(), DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined, BUILDX_BUILDER: undefined, ...extra };
}

/** `docker [globals…] ocifix ARGS…` through the real docker CLI. */
export function ocifix(args: readonly string[], opts: { env?: Record<string, string | undefined>; globals?: string[] } = {}): Promise<RunResult> {
  return run('docker', [...(opts.globals ?? []), 'ocifix', ...args], { env: ocifixEnv(opts.env) });
}

/** Run the binary directly the way docker does, but with DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND = our docker wrapper. */
export function ocifixVia(dockerExecutable: string, args: readonly string[]): Promise<RunResult> {
  return run(BINARY, ['ocifix', ...args], { env: ocifixEnv({ DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: dockerExecutable }) });
}

/**
 * A `docker` wrapper. Runs the real docker; HOOK (a shell snippet, e.g. move a tag or stop the
 * registry) runs once:
 *  - 'after-preflight': right after the first `imagetools create --dry-run` (ocifix's preflight,
 *    i.e. after planning and before the compare-and-swap re-read);
 *  - 'before-write': right before the first writing `imagetools create` (after the re-read).
 */
export function dockerWrapper(hook: string, when: 'after-preflight' | 'before-write' = 'after-preflight'): { path: string; fired: () => boolean } {
  const dir = workDir('docker-wrapper');
  const path = join(dir, 'docker');
  const marker = JSON.stringify(join(dir, 'fired'));
  const log = JSON.stringify(join(dir, 'hook.log'));
  const fire = `if [ ! -e ${marker} ]; then touch ${marker}; ( ${hook} ) >>${log} 2>&1; fi`;
  const before = when === 'before-write' ? `case " $* " in *" imagetools create "*"--progress plain"*) ${fire} ;; esac` : '';
  const after = when === 'after-preflight' ? `case " $* " in *" imagetools create "*"--dry-run"*) ${fire} ;; esac` : '';
  writeFileSync(path, `#!/usr/bin/env bash\nset -u\n${before}\ndocker "$@"\nrc=$?\n${after}\nexit $rc\n`);
  chmodSync(path, 0o755);
  return { path, fired: () => existsSync(join(dir, 'fired')) };
}

/** A 2-platform index pushed by a real build (FROM scratch + COPY) on the `single` builder. */
export async function pushIndex(refName: string, extra: string[] = []): Promise<Manifest> {
  const r = await buildx(['build', '--builder', 'single', '--platform', 'linux/amd64,linux/arm64', '--push', '-t', refName, ...extra, fixture('scratch')]);
  expect(r.exitCode, describeResult(r)).toBe(0);
  const [repo, tag] = splitRef(refName);
  const m = await getManifest(repo, tag);
  expect(m.mediaType).toBe('application/vnd.oci.image.index.v1+json');
  return m;
}

/** `127.0.0.1:5000/a/b:t` → [`a/b`, `t`] (repo inside the registry, tag or digest). */
export function splitRef(refName: string): [string, string] {
  const noHost = refName.slice(refName.indexOf('/') + 1);
  const at = noHost.indexOf('@');
  if (at !== -1) return [noHost.slice(0, at), noHost.slice(at + 1)];
  const colon = noHost.lastIndexOf(':');
  return [noHost.slice(0, colon), noHost.slice(colon + 1)];
}

export function childOf(index: Manifest, arch: string): string {
  const d = index.body.manifests?.find((m) => m.platform?.architecture === arch);
  if (!d) throw new Error(`no ${arch} child in ${JSON.stringify(index.body)}`);
  return d.digest;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A private docker-registry (distribution 2.8) on 127.0.0.1:PORT that a test may stop and restart. */
export class PrivateRegistry {
  readonly dir = workDir('private-registry');
  private pid: number | undefined;
  constructor(readonly port: number) {
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    writeFileSync(
      join(this.dir, 'registry.yml'),
      `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(this.dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`,
    );
  }
  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    const child = spawn('docker-registry', ['serve', join(this.dir, 'registry.yml')], {
      env: { ...process.env, REGISTRY_HTTP_ADDR: this.addr, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: join(this.dir, 'data') },
      stdio: ['ignore', 'ignore', 'ignore'],
      detached: true,
    });
    child.unref();
    this.pid = child.pid;
    writeFileSync(join(this.dir, 'registry.pid'), String(child.pid));
    for (let i = 0; i < 100; i++) {
      try {
        const r = await fetch(`http://${this.addr}/v2/`, { signal: AbortSignal.timeout(500) });
        if (r.status === 200) return;
      } catch {
        /* not yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`private registry on ${this.addr} did not start`);
  }
  /** Stop the registry we started (by its pid only) and wait until the port is closed. */
  async stop(): Promise<void> {
    if (this.pid === undefined) return;
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    for (let i = 0; i < 100; i++) {
      try {
        await fetch(`http://${this.addr}/v2/`, { signal: AbortSignal.timeout(300) });
      } catch {
        this.pid = undefined;
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`private registry on ${this.addr} did not stop`);
  }
  /** Shell snippet that stops it (for dockerWrapper hooks). */
  stopCommand(): string {
    return `kill $(cat ${JSON.stringify(join(this.dir, 'registry.pid'))}); for i in $(seq 1 50); do curl -fs -o /dev/null http://${this.addr}/v2/ || break; sleep 0.1; done`;
  }
  /** GET a manifest from this registry; null on 404. */
  async manifest(repo: string, reference: string): Promise<{ digest: string; raw: Buffer } | null> {
    const r = await fetch(`http://${this.addr}/v2/${repo}/manifests/${reference}`, {
      headers: {
        Accept:
          'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
      },
    });
    if (r.status === 404) return null;
    const raw = Buffer.from(await r.arrayBuffer());
    return { digest: r.headers.get('docker-content-digest') ?? '', raw };
  }
  async tags(repo: string): Promise<string[]> {
    const r = await fetch(`http://${this.addr}/v2/${repo}/tags/list`);
    if (r.status !== 200) return [];
    return ((await r.json()) as { tags: string[] | null }).tags ?? [];
  }
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
