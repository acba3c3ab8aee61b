import { describe, expect, it } from 'vitest';
import { DEFAULT_REGISTRY_TIMEOUT_S, isTransient, registryTimeoutMs } from '../../../src/registry/imagetools.js';
import { UsageError } from '../../../src/errors.js';

describe('which failed reads are retried', () => {
  it.each([
    ['failed to do request: Head "http://r/v2/a/manifests/v1": read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer', true],
    ['unexpected status from GET request to http://r/v2/a/manifests/v1: 503 Service Unavailable', true],
    ['unexpected status from GET request to http://r/v2/a/manifests/v1: 500 Internal Server Error', true],
    ['failed to do request: Get "http://r/v2/": EOF', true],
    ['no answer within 2 s (OCIFIX_REGISTRY_TIMEOUT)', true],
    ['r/a:v1: not found', false],
    ['failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized', false],
    ['dial tcp 127.0.0.1:9: connect: connection refused', false],
  ])('%s → %s', (msg, want) => {
    expect(isTransient(msg)).toBe(want);
  });
});

describe('OCIFIX_REGISTRY_TIMEOUT', () => {
  it('default, seconds, fractions', () => {
    expect(registryTimeoutMs({})).toBe(DEFAULT_REGISTRY_TIMEOUT_S * 1000);
    expect(registryTimeoutMs({ OCIFIX_REGISTRY_TIMEOUT: '5' })).toBe(5000);
    expect(registryTimeoutMs({ OCIFIX_REGISTRY_TIMEOUT: '0.5' })).toBe(500);
  });
  it('a bad value names the variable and the fix', () => {
    for (const v of ['0', '-1', 'soon']) {
      expect(() => registryTimeoutMs({ OCIFIX_REGISTRY_TIMEOUT: v })).toThrow(UsageError);
      expect(() => registryTimeoutMs({ OCIFIX_REGISTRY_TIMEOUT: v })).toThrow(/OCIFIX_REGISTRY_TIMEOUT=.*expected a number of seconds greater than 0/);
    }
  });
});

describe('the settle before a read-back', () => {
  it("one write's duration, 100 ms to 1 s; OCIFIX_REGISTRY_SETTLE_MS overrides (0 = none)", async () => {
    const { settleMs } = await import('../../../src/registry/imagetools.js');
    expect(settleMs(20, {})).toBe(100);
    expect(settleMs(350, {})).toBe(350);
    expect(settleMs(5000, {})).toBe(1000);
    expect(settleMs(350, { OCIFIX_REGISTRY_SETTLE_MS: '0' })).toBe(0);
    expect(settleMs(350, { OCIFIX_REGISTRY_SETTLE_MS: '50' })).toBe(50);
    for (const v of ['-1', 'later'])
      expect(() => settleMs(350, { OCIFIX_REGISTRY_SETTLE_MS: v })).toThrow(/OCIFIX_REGISTRY_SETTLE_MS=.*expected a number of milliseconds/);
  });
});
