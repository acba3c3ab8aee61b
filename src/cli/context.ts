import type { BaseContext } from 'clipanion';
import type { Docker } from '../exec/docker.js';
import type { Runner } from '../exec/runner.js';
import type { DockerGlobals } from '../globalflags.js';

/** What every command gets through `this.context`: stdio plus the injected services. */
export interface OcifixContext extends BaseContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  globals: DockerGlobals;
  runner: Runner;
  docker: Docker;
}
