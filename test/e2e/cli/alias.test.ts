/**
 * Alias mode on the real stack: `docker build` with and without `aliases.builder=ocifix` must end
 * the same way. The stack's config has the isolated dockerd as current context and the remote
 * builder `single` selected with `docker buildx use`: without an alias docker runs buildx with
 * BUILDX_BUILDER=<context>, so the image lands in dockerd's image store. Through the alias docker
 * sets nothing; ocifix must select the context's builder itself, or the image silently goes nowhere
 * (buildx: "No output specified with remote driver").
 */
import { cpSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINARY } from '../build/helpers.js';
import { describeResult, fixture, run, stack, workDir } from '../helpers/stack.js';

function configCopy(name: string): string {
  const dir = join(workDir(name), 'docker-config');
  cpSync(stack().dockerConfig, dir, { recursive: true, verbatimSymlinks: true });
  symlinkSync(BINARY, join(dir, 'cli-plugins', 'docker-ocifix'));
  return dir;
}

const envFor = (config: string, extra: Record<string, string | undefined> = {}) => ({
  DOCKER_CONFIG: config,
  DOCKER_HOST: undefined,
  DOCKER_CONTEXT: undefined,
  BUILDX_BUILDER: undefined,
  BUILDKIT_PROGRESS: 'plain',
  ...extra,
});

const tag = (n: string) => `ocifix-alias-e2e:${n}-${process.pid}`;
let plain: string;
let aliased: string;
const tags: string[] = [];

beforeAll(async () => {
  plain = configCopy('alias-plain');
  aliased = configCopy('alias-on');
  const s = await run('docker', ['ocifix', 'setup', '--alias'], { env: envFor(aliased) });
  expect(s.exitCode, describeResult(s)).toBe(0);
  expect(JSON.parse(readFileSync(join(aliased, 'config.json'), 'utf8'))).toMatchObject({
    aliases: { builder: 'ocifix' },
    currentContext: stack().dockerContext,
  });
  // the premise: a non-docker builder is the one `docker buildx build` would use
  const ls = await run('docker', ['buildx', 'inspect'], { env: envFor(aliased) });
  expect(ls.stdout).toMatch(/^Name: +single$/m);
});

afterAll(async () => {
  for (const t of tags) await run('docker', ['image', 'rm', '-f', t], { env: envFor(plain) });
});

async function inStore(config: string, t: string): Promise<boolean> {
  return (await run('docker', ['image', 'inspect', '-f', '{{.Id}}', t], { env: envFor(config) })).exitCode === 0;
}

describe('docker build through aliases.builder=ocifix', () => {
  it('loads the image into the context’s image store exactly like docker build without the alias', async () => {
    const without = tag('plain');
    const through = tag('alias');
    tags.push(without, through);
    const a = await run('docker', ['build', '-t', without, fixture('scratch')], { env: envFor(plain) });
    expect(a.exitCode, describeResult(a)).toBe(0);
    expect(await inStore(plain, without)).toBe(true);

    // --ocifix-quiet: buildx would reject it, so success also proves the alias reached ocifix
    const b = await run('docker', ['build', '--ocifix-quiet', '-t', through, fixture('scratch')], { env: envFor(aliased) });
    expect(b.exitCode, describeResult(b)).toBe(0);
    expect(b.stderr).not.toMatch(/No output specified/);
    expect(await inStore(aliased, through)).toBe(true);
  });

  it('docker image build too; and a builder the user names still wins (no image in the store then)', async () => {
    const viaImage = tag('image-build');
    const named = tag('named-builder');
    tags.push(viaImage, named);
    const b = await run('docker', ['image', 'build', '-t', viaImage, fixture('scratch')], { env: envFor(aliased) });
    expect(b.exitCode, describeResult(b)).toBe(0);
    expect(await inStore(aliased, viaImage)).toBe(true);

    const n = await run('docker', ['build', '--builder', 'single', '-t', named, fixture('scratch')], { env: envFor(aliased) });
    expect(n.exitCode, describeResult(n)).toBe(0);
    expect(n.stderr).toMatch(/No output specified/);
    expect(await inStore(aliased, named)).toBe(false);
  });
});
