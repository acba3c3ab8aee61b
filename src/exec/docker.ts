/**
 * How ocifix runs `docker`: the executable the CLI told us about
 * (DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND) or `docker` from PATH, with the user's global flags
 * (--context, --config, -H, -D, --tls…) passed verbatim in front of every call.
 */
import type { DockerGlobals } from '../globalflags.js';
import type { RunOptions, RunResult, Runner } from './runner.js';

/** Variables that belong to our own invocation by the docker CLI, never to a child's. */
const PLUGIN_ENV = ['DOCKER_CLI_PLUGIN_SOCKET', 'DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND'] as const;

/**
 * The docker to re-execute, from DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND. During shell completion
 * the docker CLI (28 and 29) points it at the plugin itself (its cobra completion rewrites os.Args[0]
 * to the plugin path before running it), so a value naming a docker-ocifix binary means `docker`.
 */
export function dockerExecutable(original: string | undefined): string {
  if (!original) return 'docker';
  const base = original.split(/[\\/]/).pop() ?? '';
  return /^docker-ocifix(\.exe)?$/i.test(base) ? 'docker' : original;
}

export class Docker {
  readonly executable: string;

  constructor(
    private readonly runner: Runner,
    readonly globals: DockerGlobals,
    env: NodeJS.ProcessEnv,
  ) {
    this.executable = dockerExecutable(env['DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND']);
  }

  /** The full argv (after the executable) for `docker <globals> ARGS…`. */
  argv(args: readonly string[]): string[] {
    return [...this.globals.forward, ...args];
  }

  run(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const env: Record<string, string | undefined> = { ...options.env };
    for (const k of PLUGIN_ENV) env[k] = undefined;
    return this.runner.run(this.executable, this.argv(args), { ...options, env });
  }

  /** `docker <globals> buildx ARGS…` */
  buildx(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return this.run(['buildx', ...args], options);
  }

  /**
   * `buildx ARGS…` started the way the docker CLI starts a plugin, without a second docker CLI:
   * PLUGIN with argv = docker's global flags, `buildx`, ARGS; env + DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND
   * (our docker). Saves a docker start and buildx's metadata call per run.
   */
  buildxDirect(plugin: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const env = { ...options.env, DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: this.executable, DOCKER_CLI_PLUGIN_SOCKET: undefined };
    return this.runner.run(plugin, this.argv(['buildx', ...args]), { ...options, env });
  }
}
