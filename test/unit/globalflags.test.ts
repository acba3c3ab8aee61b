import { describe, expect, it } from 'vitest';
import { parseGlobals, splitInvocation } from '../../src/globalflags.js';
import { caught } from '../support/caught.js';

describe('splitInvocation: docker global flags in front of the plugin name', () => {
  const cases: Array<{ argv: string[]; kind: string; forward: string[]; args: string[]; extra?: Record<string, unknown> }> = [
    { argv: [], kind: 'run', forward: [], args: [] },
    { argv: ['ocifix'], kind: 'run', forward: [], args: [] },
    { argv: ['ocifix', 'build', '-t', 'x', '.'], kind: 'run', forward: [], args: ['build', '-t', 'x', '.'] },
    { argv: ['-c', 'prod', 'ocifix', 'ls'], kind: 'run', forward: ['-c', 'prod'], args: ['ls'], extra: { context: 'prod' } },
    { argv: ['--context=prod', 'ocifix', 'ls'], kind: 'run', forward: ['--context=prod'], args: ['ls'], extra: { context: 'prod' } },
    {
      argv: ['--context', 'prod', '-D', 'ocifix', 'build', '.'],
      kind: 'run',
      forward: ['--context', 'prod', '-D'],
      args: ['build', '.'],
      extra: { context: 'prod', debug: true },
    },
    { argv: ['-cprod', 'ocifix', 'ls'], kind: 'run', forward: ['-cprod'], args: ['ls'], extra: { context: 'prod' } },
    { argv: ['-c=prod', 'ocifix', 'ls'], kind: 'run', forward: ['-c=prod'], args: ['ls'], extra: { context: 'prod' } },
    { argv: ['-Dc', 'prod', 'ocifix', 'ls'], kind: 'run', forward: ['-Dc', 'prod'], args: ['ls'], extra: { context: 'prod', debug: true } },
    { argv: ['-D', 'ocifix', 'version'], kind: 'run', forward: ['-D'], args: ['version'], extra: { debug: true } },
    { argv: ['--debug=false', 'ocifix', 'version'], kind: 'run', forward: ['--debug=false'], args: ['version'], extra: { debug: false } },
    { argv: ['--config', '/tmp/cfg', 'ocifix', 'ls'], kind: 'run', forward: ['--config', '/tmp/cfg'], args: ['ls'], extra: { config: '/tmp/cfg' } },
    {
      argv: ['-H', 'unix:///run/d.sock', 'ocifix', 'ls'],
      kind: 'run',
      forward: ['-H', 'unix:///run/d.sock'],
      args: ['ls'],
      extra: { host: 'unix:///run/d.sock' },
    },
    {
      argv: ['--host=tcp://h:2376', '--tlsverify', '--tlscacert', 'ca.pem', 'ocifix', 'ls'],
      kind: 'run',
      forward: ['--host=tcp://h:2376', '--tlsverify', '--tlscacert', 'ca.pem'],
      args: ['ls'],
    },
    { argv: ['-l', 'debug', '--tls', 'ocifix', 'ls'], kind: 'run', forward: ['-l', 'debug', '--tls'], args: ['ls'], extra: { logLevel: 'debug' } },
    { argv: ['help', 'ocifix'], kind: 'help', forward: [], args: [] },
    { argv: ['help', 'ocifix', 'build'], kind: 'help', forward: [], args: ['build'] },
    { argv: ['--help', 'ocifix'], kind: 'help', forward: [], args: [] },
    { argv: ['--help', 'ocifix', 'normalize'], kind: 'help', forward: [], args: ['normalize'] },
    { argv: ['-D', '--help', 'ocifix'], kind: 'help', forward: ['-D'], args: [] },
    { argv: ['__complete', 'ocifix', 'bu'], kind: 'complete', forward: [], args: ['bu'] },
    // standalone: no plugin name
    { argv: ['build', '.'], kind: 'run', forward: [], args: ['build', '.'] },
    // buildx's own -c (cpu-shares) after the plugin name is not a global flag
    { argv: ['ocifix', 'build', '-c', '512', '.'], kind: 'run', forward: [], args: ['build', '-c', '512', '.'] },
  ];

  it.each(cases)('$argv', ({ argv, kind, forward, args, extra }) => {
    const inv = splitInvocation(argv);
    expect(inv.kind).toBe(kind);
    expect(inv.globals.forward).toEqual(forward);
    expect(inv.kind === 'help' ? inv.topic : inv.args).toEqual(args);
    if (extra) expect(inv.globals).toMatchObject(extra);
  });

  it('leaves the metadata word alone when it is the only argument (the entry answers it)', () => {
    const inv = splitInvocation(['docker-cli-plugin-metadata']);
    expect(inv).toMatchObject({ kind: 'run', args: ['docker-cli-plugin-metadata'] });
  });
});

describe('parseGlobals: bad input is a usage error (exit 125)', () => {
  const bad: Array<[string[], string]> = [
    [['--bogus', 'ocifix'], 'unknown flag: --bogus'],
    [['-x', 'ocifix'], "unknown shorthand flag: 'x' in -x"],
    [['--context'], 'flag needs an argument: --context'],
    [['-c'], "flag needs an argument: 'c' in -c"],
    [['--debug=maybe', 'ocifix'], 'invalid argument "maybe"'],
    [['-H', 'a', '-c', 'b', 'ocifix'], 'conflicting options: cannot specify both --host and --context'],
    [['-H', 'a', '-H', 'b', 'ocifix'], 'specify only one -H'],
  ];
  it.each(bad)('%j', (argv, message) => {
    const error = caught(() => parseGlobals(argv));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(message);
    expect((error as { exitCode: number }).exitCode).toBe(125);
  });
});
