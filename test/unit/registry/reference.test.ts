import { describe, expect, it } from 'vitest';
import { formatReference, parseReference, ReferenceSyntaxError } from '../../../src/registry/reference.js';
import { EXIT_USAGE } from '../../../src/errors.js';
import { caught } from '../../support/caught.js';

describe('parseReference (distribution/reference ParseNormalizedNamed + TagNameOnly)', () => {
  it.each([
    ['ubuntu', 'docker.io/library/ubuntu:latest'],
    ['ubuntu:22.04', 'docker.io/library/ubuntu:22.04'],
    ['user/app', 'docker.io/user/app:latest'],
    ['index.docker.io/user/app:1', 'docker.io/user/app:1'],
    ['localhost/app', 'localhost/app:latest'],
    ['127.0.0.1:5000/a/b:v1', '127.0.0.1:5000/a/b:v1'],
    ['[::1]:5000/a:v1', '[::1]:5000/a:v1'],
    ['Registry.Example.com/app:v1', 'Registry.Example.com/app:v1'],
    [`127.0.0.1:5000/a@sha256:${'a'.repeat(64)}`, `127.0.0.1:5000/a@sha256:${'a'.repeat(64)}`],
    [`127.0.0.1:5000/a:t@sha256:${'a'.repeat(64)}`, `127.0.0.1:5000/a:t@sha256:${'a'.repeat(64)}`],
    ['a/b__c/d-e--f.g:T_a.g-1', 'docker.io/a/b__c/d-e--f.g:T_a.g-1'],
  ])('%s → %s', (input, expected) => {
    expect(formatReference(parseReference(input))).toBe(expected);
  });

  // Messages as `docker buildx imagetools inspect` prints them after "ERROR: ".
  it.each([
    ['Bad/Ref', 'invalid reference format: repository name (Ref) must be lowercase'],
    ['UPPER', 'invalid reference format: repository name (library/UPPER) must be lowercase'],
    ['', 'invalid reference format'],
    ['a:b:c', 'invalid reference format'],
    ['127.0.0.1:5000/a/b:bad tag', 'invalid reference format'],
    ['127.0.0.1:5000/-a', 'invalid reference format'],
    ['a@sha256:abc', 'invalid reference format'],
    [`a@sha256:${'a'.repeat(63)}Z`, 'invalid reference format'],
    [`a@sha256:${'a'.repeat(65)}`, 'invalid checksum digest length'],
    [`a@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
    ['a'.repeat(64), `invalid repository name (${'a'.repeat(64)}), cannot specify 64-byte hexadecimal strings`],
    [`x.io/${'a'.repeat(256)}`, 'repository name must not be more than 255 characters'],
  ])('%j → %s', (input, message) => {
    const err = caught(() => parseReference(input));
    expect(err).toBeInstanceOf(ReferenceSyntaxError);
    expect((err as Error).message).toBe(message);
    expect((err as ReferenceSyntaxError).exitCode).toBe(EXIT_USAGE);
  });
});
