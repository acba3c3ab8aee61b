import { describe, expect, it } from 'vitest';
import { EXIT_USAGE, UsageError } from '../../../src/errors.js';
import { digestError, parseDigest, parseOciDigest, shortDigest } from '../../../src/oci/digest.js';

const HEX64 = '0'.repeat(64);

describe('go-digest rule (what buildx accepts from a user)', () => {
  it('parseDigest', () => {
    expect(parseDigest(`sha256:${HEX64}`)).toBe(`sha256:${HEX64}`);
    expect(() => parseDigest('sha256:xyz')).toThrow('invalid digest "sha256:xyz": invalid checksum digest length');
    expect(() => parseDigest('nope')).toThrow('invalid checksum digest format');
    try {
      parseDigest('nope');
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).exitCode).toBe(EXIT_USAGE);
    }
  });
  it.each([
    [`sha256:${HEX64}`, undefined],
    [`sha384:${'a'.repeat(96)}`, undefined],
    [`sha512:${'a'.repeat(128)}`, undefined],
    [`sha256:${'A'.repeat(64)}`, 'invalid checksum digest format'],
    [`md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
    ['blake3:zz', 'invalid checksum digest format'],
    ['sha256:', 'invalid checksum digest format'],
  ])('digestError(%j) → %j', (d, want) => {
    expect(digestError(d)).toBe(want);
  });
});

describe('OCI layout rule (descriptor.md)', () => {
  it('parses registered and unregistered algorithms', () => {
    expect(parseOciDigest(`sha256:${HEX64}`)).toEqual({ algorithm: 'sha256', encoded: HEX64 });
    expect(parseOciDigest('blake3:abc=_-')).toEqual({ algorithm: 'blake3', encoded: 'abc=_-' });
    expect(parseOciDigest(`sha384:${'a'.repeat(5)}`)).toEqual({ algorithm: 'sha384', encoded: 'aaaaa' });
  });
  it('checks sha256 and sha512 strictly', () => {
    expect(parseOciDigest('sha256:abc')).toBe('"sha256:abc" is not a valid sha256 digest (64 lowercase hex digits)');
    expect(parseOciDigest(`sha512:${'A'.repeat(128)}`)).toBe(`"sha512:${'A'.repeat(128)}" is not a valid sha512 digest (128 lowercase hex digits)`);
  });
  it('rejects what is not algorithm:encoded', () => {
    expect(parseOciDigest('nope')).toBe('"nope" is not a digest (algorithm:encoded)');
    expect(parseOciDigest('SHA256:abc')).toBe('"SHA256:abc" is not a digest (algorithm:encoded)');
  });
});

describe('shortDigest', () => {
  it('keeps the algorithm and 12 characters', () => {
    expect(shortDigest(`sha256:0123456789abcdef${'0'.repeat(48)}`)).toBe('sha256:0123456789ab');
    expect(shortDigest('sha256:abc')).toBe('sha256:abc');
    expect(shortDigest('nodigest')).toBe('nodigest');
  });
});
