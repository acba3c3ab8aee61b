/**
 * The docker CLI's config.json as far as `docker ocifix setup` touches it: the builder alias
 * (`aliases.builder`) and the CLI hooks entry (`plugins.ocifix.hooks` / `error-hooks`, plus
 * `features.hooks`, without which the CLI never calls a hook). Pure: text in, text out.
 *
 * Edits are textual (jsonc-parser's modify): only the members we set or remove change, every other
 * byte of the file — unknown keys, their order, number spellings, indentation — stays as it was.
 */
import { applyEdits, modify, type FormattingOptions, type JSONPath } from 'jsonc-parser';
import { InputError } from '../errors.js';

export const PLUGIN = 'ocifix';
/** `docker build` is rewritten to `buildx build` when buildx is installed; "build" is the legacy builder. */
export const HOOK_COMMANDS = 'buildx build,build';

export interface ConfigState {
  aliasBuilder?: string;
  hooks?: string;
  errorHooks?: string;
  /** features.hooks as written (a string in docker's schema). */
  featuresHooks?: string;
}

export interface SetupRequest {
  /** true: set aliases.builder=ocifix; false: remove it (only if it is ours); undefined: leave it. */
  alias?: boolean;
  /** true: add our hooks entry (and features.hooks); false: remove our entry; undefined: leave it. */
  hooks?: boolean;
  /** Take the alias over from another plugin. */
  force: boolean;
}

