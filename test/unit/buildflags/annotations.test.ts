import { describe, expect, it } from 'vitest';
import {
  AnnotationSyntaxError,
  annotationId,
  formatAnnotation,
  parseAnnotation,
  parseAnnotations,
  parseLegacyAnnotation,
  toLegacyFlags,
  type Annotation,
} from '../../../src/buildflags/annotations.js';
import { formatPlatform, goQuote, hostArch, parsePlatform, PlatformSyntaxError } from '../../../src/buildflags/platform.js';
import { EXIT_USAGE } from '../../../src/errors.js';
import { caught } from '../../support/caught.js';

describe('parseAnnotation (buildx v0.16+ grammar)', () => {
  const ok: Array<[string, Array<Partial<Annotation>>]> = [
    ['k=v', [{ type: '', key: 'k', value: 'v' }]],
    ['org.opencontainers.image.title=Hello, world', [{ type: '', key: 'org.opencontainers.image.title', value: 'Hello, world' }]],
    ['k=a=b:c,d', [{ type: '', key: 'k', value: 'a=b:c,d' }]],
    ['k=', [{ type: '', key: 'k', value: '' }]],
    ['index:k=v', [{ type: 'index', key: 'k', value: 'v' }]],
    ['manifest:k=v', [{ type: 'manifest', key: 'k', value: 'v' }]],
    ['index-descriptor:k=v', [{ type: 'index-descriptor', key: 'k', value: 'v' }]],
    ['manifest-descriptor:k=v', [{ type: 'manifest-descriptor', key: 'k', value: 'v' }]],
    ['manifest:a:b=v', [{ type: 'manifest', key: 'a:b', value: 'v' }]],
    [
      'index,manifest:k=v',
      [
        { type: 'index', key: 'k', value: 'v' },
        { type: 'manifest', key: 'k', value: 'v' },
      ],
    ],
    [
      'manifest[linux/amd64],manifest-descriptor[linux/arm64/v8]:k=v',
      [
        { type: 'manifest', platform: { os: 'linux', architecture: 'amd64' }, platformSpec: 'linux/amd64', key: 'k' },
        { type: 'manifest-descriptor', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, platformSpec: 'linux/arm64/v8', key: 'k' },
      ],
    ],
    ['manifest[linux/x86_64]:k=v', [{ type: 'manifest', platform: { os: 'linux', architecture: 'amd64' } }]],
    ['manifest[linux/arm]:k=v', [{ type: 'manifest', platform: { os: 'linux', architecture: 'arm' } }]],
    ['manifest[linux/arm/v7]:k=v', [{ type: 'manifest', platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }]],
    ['manifest[linux/arm64]:k=v', [{ type: 'manifest', platform: { os: 'linux', architecture: 'arm64' } }]],
    ['index:=v', [{ type: 'index', key: '', value: 'v' }]],
  ];
  it.each(ok)('%s', (input, expected) => {
    const got = parseAnnotation(input);
    expect(got).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(got[i]).toMatchObject(e));
  });

  it('empty input yields nothing (buildx skips it)', () => {
    expect(parseAnnotation('')).toEqual([]);
  });

  // The exact strings buildx v0.36.1 prints (after its "failed to parse annotations: " / "parse annotations: " prefix).
  const bad: Array<[string, string]> = [
    ['novalue', 'invalid annotation "novalue", expected key=value'],
    ['index:novalue', 'invalid annotation "index:novalue", expected key=value'],
    ['com.example:x=1', 'invalid annotation type "com.example", expected type and optional platform in square brackets'],
    [':k=v', 'invalid annotation type "", expected type and optional platform in square brackets'],
    ['index,:k=v', 'invalid annotation type "", expected type and optional platform in square brackets'],
    ['Index:k=v', 'invalid annotation type "Index", expected type and optional platform in square brackets'],
    ['manifest[linux/amd64.1]:k=v', 'invalid annotation type "manifest[linux/amd64.1]", expected type and optional platform in square brackets'],
    ['manifest[*]:k=v', 'invalid annotation type "manifest[*]", expected type and optional platform in square brackets'],
    ['foo:k=v', 'unknown annotation type "foo"'],
    ['index,bogus:k=v', 'unknown annotation type "bogus"'],
    ['manifest[bogus]:k=v', 'invalid platform "bogus": "bogus": unknown operating system or architecture: invalid argument'],
    ['manifest[linux/amd64/v2/x]:k=v', 'invalid platform "linux/amd64/v2/x": "linux/amd64/v2/x": cannot parse platform specifier: invalid argument'],
    [
      'manifest[linux//amd64]:k=v',
      'invalid platform "linux//amd64": "" is an invalid component of "linux//amd64": platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument',
    ],
    [
      'manifest[/amd64]:k=v',
      'invalid platform "/amd64": "" is an invalid OS component of "/amd64": OSAndVersion specifier component must match "^([A-Za-z0-9_-]+)(?:\\\\(([A-Za-z0-9_.%-]*)((?:\\\\+[A-Za-z0-9_.%-]+)*)\\\\))?$": invalid argument',
    ],
  ];
  it.each(bad)('%s → buildx error', (input, message) => {
    const err = caught(() => parseAnnotation(input));
    expect(err).toBeInstanceOf(AnnotationSyntaxError);
    expect((err as AnnotationSyntaxError).message).toBe(message);
    expect((err as AnnotationSyntaxError).exitCode).toBe(EXIT_USAGE);
  });
});

