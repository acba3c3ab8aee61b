/**
 * The hook's answer for the requests the docker CLI really sends. Flag shapes were captured from
 * docker 28.2.2: for a plugin command (`buildx build`) argv is split naively, so `-t a` is "t" and
 * `--platform=linux/arm64` is "platform=linux/arm64"; builtins send long names only.
 */
import { describe, expect, it } from 'vitest';
import { hintFor, hookAnswer } from '../../../src/hooks/hint.js';

const flags = (...names: string[]): Record<string, string> => Object.fromEntries(names.map((n) => [n, '']));
const req = (names: string[], extra: { RootCmd?: string; CommandError?: string } = {}) => ({ RootCmd: 'buildx build', Flags: flags(...names), ...extra });

describe('hook hints', () => {
  it('annotation without platform → the index-annotation hint naming docker ocifix build', () => {
    const lines = hintFor(req(['annotation', 't']));
    expect(lines.join('\n')).toMatch(/single-platform build.*\n.*docker ocifix build/);
    expect(hintFor(req(['annotation=index:org.x=1']))).toHaveLength(2);
    expect(hintFor(req(['annotation', 'platform=linux/amd64']))).toHaveLength(2);
  });

  it('no annotation hint when the annotation is visibly manifest-level or several platforms are built', () => {
    expect(hintFor(req(['annotation=org.x=1']))).toEqual([]);
    expect(hintFor(req(['annotation', 'platform=linux/amd64,linux/arm64']))).toEqual([]);
    expect(hintFor(req(['annotation', 'platform']))).toEqual([]); // platform value unknown: not "without platform"
  });

  it('output + several tags → the OCI layout hint; one visible tag or a registry output → none', () => {
    expect(hintFor(req(['o', 't'])).join('\n')).toMatch(/type=oci with several -t.*\n.*docker ocifix build.*normalize/);
    expect(hintFor(req(['output=type=oci,dest=x.tar', 'tag=a', 'tag=b']))).toHaveLength(2);
    expect(hintFor(req(['output=type=oci,dest=x.tar', 'tag=a']))).toEqual([]);
    expect(hintFor(req(['output=type=registry', 't']))).toEqual([]);
    expect(hintFor(req(['t']))).toEqual([]);
  });

  it('load + platform → a hint only after a failure (a successful multi-platform load had the containerd store)', () => {
    expect(hintFor(req(['load', 'platform'], { CommandError: 'exited with code 1' })).join('\n')).toMatch(
      /--load of several platforms.*\n.*docker ocifix build/,
    );
    expect(hintFor(req(['load', 'platform']))).toEqual([]);
    expect(hintFor(req(['load', 'platform=linux/amd64'], { CommandError: 'exited with code 1' }))).toEqual([]);
  });

  it('the legacy builder (RootCmd "build", long names) is understood too; other commands never hint', () => {
    expect(hintFor({ RootCmd: 'build', Flags: flags('annotation', 'tag') })).toHaveLength(2);
    expect(hintFor({ RootCmd: 'buildx imagetools create', Flags: flags('annotation') })).toEqual([]);
    expect(hintFor({ RootCmd: 'pull', Flags: flags('platform') })).toEqual([]);
  });

  it('answers the documented JSON: {"Type":0,"Template":…}, plain text only, at most 10 lines', () => {
    const out = hookAnswer(JSON.stringify(req(['annotation'])));
    const parsed = JSON.parse(out) as { Type: number; Template: string };
    expect(parsed.Type).toBe(0);
    expect(parsed.Template).not.toContain('{{');
    expect(parsed.Template.split('\n').length).toBeLessThanOrEqual(10);
  });

  it('no pitfall, or input it cannot read → empty output (the CLI prints nothing)', () => {
    expect(hookAnswer(JSON.stringify(req(['t', 'push'])))).toBe('');
    expect(hookAnswer('not json')).toBe('');
    expect(hookAnswer(undefined)).toBe('');
    expect(hookAnswer('null')).toBe('');
  });
});
