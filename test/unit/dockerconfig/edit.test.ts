import { describe, expect, it } from 'vitest';
import { configState, hooksEnabled, parseConfig, planSetup } from '../../../src/dockerconfig/edit.js';
import { InputError } from '../../../src/errors.js';

/** A config.json as docker and Docker Desktop write it, with things a re-serializer would lose. */
const DESKTOP = `{
\t"auths": {
\t\t"https://index.docker.io/v1/": {}
\t},
\t"credsStore": "desktop",
\t"currentContext": "desktop-linux",
\t"plugins": {
\t\t"debug": {
\t\t\t"hooks": "exec"
\t\t}
\t},
\t"x-big": 12345678901234567890123,
\t"x-float": 1.50,
\t"x-unicode": "caf\\u00e9"
}
`;

const all = { alias: true, hooks: true, force: false };

describe('planSetup', () => {
  it('adds the alias and hooks and keeps every other byte of the file', () => {
    const plan = planSetup(DESKTOP, all);
    expect(plan.refusal).toBeUndefined();
    // everything that was there is still there, spelled the same (big number, 1.50, \\u escape)
    for (const line of DESKTOP.split('\n').filter((l) => !/^\t"x-unicode"|^}$/.test(l))) expect(plan.text).toContain(line.replace(/,$/, ''));
    expect(plan.text).toContain('"x-big": 12345678901234567890123');
    expect(plan.text).toContain('"x-float": 1.50');
    expect(plan.text).toContain('"x-unicode": "caf\\u00e9"');
    const cfg = parseConfig(plan.text);
    expect(configState(cfg)).toEqual({ aliasBuilder: 'ocifix', hooks: 'buildx build,build', errorHooks: 'buildx build,build', featuresHooks: 'true' });
    // the other plugin's hooks entry is untouched
    expect((cfg['plugins'] as Record<string, unknown>)['debug']).toEqual({ hooks: 'exec' });
    // tab indentation like docker's own writer
    expect(plan.text).toMatch(/\n\t"aliases": \{\n\t\t"builder": "ocifix"\n\t\}/);
    expect(plan.changes).toHaveLength(3);
  });

  it('is idempotent: a second run changes nothing', () => {
    const once = planSetup(DESKTOP, all).text;
    const twice = planSetup(once, all);
    expect(twice.changes).toEqual([]);
    expect(twice.text).toBe(once);
  });

  it('undoing restores the original bytes (features.hooks excepted, other plugins may use it)', () => {
    const on = planSetup(DESKTOP, all).text;
    const off = planSetup(on, { alias: false, hooks: false, force: false });
    expect(off.changes).toHaveLength(2);
    const cfg = parseConfig(off.text);
    expect(configState(cfg)).toEqual({ featuresHooks: 'true' });
    expect(parseConfig(off.text)).toEqual({ ...parseConfig(DESKTOP), features: { hooks: 'true' } });
  });

  it('removes parents it emptied', () => {
    const on = planSetup('{"auths":{}}', { alias: true, hooks: undefined, force: false }).text;
    expect(parseConfig(on)).toEqual({ auths: {}, aliases: { builder: 'ocifix' } });
    expect(parseConfig(planSetup(on, { alias: false, force: false }).text)).toEqual({ auths: {} });
  });

  it('refuses to take the alias from buildx (docker buildx install) without --force, changing nothing', () => {
    const text = '{\n  "aliases": {\n    "builder": "buildx"\n  }\n}\n';
    const plan = planSetup(text, all, '/home/u/.docker/config.json');
    expect(plan.refusal).toMatch(/aliases.builder in \/home\/u\/.docker\/config.json is "buildx" \(written by `docker buildx install`\).*--force/);
    expect(plan.text).toBe(text);
    const forced = planSetup(text, { ...all, force: true });
    expect(forced.refusal).toBeUndefined();
    expect(configState(parseConfig(forced.text)).aliasBuilder).toBe('ocifix');
    expect(forced.changes[0]).toMatch(/"buildx" -> "ocifix"/);
    // two-space files stay two-space
    expect(forced.text).toMatch(/\n {2}"aliases": \{\n {4}"builder": "ocifix"/);
  });

  it('--no-alias leaves another plugin’s alias alone', () => {
    const text = '{"aliases":{"builder":"buildx"}}';
    const plan = planSetup(text, { alias: false, force: false });
    expect(plan.text).toBe(text);
    expect(plan.notes[0]).toMatch(/"buildx", not ocifix: left as it is/);
  });

  it('an empty or missing file becomes a minimal config', () => {
    for (const text of ['', '  \n']) {
      const plan = planSetup(text, { alias: true, force: false });
      expect(parseConfig(plan.text)).toEqual({ aliases: { builder: 'ocifix' } });
    }
  });

  it('malformed config.json → InputError naming the file, nothing planned', () => {
    for (const bad of ['{"auths": {}', '[1]', '{"aliases": "ocifix"}', '{"plugins": {"ocifix": true}}', '{"a": 1,}', '// c\n{}']) {
      expect(() => planSetup(bad, all, '/x/config.json'), bad).toThrow(InputError);
    }
    expect(() => planSetup('{"a":', all, '/x/config.json')).toThrow(/\/x\/config.json is not valid JSON .*nothing was changed/);
  });

  it('hooksEnabled follows DOCKER_CLI_HOOKS / DOCKER_CLI_HINTS over the config, like the CLI', () => {
    expect(hooksEnabled({ featuresHooks: 'true' }, {})).toBe(true);
    expect(hooksEnabled({ featuresHooks: 'true' }, { DOCKER_CLI_HOOKS: 'false' })).toBe(false);
    expect(hooksEnabled({}, { DOCKER_CLI_HINTS: '1' })).toBe(true);
    expect(hooksEnabled({}, {})).toBe(false);
  });
});
