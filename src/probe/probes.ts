/**
 * Probes: the few facts about the machine a fix may depend on, each read at most once per run
 * and only when asked for, through `docker` (the user's global flags, DOCKER_CONFIG and
 * BUILDX_BUILDER apply as they would to `docker buildx build`).
 *
 *   buildx-version  docker buildx version
 *   builder         docker buildx inspect [NAME]   (driver, nodes and their platforms)
 *   daemon          docker info -f …                (containerd image store? daemon platform)
 *
 * The parsers are pure and exported for tests.
 */
import semverCoerce from 'semver/functions/coerce.js';
import semverValid from 'semver/functions/valid.js';
import { normalizeArch } from '../buildflags/platform.js';
import type { Docker } from '../exec/docker.js';
import type { BuilderFacts, BuilderNode, DaemonFacts, Facts, ProbeFailure, ProbeName } from '../build/types.js';

/** `github.com/docker/buildx v0.36.1 <commit>` → `0.36.1`; undefined when there is no version. */
export function parseBuildxVersion(stdout: string): string | undefined {
  const m = /\bv?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(stdout);
  if (!m) return undefined;
  const v = semverValid(semverCoerce(m[1]!, { includePrerelease: false }));
  return v ?? undefined;
}

/** `docker buildx inspect` text → driver and nodes. */
export function parseBuildxInspect(stdout: string): BuilderFacts | undefined {
  const lines = stdout.split(/\r?\n/);
  let name: string | undefined;
  let driver: string | undefined;
  const nodes: BuilderNode[] = [];
  let inNodes = false;
  let node: BuilderNode | undefined;
  for (const line of lines) {
    const m = /^([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!;
    const value = m[2]!.trim();
    if (!inNodes) {
      if (key === 'Name') name = value;
      else if (key === 'Driver') driver = value;
      else if (key === 'Nodes') inNodes = true;
      continue;
    }
    if (key === 'Name') {
      node = { name: value, configured: [], platforms: [] };
      nodes.push(node);
    } else if (node && key === 'Endpoint') node.endpoint = value;
    else if (node && (key === 'BuildKit version' || key === 'Buildkit') && value) node.buildkit = value;
    else if (node && key === 'Platforms') {
      for (const raw of value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const star = raw.endsWith('*');
        const plat = star ? raw.slice(0, -1) : raw;
        node.platforms.push(plat);
        if (star) node.configured.push(plat);
      }
    }
  }
  if (!name || !driver) return undefined;
  return { name, driver, nodes };
}

/** Kernel (uname -m) spellings that containerd's normalizeArch does not know. */
const UNAME_ARCH: Record<string, [string, string]> = { armv7l: ['arm', 'v7'], armv6l: ['arm', 'v6'], armv5tel: ['arm', 'v5'], i686: ['386', ''] };

/** docker info .Architecture (uname -m) → GOARCH[/variant], through containerd's normalizeArch. */
function daemonArch(arch: string): string {
  const [a, v] = UNAME_ARCH[arch] ?? normalizeArch(arch, '');
  return v ? `${a}/${v}` : a;
}

export const DAEMON_FORMAT = '{{json .DriverStatus}}|{{.OSType}}|{{.Architecture}}';

/** Output of `docker info -f DAEMON_FORMAT`. */
export function parseDockerInfo(stdout: string): DaemonFacts | undefined {
  const line = stdout.trim();
  const parts = line.split('|');
  if (parts.length < 3) return undefined;
  const arch = parts.pop()!.trim();
  const os = parts.pop()!.trim();
  let status: unknown;
  try {
    status = JSON.parse(parts.join('|'));
  } catch {
    return undefined;
  }
  const pairs = Array.isArray(status) ? (status as unknown[]) : [];
  const containerdStore = pairs.some((pair) => Array.isArray(pair) && pair[0] === 'driver-type' && pair[1] === 'io.containerd.snapshotter.v1');
  if (!os || !arch) return undefined;
  return { containerdStore, platform: `${os}/${daemonArch(arch)}` };
}

function firstLine(s: string): string {
  return s.trim().split('\n').filter(Boolean).pop()?.trim() ?? '';
}

/** Runs each probe at most once and remembers the answers (in the order they were asked). */
export class Probes {
  readonly facts: Facts = {};
  private readonly pending = new Map<ProbeName, Promise<void>>();

  constructor(
    private readonly docker: Docker,
    /** `--builder` from the build argv; BUILDX_BUILDER is inherited by the child anyway. */
    private readonly builderName: string | undefined,
  ) {}

  /** Run the named probes (in parallel); already-run ones are not repeated. */
  async run(names: readonly ProbeName[]): Promise<void> {
    await Promise.all(names.map((n) => this.once(n)));
  }

  private once(name: ProbeName): Promise<void> {
    let p = this.pending.get(name);
    if (!p) {
      p = this.probe(name);
      this.pending.set(name, p);
    }
    return p;
  }

  private async probe(name: ProbeName): Promise<void> {
    switch (name) {
      case 'buildx-version': {
        const r = await this.docker.buildx(['version'], { stdio: 'pipe' });
        const v = r.exitCode === 0 ? parseBuildxVersion(r.stdout) : undefined;
        this.facts.buildxVersion =
          v ?? fail(r.exitCode === 0 ? `unrecognized output ${JSON.stringify(firstLine(r.stdout))}` : firstLine(r.stderr) || `exit ${r.exitCode}`);
        break;
      }
      case 'builder': {
        const args = ['inspect', ...(this.builderName ? [this.builderName] : [])];
        const r = await this.docker.buildx(args, { stdio: 'pipe' });
        const b = r.exitCode === 0 ? parseBuildxInspect(r.stdout) : undefined;
        this.facts.builder = b ?? fail(r.exitCode === 0 ? 'unrecognized docker buildx inspect output' : firstLine(r.stderr) || `exit ${r.exitCode}`);
        break;
      }
      case 'daemon': {
        const r = await this.docker.run(['info', '-f', DAEMON_FORMAT], { stdio: 'pipe' });
        const d = r.exitCode === 0 ? parseDockerInfo(r.stdout) : undefined;
        this.facts.daemon =
          d ?? fail(r.exitCode === 0 ? `unrecognized output ${JSON.stringify(firstLine(r.stdout))}` : firstLine(r.stderr) || `exit ${r.exitCode}`);
        break;
      }
    }
  }
}

function fail(error: string): ProbeFailure {
  return { error };
}
