// The private temp dir (src/exec/private-temp.ts) is removed even when the process leaves without
// reaching the caller's finally: process.exit() (the entry does that on EPIPE) and an uncaught
// error. The module is bundled with esbuild and run in a fresh Node, which then ends each way.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const base = mkdtempSync(join(tmpdir(), 'ocifix-pt-exit-'));
const bundle = join(base, 'private-temp.mjs');

beforeAll(async () => {
  await build({ entryPoints: [join(REPO, 'src/exec/private-temp.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const ENDINGS: Array<[string, string, number]> = [
  ['process.exit(3)', 'process.exit(3);', 3],
  ['an uncaught error', "setTimeout(() => { throw new Error('boom'); });", 1],
  ['the finally (remove())', 'await t.remove();', 0],
];

describe('private temp dir: removed on every exit path that runs JavaScript', () => {
  it.each(ENDINGS)('%s', async (_name, ending, code) => {
    const script = `import { writeFileSync } from 'node:fs';
const { makePrivateTempDir } = await import(${JSON.stringify(bundle)});
const t = await makePrivateTempDir();
writeFileSync(t.path + '/metadata.json', '{"secret":1}');
process.stdout.write(t.path + '\\n');
${ending}`;
    const r = await execa(process.execPath, ['--input-type=module', '-e', script], { reject: false, env: { TMPDIR: base } });
    expect(r.exitCode, r.stderr).toBe(code);
    const path = r.stdout.trim();
    expect(path.startsWith(join(base, 'docker-ocifix-')), r.stdout).toBe(true);
    expect(existsSync(path)).toBe(false);
  });
});
