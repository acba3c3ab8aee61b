import { describe, expect, it } from 'vitest';
import { Cancellation } from '../../../src/exec/signals.js';

function child() {
  const got: string[] = [];
  return { got, kill: (s?: NodeJS.Signals) => (got.push(s ?? 'SIGTERM'), true) };
}

describe('Cancellation: what reaches the running child', () => {
  it('not on a terminal: SIGINT is forwarded once, then the third request kills', () => {
    const c = new Cancellation({ terminal: false });
    const k = child();
    c.track(k);
    c.signal('SIGINT');
    c.signal('SIGINT');
    expect(k.got).toEqual(['SIGINT']);
    c.signal('SIGINT');
    expect(k.got).toEqual(['SIGINT', 'SIGKILL']);
    expect(c.received).toBe('SIGINT');
  });

  it('one Ctrl-C seen twice (SIGINT and the socket EOF) counts once toward the forced kill', () => {
    const c = new Cancellation({ terminal: false });
    const k = child();
    c.track(k);
    c.signal('SIGINT');
    c.cancel('SIGTERM'); // the docker CLI closed the plugin socket for the same Ctrl-C
    c.signal('SIGINT');
    expect(k.got).toEqual(['SIGINT']);
    c.signal('SIGINT');
    expect(k.got).toEqual(['SIGINT', 'SIGKILL']);
  });

  it('on a terminal: Ctrl-C already reached the group, so it is not sent again', () => {
    const c = new Cancellation({ terminal: true });
    const k = child();
    c.track(k);
    c.signal('SIGINT');
    expect(k.got).toEqual([]);
    expect(c.received).toBe('SIGINT');
  });

  it('a socket EOF or SIGTERM is forwarded even on a terminal', () => {
    const c = new Cancellation({ terminal: true });
    const k = child();
    c.track(k);
    c.cancel('SIGTERM');
    expect(k.got).toEqual(['SIGTERM']);
  });

  it('a child started after the cancel gets the signal at once', () => {
    const c = new Cancellation({ terminal: false });
    c.cancel('SIGTERM');
    const k = child();
    c.track(k);
    expect(k.got).toEqual(['SIGTERM']);
  });

  it('a released child gets nothing more', () => {
    const c = new Cancellation({ terminal: false });
    const k = child();
    const release = c.track(k);
    release();
    c.cancel('SIGINT');
    expect(k.got).toEqual([]);
  });
});
