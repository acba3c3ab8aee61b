import { describe, expect, it } from 'vitest';
import { parseBuildArgs } from '../../../src/buildflags/args.js';
import { UsageError } from '../../../src/errors.js';
import { parseOcifixOptions } from '../../../src/build/options.js';
import { planBuild } from '../../../src/build/planner.js';

describe('parseOcifixOptions: --ocifix-* out of the build argv, OCIFIX_* underneath', () => {
  const cases: Array<{ args: string[]; env?: Record<string, string>; rest: string[]; want: Record<string, unknown> }> = [
    { args: ['-t', 'a', '.'], rest: ['-t', 'a', '.'], want: { quiet: false, policy: { indexAnnotations: 'force-index', load: 'native' } } },
    { args: ['--ocifix-explain', '.'], rest: ['.'], want: { explain: 'text' } },
    { args: ['--ocifix-explain=json', '.'], rest: ['.'], want: { explain: 'json' } },
    { args: ['.', '--ocifix-explain=false'], rest: ['.'], want: { quiet: false } },
    { args: ['--ocifix-quiet', '--push', '.'], rest: ['--push', '.'], want: { quiet: true } },
    { args: ['--ocifix-load', 'split', '--load', '.'], rest: ['--load', '.'], want: { policy: { indexAnnotations: 'force-index', load: 'split' } } },
    { args: ['--ocifix-index-annotations=fail', '.'], rest: ['.'], want: { policy: { indexAnnotations: 'fail', load: 'native' } } },
    { args: ['--ocifix-keep-tag=v2', '.'], rest: ['.'], want: { policy: { indexAnnotations: 'force-index', load: 'native', keepTag: 'v2' } } },
    // a tag value that looks like an ocifix option is a tag; after `--` nothing is ours
    { args: ['-t', '--ocifix-quiet', '.'], rest: ['-t', '--ocifix-quiet', '.'], want: { quiet: false } },
    { args: ['--', '--ocifix-quiet'], rest: ['--', '--ocifix-quiet'], want: { quiet: false } },
    // environment twins; the command line wins
    { args: ['.'], env: { OCIFIX_LOAD: 'cacheonly', OCIFIX_QUIET: '1', OCIFIX_EXPLAIN: 'json' }, rest: ['.'], want: { quiet: true, explain: 'json', policy: { indexAnnotations: 'force-index', load: 'cacheonly' } } },
    { args: ['--ocifix-load=error', '.'], env: { OCIFIX_LOAD: 'split' }, rest: ['.'], want: { policy: { indexAnnotations: 'force-index', load: 'error' } } },
  ];
  it.each(cases)('$args $env', ({ args, env, rest, want }) => {
    const o = parseOcifixOptions(args, env ?? {});
    expect(o.rest).toEqual(rest);
    // the rest comes parsed, exactly as parseBuildArgs would (the planner reuses it)
    expect(o.parsed).toEqual(parseBuildArgs(rest));
    expect(o).toMatchObject(want);
    if (!('explain' in want)) expect(o.explain).toBeUndefined();
  });

  it.each([
    [['--ocifix-load=sometimes', '.'], 'invalid value "sometimes" for --ocifix-load: expected one of native, split, cacheonly, error'],
    [['--ocifix-explain=yaml', '.'], 'invalid value "yaml" for --ocifix-explain'],
    [['--ocifix-frobnicate', '.'], 'unknown ocifix option --ocifix-frobnicate'],
    [['.', '--ocifix-load'], '--ocifix-load needs a value'],
  ])('%j → usage error', (args, message) => {
    expect(() => parseOcifixOptions(args, {})).toThrow(UsageError);
    expect(() => parseOcifixOptions(args, {})).toThrow(message);
  });

  it('a bad environment value names the variable, when a fix reads it (not before: it is set for every build)', () => {
    const o = parseOcifixOptions(['.'], { OCIFIX_INDEX_ANNOTATIONS: 'maybe', OCIFIX_LOAD: 'bogus' });
    expect(() => o.policy.indexAnnotations).toThrow('for OCIFIX_INDEX_ANNOTATIONS');
    expect(() => o.policy.load).toThrow('invalid value "bogus" for OCIFIX_LOAD: expected one of native, split, cacheonly, error');
    // the command line is checked at once
    expect(() => parseOcifixOptions(['--ocifix-load=bogus', '.'], {})).toThrow('for --ocifix-load');
  });

  it('OCIFIX_LOAD=bogus fails only the builds that --load several platforms', () => {
    const env = { OCIFIX_LOAD: 'bogus' };
    const plain = parseOcifixOptions(['--push', '-t', 'r/a', '.'], env);
    expect(planBuild({ args: plain.rest, env: {}, policy: plain.policy, facts: {}, tempMetadataFile: '/tmp/m' }).kind).toBe('plan');
    const load = parseOcifixOptions(['--platform', 'linux/amd64,linux/arm64', '--load', '.'], env);
    const facts = { builder: { name: 's', driver: 'remote', nodes: [] }, daemon: { containerdStore: false, platform: 'linux/amd64' } };
    expect(() => planBuild({ args: load.rest, env: {}, policy: load.policy, facts, tempMetadataFile: '/tmp/m' })).toThrow(UsageError);
  });
});
