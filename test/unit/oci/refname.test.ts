import { describe, expect, it } from 'vitest';
import {
  isValidRefName,
  looksLikeFullName,
  namesOfAnnotations,
  normalizeImageName,
  parseRefSelector,
  selectorMatches,
  tagOf,
} from '../../../src/oci/refname.js';

describe('isValidRefName: OCI image-spec ref.name grammar', () => {
  it.each(['1', 'v1', 'latest', 'v1.2.3', 'a-b', 'a--b', 'a_b', 'a:b', 'a@b', 'a+b', 'A9', 'docker.io/library/a:1', 'x/y/z'])('accepts %s', (s) => {
    expect(isValidRefName(s)).toBe(true);
  });
  it.each(['', 'a,b', 'docker.io/library/a:1,docker.io/library/a:2', '-a', 'a-', 'a..b', 'a---b', 'a b', '/a', 'a/', 'a//b', '_a', 'v1_', 'é'])(
    'rejects %j',
    (s) => {
      expect(isValidRefName(s)).toBe(false);
    },
  );
});

describe('docker name normalization', () => {
  it.each([
    ['a:1', 'docker.io/library/a:1'],
    ['a', 'docker.io/library/a:latest'],
    ['user/a:2', 'docker.io/user/a:2'],
    ['docker.io/library/a:1', 'docker.io/library/a:1'],
    ['index.docker.io/a:1', 'docker.io/library/a:1'],
    ['127.0.0.1:5000/x/y:v1', '127.0.0.1:5000/x/y:v1'],
    ['localhost/a:1', 'localhost/a:1'],
    ['ghcr.io/o/a:1', 'ghcr.io/o/a:1'],
    [`a@sha256:${'a'.repeat(64)}`, `docker.io/library/a@sha256:${'a'.repeat(64)}`],
  ])('%s → %s', (input, want) => {
    expect(normalizeImageName(input)).toBe(want);
  });
  it.each(['A:1', 'a:-x', '', 'a b:1', 'a:1:2/x'])('rejects %j', (s) => {
    expect(normalizeImageName(s)).toBeUndefined();
  });
  it('tagOf', () => {
    expect(tagOf('docker.io/library/a:1')).toBe('1');
    expect(tagOf('127.0.0.1:5000/a')).toBe('latest');
    expect(tagOf(`a@sha256:${'a'.repeat(64)}`)).toBeUndefined();
  });
  it('looksLikeFullName', () => {
    expect(looksLikeFullName('docker.io/library/a:1')).toBe(true);
    expect(looksLikeFullName('a:1')).toBe(true);
    expect(looksLikeFullName('1')).toBe(false);
    expect(looksLikeFullName('latest')).toBe(false);
  });
});

describe('namesOfAnnotations: the names one index.json entry carries', () => {
  const R = 'org.opencontainers.image.ref.name';
  const C = 'io.containerd.image.name';
  it('buildx ≥ 0.20 entry: tag + full name', () => {
    expect(namesOfAnnotations({ [R]: '1', [C]: 'docker.io/library/a:1' })).toEqual([{ tag: '1', full: 'docker.io/library/a:1' }]);
  });
  it('buildx ≤ 0.19 directory entry: comma-joined full names', () => {
    expect(namesOfAnnotations({ [R]: 'docker.io/library/a:1,docker.io/library/a:2' })).toEqual([
      { tag: '1', full: 'docker.io/library/a:1' },
      { tag: '2', full: 'docker.io/library/a:2' },
    ]);
  });
  it('comma-joined with spaces and familiar names', () => {
    expect(namesOfAnnotations({ [R]: 'a:1, a:2' })).toEqual([
      { tag: '1', full: 'docker.io/library/a:1' },
      { tag: '2', full: 'docker.io/library/a:2' },
    ]);
  });
  it('single full name in ref.name', () => {
    expect(namesOfAnnotations({ [R]: 'docker.io/library/a:1' })).toEqual([{ tag: '1', full: 'docker.io/library/a:1' }]);
  });
  it('tag only, no name', () => {
    expect(namesOfAnnotations({ [R]: 'latest' })).toEqual([{ tag: 'latest' }]);
    expect(namesOfAnnotations(undefined)).toEqual([]);
    expect(namesOfAnnotations({})).toEqual([]);
  });
  it('containerd name only', () => {
    expect(namesOfAnnotations({ [C]: 'docker.io/library/a:3' })).toEqual([{ tag: '3', full: 'docker.io/library/a:3' }]);
  });
  it('inconsistent pair becomes two names', () => {
    expect(namesOfAnnotations({ [R]: 'v1', [C]: 'docker.io/library/a:2' })).toEqual([{ tag: 'v1' }, { tag: '2', full: 'docker.io/library/a:2' }]);
  });
});

describe('parseRefSelector (--ref)', () => {
  it('tag', () => {
    expect(parseRefSelector('2')).toEqual({ kind: 'tag', tag: '2', raw: '2' });
  });
  it('full name, normalized the docker way', () => {
    expect(parseRefSelector('a:2')).toEqual({ kind: 'full', name: { tag: '2', full: 'docker.io/library/a:2' }, raw: 'a:2' });
  });
  it.each(['a,b', 'v1_', 'A:1', `a@sha256:${'a'.repeat(64)}`, '-x'])('rejects %j with a message', (s) => {
    expect(typeof parseRefSelector(s)).toBe('string');
  });
  it("an invalid image name carries the reference parser's (buildx's) message", () => {
    expect(parseRefSelector('Bad/Ref:1')).toBe(
      '--ref "Bad/Ref:1" is not a valid image name: invalid reference format: repository name (Ref) must be lowercase',
    );
  });
  it('matching', () => {
    const tag = parseRefSelector('2') as Exclude<ReturnType<typeof parseRefSelector>, string>;
    const full = parseRefSelector('a:2') as Exclude<ReturnType<typeof parseRefSelector>, string>;
    expect(selectorMatches(tag, { tag: '2', full: 'docker.io/library/b:2' })).toBe(true);
    expect(selectorMatches(full, { tag: '2', full: 'docker.io/library/b:2' })).toBe(false);
    expect(selectorMatches(full, { tag: '2', full: 'docker.io/library/a:2' })).toBe(true);
    expect(selectorMatches(full, { tag: '2' })).toBe(true);
  });
});
