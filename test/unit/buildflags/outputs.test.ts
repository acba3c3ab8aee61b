import { describe, expect, it } from 'vitest';
import { parseBuildArgs } from '../../../src/buildflags/args.js';
import { editOutput, effectiveOutputs, formatOutput, outputAnnotations, csvFields, OutputSyntaxError, parseOutput } from '../../../src/buildflags/outputs.js';
import { parse } from 'csv-parse/sync';

describe('parseOutput: buildx ExportEntry.UnmarshalText', () => {
  const cases: Array<{ in: string; type: string; dest?: string; attrs?: Record<string, string> }> = [
    { in: 'type=oci,dest=out.tar', type: 'oci', dest: 'out.tar' },
    { in: 'type=oci,dest=dir,tar=false', type: 'oci', dest: 'dir', attrs: { tar: 'false' } },
    { in: 'type=registry', type: 'registry' },
    { in: 'type=image,"name=a:1,b:2",push=true', type: 'image', attrs: { name: 'a:1,b:2', push: 'true' } },
    { in: 'type=image,"annotation-index.k=a, b"', type: 'image', attrs: { 'annotation-index.k': 'a, b' } },
    { in: 'type=image,"annotation.k=say ""hi"""', type: 'image', attrs: { 'annotation.k': 'say "hi"' } },
    // keys lower-cased and trimmed, values verbatim
    { in: 'TYPE=docker, Name = x ', type: 'docker', attrs: { name: ' x ' } },
    { in: 'type=local,DEST=out', type: 'local', dest: 'out' },
    // bare value: local directory; '-': tar to stdout
    { in: './out', type: 'local', dest: './out' },
    { in: '-', type: 'tar', dest: '-' },
    // last one wins
    { in: 'type=oci,type=docker', type: 'docker' },
  ];
  it.each(cases)('$in', (c) => {
    const e = parseOutput(c.in);
    expect(e.type).toBe(c.type);
    expect(e.dest).toBe(c.dest);
    expect(e.attrs).toEqual(c.attrs ?? {});
  });

  it.each([
    ['type=oci,bogus', 'invalid value bogus'],
    ['dest=x,tar=false', 'type is required for output'],
    ['type=oci,', 'invalid value '],
    ['a"b', 'invalid output'],
  ])('%s → %s', (input, message) => {
    expect(() => parseOutput(input)).toThrow(OutputSyntaxError);
    expect(() => parseOutput(input)).toThrow(message);
  });

  it('formatOutput round-trips and quotes only when needed', () => {
    for (const s of ['type=oci,dest=out.tar', 'type=image,"name=a:1,b:2",push=true', 'type=image,"annotation.k=say ""hi"""', './out', '-']) {
      expect(formatOutput(parseOutput(s))).toBe(s);
    }
  });

  it('editOutput removes and sets fields in place', () => {
    const e = parseOutput('type=oci,annotation-index.a=1,dest=x,annotation-manifest.b=2,"annotation-index-descriptor.c=3,4"');
    const out = editOutput(e, { remove: (k) => k.startsWith('annotation-index') });
    expect(formatOutput(out)).toBe('type=oci,dest=x,annotation-manifest.b=2');
    expect(formatOutput(editOutput(parseOutput('type=docker,name=a,tar=false'), { set: { name: 'b,c' } }))).toBe('type=docker,"name=b,c",tar=false');
    expect(formatOutput(editOutput(parseOutput('type=docker'), { set: { name: 'b' } }))).toBe('type=docker,name=b');
  });

  it('outputAnnotations reads annotation attributes', () => {
    const e = parseOutput('type=image,annotation.a=1,annotation-index.b=2,annotation-manifest[linux/arm64].c=3,name=x');
    expect(outputAnnotations(e).map((a) => [a.type, a.platformSpec, a.key, a.value])).toEqual([
      ['', undefined, 'a', '1'],
      ['index', undefined, 'b', '2'],
      ['manifest', 'linux/arm64', 'c', '3'],
    ]);
  });
});

describe('effectiveOutputs: --output, --push, --load as buildx resolves them', () => {
  const summary = (argv: string[]) => {
    const r = effectiveOutputs(parseBuildArgs(argv));
    if (r.error) return r.error;
    return r.outputs.map(
      (o) =>
        `${o.origin.kind}:${o.type}${o.push ? '+push' : ''}${o.load ? '+load' : ''}${o.dest !== undefined ? `>${o.dest}` : ''}${o.tar ? '' : '(dir)'}[${o.names.join(' ')}]`,
    );
  };
  const cases: Array<[string[], string[] | string]> = [
    [['.'], []],
    [['--push', '-t', 'r/a:1', '.'], ['push:image+push[r/a:1]']],
    [['--push=false', '.'], []],
    [['--load', '.'], ['load:docker+load[]']],
    [['-o', 'type=registry', '-t', 'a', '-t', 'b', '.'], ['output:image+push[a b]']],
    [['-o', 'type=image,name=x', '--push', '.'], ['output:image+push[x]']],
    // tags override name=
    [['-o', 'type=image,"name=x,y"', '-t', 't', '.'], ['output:image[t]']],
    [['-o', 'type=image,"name=x, y"', '.'], ['output:image[x y]']],
    // --push with a non-image output adds an image export (buildx >= 0.13)
    [
      ['-o', 'type=oci,dest=o.tar', '--push', '-t', 'a', '.'],
      ['output:oci>o.tar[a]', 'push:image+push[a]'],
    ],
    [['-o', 'type=oci,dest=d,tar=false', '-t', 'a', '-t', 'b', '.'], ['output:oci>d(dir)[a b]']],
    // --load adds no docker export when any docker output exists (buildx RunBuild), even a tarball
    [['-o', 'type=docker', '--load', '.'], ['output:docker+load[]']],
    [['-o', 'type=docker,dest=x.tar', '--load', '.'], ['output:docker>x.tar[]']],
    [['--load', '-o', 'type=docker,dest=-', '.'], ['output:docker>-[]']],
    // ... but it does next to other exporters
    [
      ['-o', 'type=oci,dest=x.tar', '--load', '.'],
      ['output:oci>x.tar[]', 'load:docker+load[]'],
    ],
    [['-o', '-', '.'], ['output:tar>-[]']],
    [['-o', 'type=cacheonly', '.'], ['output:cacheonly[]']],
    // one field without type= is a bare value, like buildx: a local export into ./dest=x
    [['-o', 'dest=x', '.'], ['output:local>dest=x[]']],
    [['-o', 'dest=x,tar=false', '.'], 'type is required for output'],
  ];
  it.each(cases)('%j', (argv, want) => {
    expect(summary(argv)).toEqual(want);
  });
});

describe('csvFields: the unquoted fast path is exactly csv-parse', () => {
  it.each(['type=local,dest=out', 'a,,b', ',', 'type=image, name=a ,push=true', 'x', 'k=v=w,'])('%j', (v) => {
    expect(csvFields(v)).toEqual((parse(v, { relax_column_count: true, skip_empty_lines: false }) as string[][])[0]);
  });
  it('quoted values go through csv-parse', () => {
    expect(csvFields('type=image,"name=a,b","x=""y"""')).toEqual(['type=image', 'name=a,b', 'x="y"']);
    expect(() => csvFields('type=image,"name')).toThrow(OutputSyntaxError);
  });
});