describe('parseAnnotations', () => {
  it('skips empty values and keeps the last value per (type, platform, key)', () => {
    const got = parseAnnotations(['index:a=1', '', 'index,manifest:a=2', 'manifest[linux/x86_64]:b=1', 'manifest[linux/amd64]:b=2']);
    expect(got.map(formatAnnotation)).toEqual(['index:a=2', 'manifest:a=2', 'manifest[linux/x86_64]:b=2']);
  });
  it('annotationId ignores how the platform was spelled', () => {
    const [a] = parseAnnotation('manifest[linux/x86_64]:k=v');
    const [b] = parseAnnotation('manifest[linux/amd64]:k=w');
    expect(annotationId(a!)).toBe(annotationId(b!));
  });
});

describe('formatAnnotation', () => {
  const inputs = [
    'k=v',
    'index:k=v',
    'manifest:a:b=c=d',
    'manifest-descriptor[linux/arm64]:org.example=x, y',
    'index-descriptor:k=',
    'manifest[linux/arm/v7]:k=v',
  ];
  it.each(inputs)('round-trips %s', (input) => {
    const parsed = parseAnnotation(input);
    expect(parsed.map(formatAnnotation).join('|')).toBe(input);
    expect(parsed.flatMap((a) => parseAnnotation(formatAnnotation(a)))).toEqual(parsed);
  });
  it('formats a constructed annotation with a normalized platform', () => {
    expect(formatAnnotation({ type: 'manifest-descriptor', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, key: 'k', value: 'v' })).toBe(
      'manifest-descriptor[linux/arm64/v8]:k=v',
    );
  });
  it('refuses what the grammar cannot express', () => {
    expect(() => formatAnnotation({ type: '', key: 'a:b', value: 'v' })).toThrow(/contains ":"/);
    expect(() => formatAnnotation({ type: 'index', key: 'a=b', value: 'v' })).toThrow(/contains "="/);
    expect(() => formatAnnotation({ type: '', platform: { os: 'linux', architecture: 'amd64' }, key: 'k', value: 'v' })).toThrow(/platform/);
  });
});

