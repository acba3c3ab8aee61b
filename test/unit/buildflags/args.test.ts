import { describe, expect, it } from 'vitest';
import { applyEdits, boolValue, lastValue, parseBuildArgs, shellQuote, uses, values, type ArgEdit } from '../../../src/buildflags/args.js';

/** Compact view of every flag occurrence: name=value@index (value token index after a colon). */
function view(argv: string[]): string[] {
  const p = parseBuildArgs(argv);
  return p.flags.map(
    (f) =>
      `${f.name}${f.value === undefined ? '' : `=${f.value}`}@${f.index}${f.valueIndex !== undefined ? `:${f.valueIndex}` : ''}${f.chars ? `[${f.chars.join('-')}]` : ''}${f.uncertain ? '?' : ''}`,
  );
}

describe('parseBuildArgs: pflag grammar', () => {
  const cases: Array<{ argv: string[]; flags: string[]; context?: string; positionals?: string[] }> = [
    { argv: ['.'], flags: [], context: '.' },
    { argv: ['-t', 'a:1', '.'], flags: ['tag=a:1@0:1'], context: '.' },
    { argv: ['--tag', 'a:1', '.'], flags: ['tag=a:1@0:1'], context: '.' },
    { argv: ['--tag=a:1', '.'], flags: ['tag=a:1@0'], context: '.' },
    { argv: ['-ta:1', '.'], flags: ['tag=a:1@0'], context: '.' },
    { argv: ['-t=a:1', '.'], flags: ['tag=a:1@0'], context: '.' },
    // clusters: bools then one value-taking shorthand that takes the rest or the next token
    { argv: ['-qD', '.'], flags: ['quiet@0[1-2]', 'debug@0[2-3]'], context: '.' },
    { argv: ['-qtfoo', '.'], flags: ['quiet@0[1-2]', 'tag=foo@0[2-6]'], context: '.' },
    { argv: ['-qt', 'foo', '.'], flags: ['quiet@0[1-2]', 'tag=foo@0:1[2-3]'], context: '.' },
    { argv: ['-qt=foo', '.'], flags: ['quiet@0[1-2]', 'tag=foo@0[2-7]'], context: '.' },
    { argv: ['-q=false', '.'], flags: ['quiet=false@0'], context: '.' },
    // a value flag takes the next token even when it looks like a flag (pflag)
    { argv: ['-t', '--push', '.'], flags: ['tag=--push@0:1'], context: '.' },
    // bools never take the next token: `--push false` makes `false` a positional
    { argv: ['--push', 'false', '.'], flags: ['push@0'], positionals: ['false', '.'] },
    { argv: ['--push=false', '.'], flags: ['push=false@0'], context: '.' },
    { argv: ['--check', '.'], flags: ['check@0'], context: '.' },
    // interspersed flags and positionals; `--` ends the flags
    { argv: ['.', '--push', '-t', 'x'], flags: ['push@1', 'tag=x@2:3'], context: '.' },
    { argv: ['--push', '--', '-t'], flags: ['push@0'], context: '-t' },
    { argv: ['-'], flags: [], context: '-' },
    // hidden and legacy flags
    { argv: ['-c', '512', '-m', '1g', '--ulimit', 'nofile=1024', '.'], flags: ['cpu-shares=512@0:1', 'memory=1g@2:3', 'ulimit=nofile=1024@4:5'], context: '.' },
    { argv: ['--output', 'type=oci,"name=a,b"', '.'], flags: ['output=type=oci,"name=a,b"@0:1'], context: '.' },
  ];
  it.each(cases)('$argv', ({ argv, flags, context, positionals }) => {
    const p = parseBuildArgs(argv);
    expect(view(argv)).toEqual(flags);
    if (context !== undefined) expect(p.context?.value).toBe(context);
    if (positionals) expect(p.positionals.map((x) => x.value)).toEqual(positionals);
    expect(p.error).toBeUndefined();
  });

  it('a value flag at the end is an error buildx reports itself', () => {
    expect(parseBuildArgs(['.', '-t']).error).toBe("flag needs an argument: 't' in -t");
    expect(parseBuildArgs(['.', '--tag']).error).toBe('flag needs an argument: --tag');
  });

  describe('unknown flags: kept verbatim, no guessing', () => {
    it('--x=v is self-contained', () => {
      const p = parseBuildArgs(['--future=v', '--push', '.']);
      expect(p.unknown.map((u) => [u.name, u.value, u.index])).toEqual([['future', 'v', 0]]);
      expect(view(['--future=v', '--push', '.'])).toEqual(['push@1']);
      expect(p.context?.value).toBe('.');
    });
    it('--x followed by a flag: that flag is uncertain (it may be the value)', () => {
      expect(view(['--future', '--push', '.'])).toEqual(['push@1?']);
    });
    it('--x followed by a word and the context: the word is the value, by elimination', () => {
      const p = parseBuildArgs(['--future', 'v', '.']);
      expect(p.positionals.map((x) => [x.value, x.uncertain])).toEqual([
        ['v', true],
        ['.', false],
      ]);
      expect(p.context?.value).toBe('.');
    });
    it('--x followed by the only positional: it is the context (else buildx fails)', () => {
      expect(parseBuildArgs(['--future', '.']).context?.value).toBe('.');
    });
    it('an unknown shorthand anywhere in a cluster makes the whole token unknown', () => {
      const p = parseBuildArgs(['-qX', '.']);
      expect(p.flags).toEqual([]);
      expect(p.unknown.map((u) => u.name)).toEqual(['qX']);
    });
  });

  it('accessors: repeats, last wins, bools', () => {
    const p = parseBuildArgs(['-t', 'a', '--tag=b', '--builder', 'x', '--builder=y', '--push', '--load=false', '.']);
    expect(values(p, 'tag')).toEqual(['a', 'b']);
    expect(lastValue(p, 'builder')).toBe('y');
    expect(boolValue(p, 'push')).toBe(true);
    expect(boolValue(p, 'load')).toBe(false);
    expect(boolValue(p, 'quiet')).toBeUndefined();
  });
});

