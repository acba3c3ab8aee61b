/**
 * Read the facts `docker ocifix doctor` judges, through the user's own docker (global flags,
 * DOCKER_CONFIG, BUILDX_BUILDER apply): `docker --version`, `docker buildx version`,
 * `docker buildx inspect`, `docker info`, and config.json. The probes run in parallel; each failure
 * becomes a fact ("unreachable: …"), never an error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configState, hooksEnabled, parseConfig } from '../dockerconfig/edit.js';
import { dockerConfigDir, findPlugin } from '../exec/buildx-lookup.js';
import type { Docker } from '../exec/docker.js';
import type { DockerGlobals } from '../globalflags.js';
import { currentContextName } from '../build/alias-mode.js';
import { DAEMON_FORMAT, parseBuildxInspect, parseBuildxVersion, parseDockerInfo } from '../probe/probes.js';
import type { DoctorFacts } from './assess.js';

const firstLine = (s: string): string => s.trim().split('\n').filter(Boolean).pop()?.trim() ?? '';

/** `Docker version 28.2.2, build e6534b4` → 28.2.2 */
export function parseDockerVersion(stdout: string): string | undefined {
  return /version\s+v?(\d+\.\d+\.\d+[^\s,]*)/i.exec(stdout)?.[1];
}

export async function gatherFacts(docker: Docker, env: NodeJS.ProcessEnv, globals: DockerGlobals): Promise<DoctorFacts> {
  const configDir = dockerConfigDir(env, globals.config);
  const configPath = join(configDir, 'config.json');
  let text: string | undefined;
  let configError: string | undefined;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') configError = (error as Error).message;
  }
  const config: DoctorFacts['config'] = { path: configPath, hooksEnabled: false };
  try {
    const state = configState(parseConfig(text ?? '', configPath));
    if (state.aliasBuilder) config.alias = state.aliasBuilder;
    if (state.hooks) config.hooks = state.hooks;
    if (state.errorHooks) config.errorHooks = state.errorHooks;
    config.hooksEnabled = hooksEnabled(state, env);
  } catch (error) {
    configError = (error as Error).message;
  }
  if (configError) config.error = configError;

  const [version, buildx, inspect, info] = await Promise.all([
    docker.run(['--version'], { stdio: 'pipe' }),
    docker.buildx(['version'], { stdio: 'pipe' }),
    docker.buildx(['inspect'], { stdio: 'pipe' }),
    docker.run(['info', '-f', `{{.ServerVersion}}|${DAEMON_FORMAT}`], { stdio: 'pipe' }),
  ]);

  const facts: DoctorFacts = {
    docker: {},
    buildx: {},
    context: currentContextName(globals, env, () => text),
    builder: {},
    daemon: {},
    config,
  };
  const dv = version.exitCode === 0 ? parseDockerVersion(version.stdout) : undefined;
  if (dv) facts.docker.version = dv;
  else facts.docker.error = firstLine(version.stderr) || `exit ${version.exitCode}`;

  const bv = buildx.exitCode === 0 ? parseBuildxVersion(buildx.stdout) : undefined;
  if (bv) facts.buildx.version = bv;
  else facts.buildx.error = firstLine(buildx.stderr) || firstLine(buildx.stdout) || `exit ${buildx.exitCode}`;
  const path = findPlugin('buildx', env, globals.config);
  if (path) facts.buildx.path = path;

  const bf = inspect.exitCode === 0 ? parseBuildxInspect(inspect.stdout) : undefined;
  if (bf) facts.builder.facts = bf;
  else facts.builder.error = firstLine(inspect.stderr) || `exit ${inspect.exitCode}`;

  if (info.exitCode === 0) {
    const [server, ...rest] = info.stdout.trim().split('|');
    const d = parseDockerInfo(rest.join('|'));
    if (d) facts.daemon = { ...(server ? { version: server } : {}), containerdStore: d.containerdStore, platform: d.platform };
    else facts.daemon.error = `unrecognized docker info output ${JSON.stringify(firstLine(info.stdout))}`;
  } else facts.daemon.error = firstLine(info.stderr) || `exit ${info.exitCode}`;
  return facts;
}