describe('legacy grammar (buildx v0.12–v0.15)', () => {
  it('parses a single typed prefix', () => {
    expect(parseLegacyAnnotation('manifest[linux/amd64]:a:b=v')).toMatchObject({
      type: 'manifest',
      key: 'a:b',
      value: 'v',
      platform: { os: 'linux', architecture: 'amd64' },
    });
    expect(parseLegacyAnnotation('k=v')).toMatchObject({ type: '', key: 'k', value: 'v' });
  });
  it('treats a multi-type prefix as part of the key (the pre-v0.16 bug)', () => {
    expect(parseLegacyAnnotation('index,manifest:k=v')).toMatchObject({ type: '', key: 'index,manifest:k', value: 'v' });
  });
  it.each([
    ['novalue', 'invalid annotation "novalue", expected key=value'],
    ['my key=v', 'invalid annotation format, expected <type>:<key>=<value>, got "my key=v"'],
    ['=v', 'invalid annotation format, expected <type>:<key>=<value>, got "=v"'],
    ['foo:k=v', 'unknown annotation type "foo"'],
  ])('%s → %s', (input, message) => {
    expect(() => parseLegacyAnnotation(input)).toThrow(message);
  });
  it('toLegacyFlags splits multi-type flags into one flag per type', () => {
    expect(toLegacyFlags(['index,manifest:k=v', 'manifest-descriptor[linux/arm64],index:t=a,b', 'plain=1', ''])).toEqual([
      'index:k=v',
      'manifest:k=v',
      'manifest-descriptor[linux/arm64]:t=a,b',
      'index:t=a,b',
      'plain=1',
    ]);
  });
  it('toLegacyFlags: every rewritten flag means the same to the old parser', () => {
    const flags = ['index,manifest:org.example.a=1', 'manifest[linux/arm64],manifest-descriptor:b:c=x=y'];
    const expected = parseAnnotations(flags);
    const legacy = toLegacyFlags(flags).map(parseLegacyAnnotation);
    expect(legacy).toEqual(expected);
  });
  it('toLegacyFlags refuses keys the old parser cannot read', () => {
    expect(() => toLegacyFlags(['index:my key=v'])).toThrow(AnnotationSyntaxError);
    expect(() => toLegacyFlags(['index:=v'])).toThrow(AnnotationSyntaxError);
  });
  it('toLegacyFlags reports current-grammar errors', () => {
    expect(() => toLegacyFlags(['bogus:k=v'])).toThrow('unknown annotation type "bogus"');
  });
});

describe('parsePlatform (containerd platforms.Parse)', () => {
  it.each([
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
    ['linux/x86_64', { os: 'linux', architecture: 'amd64' }],
    ['Linux/AMD64', { os: 'linux', architecture: 'amd64' }],
    ['linux/amd64/v1', { os: 'linux', architecture: 'amd64' }],
    ['linux/amd64/v3', { os: 'linux', architecture: 'amd64', variant: 'v3' }],
    ['linux/aarch64', { os: 'linux', architecture: 'arm64' }],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['linux/armhf', { os: 'linux', architecture: 'arm' }],
    ['linux/armel', { os: 'linux', architecture: 'arm', variant: 'v6' }],
    ['linux/arm/7', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['linux/i386', { os: 'linux', architecture: '386' }],
    ['macos/arm64', { os: 'darwin', architecture: 'arm64' }],
    ['windows(10.0.17763)/amd64', { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763' }],
    ['linux', { os: 'linux', architecture: hostArch() }],
    ['unknown/unknown', { os: 'unknown', architecture: 'unknown' }],
  ])('%s', (spec, expected) => {
    expect(parsePlatform(spec)).toEqual(expected);
  });
  it('a lone architecture gets the host OS', () => {
    expect(parsePlatform('arm64')).toMatchObject({ architecture: 'arm64' });
  });
  it.each([
    ['bogus', '"bogus": unknown operating system or architecture: invalid argument'],
    ['linux/*', '"linux/*": wildcards not yet supported: invalid argument'],
    ['a/b/c/d', '"a/b/c/d": cannot parse platform specifier: invalid argument'],
    ['a/b/c/d/e', '"d/e" is an invalid component of "a/b/c/d/e": platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument'],
    ['linux/', '"" is an invalid component of "linux/": platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument'],
  ])('%s → %s', (spec, message) => {
    expect(() => parsePlatform(spec)).toThrow(PlatformSyntaxError);
    expect(() => parsePlatform(spec)).toThrow(message);
  });
  it('formatPlatform', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' })).toBe('linux/arm/v7');
    expect(formatPlatform({ os: 'linux', architecture: 'amd64' })).toBe('linux/amd64');
    expect(formatPlatform(undefined)).toBe('unknown');
    expect(formatPlatform({ os: '', architecture: 'amd64' })).toBe('unknown');
  });
  it('goQuote matches Go %q', () => {
    expect(goQuote('a"b\\c\n\x01é')).toBe('"a\\"b\\\\c\\n\\x01é"');
  });
});
