/**
 * Alias mode: behave like `docker build` when the docker CLI started us through
 * `aliases.builder=ocifix`.
 *
 * Without an alias, `docker build` / `docker image build` / `docker builder …` / `docker bake` run
 * buildx with BUILDX_BUILDER=<current context> (unless BUILDX_BUILDER is set), so the build uses the
 * context's own (docker driver) builder and the image lands in the local image store. Through an
 * alias the CLI sets nothing ("keep buildx install behaviour"), so a user who selected a
 * docker-container builder with `docker buildx use` would silently stop getting images in
 * `docker images`. The only sign of alias use is the command path the CLI puts in
 * OTEL_RESOURCE_ATTRIBUTES (`docker`, `docker image`, `docker builder`; a direct call says
 * `docker ocifix`). Pure apart from reading config.json's currentContext.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerConfigDir } from '../exec/buildx-lookup.js';
import type { DockerGlobals } from '../globalflags.js';

const ALIAS_PATHS: ReadonlySet<string> = new Set(['docker', 'docker image', 'docker builder']);

/** `docker.cli.cobra.command_path` from OTEL_RESOURCE_ATTRIBUTES (W3C baggage-style, %-encoded). */
export function cobraCommandPath(env: NodeJS.ProcessEnv): string | undefined {
  let found: string | undefined;
  for (const pair of (env['OTEL_RESOURCE_ATTRIBUTES'] ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== 'docker.cli.cobra.command_path') continue;
    try {
      found = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      found = pair.slice(eq + 1).trim();
    }
  }
  return found;
}

/** Were we started by the docker CLI for `docker build`/`image build`/`builder …`/`bake` through the alias? */
export function startedThroughAlias(env: NodeJS.ProcessEnv): boolean {
  if (!env['DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND']) return false;
  const path = cobraCommandPath(env);
  return path !== undefined && ALIAS_PATHS.has(path);
}

/** The docker CLI's resolveContextName: --context, -H → default, DOCKER_HOST → default, DOCKER_CONTEXT, config, default. */
export function currentContextName(globals: DockerGlobals, env: NodeJS.ProcessEnv, readConfig: () => string | undefined): string {
  if (globals.context) return globals.context;
  if (globals.host) return 'default';
  if (env['DOCKER_HOST']) return 'default';
  if (env['DOCKER_CONTEXT']) return env['DOCKER_CONTEXT'];
  try {
    const cfg = JSON.parse(readConfig() ?? '{}') as { currentContext?: unknown };
    if (typeof cfg.currentContext === 'string' && cfg.currentContext !== '') return cfg.currentContext;
  } catch {
    // the docker CLI would have refused a broken config.json before starting us
  }
  return 'default';
}

/**
 * The environment to add to buildx so an aliased call selects the builder `docker build` would:
 * `{BUILDX_BUILDER: <context>}`, or nothing when not aliased or the user chose a builder.
 */
export function aliasBuilderEnv(env: NodeJS.ProcessEnv, globals: DockerGlobals, builderFlag: string | undefined): Record<string, string> {
  if (builderFlag || env['BUILDX_BUILDER'] || !startedThroughAlias(env)) return {};
  const read = (): string | undefined => {
    try {
      return readFileSync(join(dockerConfigDir(env, globals.config), 'config.json'), 'utf8');
    } catch {
      return undefined;
    }
  };
  return { BUILDX_BUILDER: currentContextName(globals, env, read) };
}
