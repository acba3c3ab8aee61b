import { describe, expect, it } from 'vitest';
import { splitBuildxRoot } from '../../../src/buildflags/root.js';
import { COMMAND_WORDS } from '../../../src/cli/commands.js';
import { editDistance, judgeCommand, nearest } from '../../../src/cli/suggest.js';

describe('splitBuildxRoot: buildx root flags before the command word', () => {
  it.each([
    [['--builder', 'single', 'build', '.'], { flags: ['--builder', 'single'], command: 'build', rest: ['.'] }],
    [['--builder=single', '-D', 'b', '-t', 'a', '.'], { flags: ['--builder=single', '-D'], command: 'b', rest: ['-t', 'a', '.'] }],
    [['--debug', 'build'], { flags: ['--debug'], command: 'build', rest: [] }],
    [['--debug=false', 'ls'], { flags: ['--debug=false'], command: 'ls', rest: [] }],
    [['build', '--builder', 'x'], { flags: [], command: 'build', rest: ['--builder', 'x'] }],
  ])('%j', (args, want) => {
    expect(splitBuildxRoot(args)).toEqual(want);
  });

  it('a token it does not know, or --builder without a value, is left for buildx to judge', () => {
    expect(splitBuildxRoot(['--bulder', 'x', 'build'])).toBeUndefined();
    expect(splitBuildxRoot(['-q', 'build'])).toBeUndefined();
    expect(splitBuildxRoot(['--builder'])).toBeUndefined();
  });
});

describe('command suggestions', () => {
  it('edit distance counts a swapped pair as one edit', () => {
    expect(editDistance('biuld', 'build')).toBe(1);
    expect(editDistance('normalise', 'normalize')).toBe(1);
    expect(editDistance('retga', 'retag')).toBe(1);
    expect(editDistance('x', 'verify')).toBe(6);
  });

  it('nearest: within two edits or a prefix, nearest first', () => {
    expect(nearest('normalise', COMMAND_WORDS)).toEqual(['normalize']);
    expect(nearest('ver', COMMAND_WORDS)).toEqual(['verify', 'version']);
    expect(nearest('zzzz', COMMAND_WORDS)).toEqual([]);
  });

  it('a typo of one of ours is answered by ocifix, with the suggestion', () => {
    const v = judgeCommand('normalise', COMMAND_WORDS);
    expect(v.kind).toBe('unknown');
    if (v.kind === 'unknown') expect(v.message).toMatch(/^unknown command "normalise" for "docker ocifix"\n\nDid you mean this\?\n\tnormalize\n/);
  });

  it('a buildx command, or a word near none of ours, goes to buildx', () => {
    expect(judgeCommand('imagetools', COMMAND_WORDS)).toEqual({ kind: 'buildx' });
    expect(judgeCommand('ls', COMMAND_WORDS)).toEqual({ kind: 'buildx' });
    expect(judgeCommand('imagetols', COMMAND_WORDS)).toEqual({ kind: 'buildx' });
  });

  it('without buildx every unknown word is answered here, with the nearest of both sets', () => {
    const v = judgeCommand('imagetols', COMMAND_WORDS, false);
    expect(v.kind === 'unknown' && v.message).toContain('\timagetools');
    const none = judgeCommand('qqqqqq', COMMAND_WORDS, false);
    expect(none.kind === 'unknown' && none.message).not.toContain('Did you mean');
    // a real buildx command still goes to buildx (which then says it is not installed)
    expect(judgeCommand('ls', COMMAND_WORDS, false)).toEqual({ kind: 'buildx' });
  });
});
