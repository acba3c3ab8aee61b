import { Command, Option } from 'clipanion';
import { describe, expect, it } from 'vitest';
import type { OcifixContext } from '../../../src/cli/context.js';
import { OcifixError, UsageError } from '../../../src/errors.js';
import { runInProcess } from '../../support/run-in-process.js';

class Boom extends Command<OcifixContext> {
  static override paths = [['boom']];
  kind = Option.String('--kind', 'bug');
  async execute(): Promise<number> {
    if (this.kind === 'usage') throw new UsageError('--kind usage: pick another kind');
    if (this.kind === 'user') throw new OcifixError('the registry at 127.0.0.1:5000 did not answer; start it', 1);
    throw new TypeError('cannot read properties of undefined');
  }
}

function run(args: string[], debug: boolean) {
  return runInProcess(args, { debug, extra: Boom });
}

describe('error reporting keeps stdout clean and hides stacks unless -D', () => {
  it('parse errors: exit 125, one line on stderr', async () => {
    const r = await run(['boom', '--nope'], false);
    expect(r.code).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('docker ocifix: Unsupported option name ("--nope")');
  });

  it('UsageError: exit 125, no stack', async () => {
    const r = await run(['boom', '--kind', 'usage'], true);
    expect(r).toMatchObject({ code: 125, stdout: '' });
    expect(r.stderr).toBe('docker ocifix: --kind usage: pick another kind\n');
  });

  it('OcifixError: its own exit code, message only, even with -D', async () => {
    const r = await run(['boom', '--kind', 'user'], true);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe('docker ocifix: the registry at 127.0.0.1:5000 did not answer; start it\n');
  });

  it('internal error: no stack by default, a hint to use -D', async () => {
    const r = await run(['boom'], false);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('internal error: cannot read properties of undefined');
    expect(r.stderr).toContain('-D');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('internal error with -D: the stack is printed', async () => {
    const r = await run(['boom'], true);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/TypeError: cannot read properties of undefined\n\s+at /);
  });
});