export interface SetupPlan {
  text: string;
  /** One human line per change made, in order. */
  changes: string[];
  /** Things left as they are, with the reason. */
  notes: string[];
  /** Set when the request cannot be done without --force; `text` is then unchanged. */
  refusal?: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parse config.json strictly (as Go's encoding/json would); an empty file is an empty config. */
export function parseConfig(text: string, file = 'config.json'): Json {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file} is not valid JSON (${(error as Error).message}); fix or move it, nothing was changed`);
  }
  if (!isObject(value)) throw new InputError(`${file} must hold a JSON object; fix or move it, nothing was changed`);
  for (const key of ['aliases', 'plugins', 'features'] as const) {
    if (value[key] !== undefined && !isObject(value[key])) throw new InputError(`${file}: "${key}" must be an object; fix it, nothing was changed`);
  }
  const plugins = value['plugins'] as Json | undefined;
  if (plugins?.[PLUGIN] !== undefined && !isObject(plugins[PLUGIN])) {
    throw new InputError(`${file}: "plugins.${PLUGIN}" must be an object; fix it, nothing was changed`);
  }
  return value;
}

export function configState(cfg: Json): ConfigState {
  const s: ConfigState = {};
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const alias = str((cfg['aliases'] as Json | undefined)?.['builder']);
  const ours = ((cfg['plugins'] as Json | undefined)?.[PLUGIN] ?? {}) as Json;
  const hooks = str(ours['hooks']);
  const errorHooks = str(ours['error-hooks']);
  const features = str((cfg['features'] as Json | undefined)?.['hooks']);
  if (alias !== undefined) s.aliasBuilder = alias;
  if (hooks !== undefined) s.hooks = hooks;
  if (errorHooks !== undefined) s.errorHooks = errorHooks;
  if (features !== undefined) s.featuresHooks = features;
  return s;
}

/** Is the CLI hooks feature on for this config (DOCKER_CLI_HOOKS / DOCKER_CLI_HINTS win, as in the CLI)? */
export function hooksEnabled(state: ConfigState, env: NodeJS.ProcessEnv): boolean {
  for (const k of ['DOCKER_CLI_HOOKS', 'DOCKER_CLI_HINTS']) {
    const v = env[k];
    if (v !== undefined && v !== '') return parseGoBool(v) ?? false;
  }
  return parseGoBool(state.featuresHooks ?? '') ?? false;
}

function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  return undefined;
}

/** Indentation of the existing file (docker itself writes one tab). */
export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const m = /\n([ \t]+)"/.exec(text);
  const indent = m?.[1] ?? '\t';
  if (indent.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol };
  return { insertSpaces: true, tabSize: indent.length, eol };
}

class Editor {
  constructor(
    public text: string,
    private readonly formatting: FormattingOptions,
  ) {}

  set(path: JSONPath, value: unknown): void {
    this.text = applyEdits(this.text, modify(this.text, path, value, { formattingOptions: this.formatting }));
  }

  remove(path: JSONPath): void {
    this.set(path, undefined);
    // leave no empty parent objects behind (docker's own writer omits empty maps too)
    for (let i = path.length - 1; i > 0; i--) {
      const parent = path.slice(0, i);
      const v = lookup(JSON.parse(this.text) as Json, parent);
      if (isObject(v) && Object.keys(v).length === 0) this.set(parent, undefined);
      else break;
    }
  }
}

function lookup(cfg: Json, path: JSONPath): unknown {
  let v: unknown = cfg;
  for (const k of path) v = isObject(v) ? v[k as string] : undefined;
  return v;
}

/** What `setup` would write for `request`, given the current text (missing file = ''). */
export function planSetup(original: string, request: SetupRequest, file = 'config.json'): SetupPlan {
  const state = configState(parseConfig(original, file));
  const changes: string[] = [];
  const notes: string[] = [];
  const start = original.trim() === '' ? '{}\n' : original;
  const ed = new Editor(start, detectFormatting(original));

  if (request.alias === true) {
    if (state.aliasBuilder === PLUGIN) notes.push(`aliases.builder is already "${PLUGIN}"`);
    else {
      if (state.aliasBuilder !== undefined && state.aliasBuilder !== '' && !request.force) {
        const by = state.aliasBuilder === 'buildx' ? ' (written by `docker buildx install`)' : '';
        return {
          text: original,
          changes: [],
          notes,
          refusal:
            `aliases.builder in ${file} is "${state.aliasBuilder}"${by}, so \`docker build\` runs that plugin; ` +
            `the alias is exclusive. Run \`docker ocifix setup --alias --force\` to point it at ocifix instead`,
        };
      }
      ed.set(['aliases', 'builder'], PLUGIN);
      changes.push(
        state.aliasBuilder
          ? `aliases.builder: "${state.aliasBuilder}" -> "${PLUGIN}" (docker build now runs docker ocifix build)`
          : `aliases.builder = "${PLUGIN}" (docker build now runs docker ocifix build)`,
      );
    }
  } else if (request.alias === false) {
    if (state.aliasBuilder === PLUGIN) {
      ed.remove(['aliases', 'builder']);
      changes.push(`removed aliases.builder = "${PLUGIN}" (docker build runs docker buildx build again)`);
    } else if (state.aliasBuilder) notes.push(`aliases.builder is "${state.aliasBuilder}", not ${PLUGIN}: left as it is`);
    else notes.push('no builder alias is set');
  }

  if (request.hooks === true) {
    if (state.hooks === HOOK_COMMANDS && state.errorHooks === HOOK_COMMANDS) notes.push(`plugins.${PLUGIN} hooks already set`);
    else {
      ed.set(['plugins', PLUGIN, 'hooks'], HOOK_COMMANDS);
      ed.set(['plugins', PLUGIN, 'error-hooks'], HOOK_COMMANDS);
      changes.push(`plugins.${PLUGIN}.hooks = plugins.${PLUGIN}.error-hooks = "${HOOK_COMMANDS}" (hints after builds that meet a pitfall)`);
    }
    if (parseGoBool(state.featuresHooks ?? '') !== true) {
      ed.set(['features', 'hooks'], 'true');
      changes.push(
        `features.hooks: ${state.featuresHooks === undefined ? 'unset' : JSON.stringify(state.featuresHooks)} -> "true" (the docker CLI calls plugin hooks only when it is on)`,
      );
    }
  } else if (request.hooks === false) {
    if (state.hooks !== undefined || state.errorHooks !== undefined) {
      ed.remove(['plugins', PLUGIN, 'hooks']);
      ed.remove(['plugins', PLUGIN, 'error-hooks']);
      changes.push(`removed plugins.${PLUGIN}.hooks and error-hooks`);
      notes.push('features.hooks left as it is (other plugins may use hooks)');
    } else notes.push(`no plugins.${PLUGIN} hooks are set`);
  }

  const text = changes.length === 0 ? original : ed.text;
  // the edit must not have changed anything else: same JSON meaning outside the keys we own
  if (changes.length > 0) assertOnlyOursChanged(parseConfig(start, file), parseConfig(text, file));
  return { text, changes, notes };
}

function strip(cfg: Json): Json {
  const c = structuredClone(cfg);
  const drop = (path: string[]): void => {
    const parent = lookup(c, path.slice(0, -1));
    if (isObject(parent)) delete parent[path[path.length - 1]!];
  };
  drop(['aliases', 'builder']);
  drop(['plugins', PLUGIN, 'hooks']);
  drop(['plugins', PLUGIN, 'error-hooks']);
  drop(['features', 'hooks']);
  for (const p of [['plugins', PLUGIN], ['aliases'], ['plugins'], ['features']]) {
    const v = lookup(c, p);
    if (isObject(v) && Object.keys(v).length === 0) drop(p);
  }
  return c;
}

function assertOnlyOursChanged(before: Json, after: Json): void {
  if (JSON.stringify(strip(before)) !== JSON.stringify(strip(after))) throw new Error('config edit changed keys it does not own');
}