describe('applyEdits: only the edited tokens change', () => {
  const argv = ['-qt', 'img:1', '--platform=linux/amd64,linux/arm64', '--load', '-o', 'type=docker', '--annotation', 'index,manifest:k=v', '"quoted arg"', '.'];
  const p = parseBuildArgs(argv);
  const one = (name: string) => uses(p, name)[0]!;

  const cases: Array<{ name: string; edits: ArgEdit[]; out: string[] }> = [
    { name: 'no edit', edits: [], out: argv },
    {
      name: 'insert after build',
      edits: [{ op: 'insert', at: 0, tokens: ['--build-arg', 'BUILDKIT_MULTI_PLATFORM=1'] }],
      out: ['--build-arg', 'BUILDKIT_MULTI_PLATFORM=1', ...argv],
    },
    { name: 'remove a long bool', edits: [{ op: 'remove', use: one('load') }], out: argv.filter((a) => a !== '--load') },
    {
      name: 'remove a short value flag with its value token',
      edits: [{ op: 'remove', use: one('output') }],
      out: argv.filter((a) => a !== '-o' && a !== 'type=docker'),
    },
    { name: 'remove a cluster member taking the next token', edits: [{ op: 'remove', use: one('tag') }], out: ['-q', ...argv.slice(2)] },
    { name: 'remove the bool of a cluster', edits: [{ op: 'remove', use: one('quiet') }], out: ['-t', ...argv.slice(1)] },
    {
      name: 'set a value written with =',
      edits: [{ op: 'set-value', use: one('platform'), value: 'linux/arm64' }],
      out: [argv[0]!, argv[1]!, '--platform=linux/arm64', ...argv.slice(3)],
    },
    {
      name: 'set a value in the next token',
      edits: [{ op: 'set-value', use: one('tag'), value: 'img:1-linux-arm64' }],
      out: ['-qt', 'img:1-linux-arm64', ...argv.slice(2)],
    },
    {
      name: 'replace one flag with two, in place',
      edits: [{ op: 'replace', use: one('annotation'), tokens: ['--annotation=index:k=v', '--annotation=manifest:k=v'] }],
      out: [...argv.slice(0, 6), '--annotation=index:k=v', '--annotation=manifest:k=v', ...argv.slice(8)],
    },
  ];
  it.each(cases)('$name', ({ edits, out }) => {
    expect(applyEdits(argv, edits)).toEqual(out);
  });

  it('set-value keeps -tVALUE, -t=VALUE and cluster syntax', () => {
    for (const [tok, want] of [
      ['-ta', '-tb'],
      ['-t=a', '-t=b'],
      ['-qta', '-qtb'],
      ['-qt=a', '-qt=b'],
      ['--tag=a', '--tag=b'],
    ] as const) {
      const q = parseBuildArgs([tok, '.']);
      expect(applyEdits([tok, '.'], [{ op: 'set-value', use: uses(q, 'tag')[0]!, value: 'b' }])).toEqual([want, '.']);
    }
  });

  it('removing every member of a cluster drops the token', () => {
    const q = parseBuildArgs(['-qD', '.']);
    expect(
      applyEdits(
        ['-qD', '.'],
        q.flags.map((use) => ({ op: 'remove' as const, use })),
      ),
    ).toEqual(['.']);
  });
});

describe('shellQuote', () => {
  it('quotes only what needs it', () => {
    expect(shellQuote(['docker', 'buildx', 'build', '-t', 'a:1', "it's", '', 'type=oci,dest=x y'])).toBe(
      "docker buildx build -t a:1 'it'\\''s' '' 'type=oci,dest=x y'",
    );
  });
});
