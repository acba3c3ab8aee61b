import { describe, expect, it } from 'vitest';
import { COMMAND_LOADERS } from '../../../src/cli/commands.js';
import { completionFor, parseCobra, type BuildxComplete } from '../../../src/complete/run.js';
import { ADDED_OPTIONS, OWN_COMMANDS } from '../../../src/complete/words.js';
import { parseOcifixOptions } from '../../../src/build/options.js';

describe('completion data', () => {
  it('lists every ocifix command with the description its --help shows', async () => {
    const real = await Promise.all(
      COMMAND_LOADERS.map(async (c) => [c.words[0]!, ((await c.load()) as { usage?: { description?: string } }).usage?.description ?? ''] as const),
    );
    expect(OWN_COMMANDS).toEqual(real);
  });

  it('every --ocifix-* option it offers is one `docker ocifix build` accepts, with each offered value', () => {
    for (const o of ADDED_OPTIONS['build']!) {
      for (const v of o.values ?? (o.name === '--ocifix-quiet' ? ['true'] : ['x']))
        expect(() => parseOcifixOptions([`${o.name}=${v}`, '.'], {}), `${o.name}=${v}`).not.toThrow();
    }
    expect(() => parseOcifixOptions(['--ocifix-nope', '.'], {})).toThrow();
  });

  it('parses cobra output: candidates, then the directive', () => {
    expect(parseCobra('--platform\tSet target platform for build\n:4\n')).toEqual({ candidates: ['--platform\tSet target platform for build'], directive: 4 });
    expect(parseCobra('no directive\n')).toBeUndefined();
  });

  it('own commands override buildx’s of the same name; buildx failing still gives ours', async () => {
    const buildx: BuildxComplete = async () => ({
      candidates: ['build\tbuildx build', 'ls\tList builder instances', 'version\tShow buildx version information'],
      directive: 4,
    });
    const c = await completionFor([''], buildx);
    expect(c.candidates.filter((l) => l.startsWith('build\t'))).toEqual([`build\t${OWN_COMMANDS.find(([n]) => n === 'build')![1]}`]);
    expect(c.candidates).toContain('ls\tList builder instances');
    expect(c.candidates.filter((l) => l.startsWith('version\t'))).toHaveLength(1);
    const none = await completionFor(['se'], async () => undefined);
    expect(none).toEqual({ candidates: [`setup\t${OWN_COMMANDS.find(([n]) => n === 'setup')![1]}`], directive: 4 });
  });

  it('buildx root flags before the command word: buildx gets the whole line, ocifix adds its options', async () => {
    const seen: string[][] = [];
    const buildx: BuildxComplete = async (a) => {
      seen.push([...a]);
      return { candidates: a[a.length - 1] === '' ? ['ls\tList builder instances'] : ['--platform\tSet target platform for build'], directive: 4 };
    };
    const c = await completionFor(['--builder', 'single', 'build', '--'], buildx);
    expect(seen.pop()).toEqual(['--builder', 'single', 'build', '--']);
    expect(c.candidates[0]).toBe('--platform\tSet target platform for build');
    expect(c.candidates.some((l) => l.startsWith('--ocifix-load\t'))).toBe(true);
    const top = await completionFor(['-D', ''], buildx);
    expect(top.candidates.map((l) => l.split('\t')[0])).toEqual(['build', 'bake', 'ls']);
    // bake takes buildx's flags too, plus ocifix's options
    const bake = await completionFor(['bake', '--'], buildx);
    expect(seen.pop()).toEqual(['bake', '--']);
    expect(bake.candidates.some((l) => l.startsWith('--ocifix-explain\t'))).toBe(true);
    expect((await completionFor(['--builder', ''], buildx)).candidates).toEqual(['ls\tList builder instances']);
  });
});
