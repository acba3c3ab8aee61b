/**
 * `--output` values, parsed like buildx `ExportEntry.UnmarshalText` (util/buildflags/export.go):
 * one CSV record (RFC 4180 quoting: `"name=a,b"`, `""` for a quote), each field `key=value` with
 * the key lower-cased and trimmed and the value verbatim; `type` and `dest` are special; a bare
 * value without `=` means `type=local,dest=<value>`; `-` means `type=tar` to stdout;
 * `type=registry` is `type=image,push=true`. Plus the `--push` / `--load` shorthands, resolved to
 * the list of exports buildx will really run. Pure: no I/O.
 */
import type { Annotation } from './annotations.js';
import { boolValue, parseBoolValue, values, type FlagUse, type ParsedBuildArgs } from './args.js';

export class OutputSyntaxError extends Error {
  override name = 'OutputSyntaxError';
}

export interface OutputField {
  /** Lower-cased, trimmed key. */
  key: string;
  value: string;
}

export interface ExportEntry {
  /** As written (`registry` stays `registry` here; see `effectiveOutputs`). */
  type: string;
  dest?: string;
  /** Every other field, last one wins (as buildx's map). */
  attrs: Record<string, string>;
  /** All fields in the order written, `type` and `dest` included: for re-serialising an edited entry. */
  fields: OutputField[];
  /** Written as a bare value (`-o ./dir`, `-o -`). */
  bare: boolean;
}

type CsvSync = typeof import('csv-parse/sync');
let csvSync: CsvSync | undefined;
/**
 * csv-parse, loaded on first use (only quoted values need it). A literal require() so that the
 * esbuild bundle includes it as a lazily initialised module; vitest provides `require` too. (Bundle
 * and vitest only: src/ run as plain ES modules by Node would have no `require` here.)
 */
function csvParse(): CsvSync['parse'] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load in the bundle, see above
  return (csvSync ??= require('csv-parse/sync') as CsvSync).parse;
}

/** One CSV record (RFC 4180, as Go's encoding/csv reads buildx's flag values) → its fields. Throws OutputSyntaxError. */
export function csvFields(s: string): string[] {
  // no quote and no line break: RFC 4180 is exactly a split on ','
  if (s !== '' && !/["\r\n]/.test(s)) return s.split(',');
  let records: string[][];
  try {
    records = csvParse()(s, { relax_column_count: true, skip_empty_lines: false }) as string[][];
  } catch (error) {
    throw new OutputSyntaxError(`invalid output ${JSON.stringify(s)}: ${(error as Error).message}`);
  }
  if (records.length !== 1) throw new OutputSyntaxError(`invalid output ${JSON.stringify(s)}: expected one CSV record`);
  return records[0]!;
}

/** Parse one `--output` value. Throws OutputSyntaxError with buildx's wording where buildx has one. */
export function parseOutput(s: string): ExportEntry {
  const fields = csvFields(s);
  if (fields.length === 1 && fields[0] === s && !s.startsWith('type=')) {
    if (s !== '-')
      return {
        type: 'local',
        dest: s,
        attrs: {},
        fields: [
          { key: 'type', value: 'local' },
          { key: 'dest', value: s },
        ],
        bare: true,
      };
    return {
      type: 'tar',
      dest: '-',
      attrs: {},
      fields: [
        { key: 'type', value: 'tar' },
        { key: 'dest', value: '-' },
      ],
      bare: true,
    };
  }
  const entry: ExportEntry = { type: '', attrs: {}, fields: [], bare: false };
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq === -1) throw new OutputSyntaxError(`invalid value ${field}`);
    const key = field.slice(0, eq).toLowerCase().trim();
    const value = field.slice(eq + 1);
    entry.fields.push({ key, value });
    if (key === 'type') entry.type = value;
    else if (key === 'dest') entry.dest = value;
    else entry.attrs[key] = value;
  }
  if (entry.type === '') throw new OutputSyntaxError('type is required for output');
  if (entry.dest === undefined) delete entry.dest;
  return entry;
}

/** One CSV field as Go's encoding/csv writes it back: quoted only when it must be. */
export function quoteField(field: string): string {
  return /[",\r\n]/.test(field) || field !== field.trim() ? `"${field.replace(/"/g, '""')}"` : field;
}

/** Serialise an entry back to one CSV value (fields in their original order, quoted only when needed). */
export function formatOutput(entry: ExportEntry): string {
  if (entry.bare) return entry.dest ?? '';
  return entry.fields.map((f) => quoteField(`${f.key}=${f.value}`)).join(',');
}

/** A copy of an entry with fields removed (by key predicate) and/or set (appended when new). */
export function editOutput(entry: ExportEntry, change: { remove?: (key: string) => boolean; set?: Record<string, string> }): ExportEntry {
  const set = change.set ?? {};
  const seen = new Set<string>();
  const fields: OutputField[] = [];
  for (const f of entry.fields) {
    if (change.remove?.(f.key)) continue;
    if (f.key in set) {
      // the first occurrence takes the new value where it stands; later duplicates go
      if (seen.has(f.key)) continue;
      seen.add(f.key);
      fields.push({ key: f.key, value: set[f.key]! });
      continue;
    }
    fields.push(f);
  }
  for (const [key, value] of Object.entries(set)) if (!seen.has(key)) fields.push({ key, value });
  const out: ExportEntry = { type: '', attrs: {}, fields, bare: false };
  for (const f of fields) {
    if (f.key === 'type') out.type = f.value;
    else if (f.key === 'dest') out.dest = f.value;
    else out.attrs[f.key] = f.value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// What buildx will export

export type OutputOrigin = { kind: 'output'; use: FlagUse } | { kind: 'push' } | { kind: 'load' };

export interface EffectiveOutput {
  origin: OutputOrigin;
  /** The entry as written (or synthesised for --push/--load). */
  entry: ExportEntry;
  /** `registry` resolved to `image`. */
  type: string;
  push: boolean;
  /** A docker export without dest: the image goes into the daemon's image store. */
  load: boolean;
  dest?: string;
  /** oci/docker exporters: a tarball (default) rather than a directory (`tar=false`). */
  tar: boolean;
  /** Writes to stdout (dest `-`). */
  stdout: boolean;
  /** The image names buildx gives this export: the `-t` tags when any, else the `name=` attribute. */
  names: string[];
}

const NAMED_TYPES = new Set(['image', 'oci', 'docker']);

export interface EffectiveOutputs {
  outputs: EffectiveOutput[];
  /** Set when some --output value does not parse: buildx will reject the command itself. */
  error?: string;
}

/**
 * The exports buildx ≥ 0.13 will run, in order: every `--output`, with `--push` setting push=true
 * on each image export (or adding one) and `--load` adding a docker export unless a docker
 * output (even a tarball with dest) exists.
 */
/** What one export entry does, given the build's tags (the names of image/oci/docker exports). */
export function describeExport(origin: OutputOrigin, entry: ExportEntry, tags: readonly string[]): EffectiveOutput {
  let type = entry.type;
  let push = entry.attrs['push'] !== undefined && parseBoolValue(entry.attrs['push']) === true;
  if (type === 'registry') {
    type = 'image';
    push = true;
  }
  const dest = entry.dest;
  const names = NAMED_TYPES.has(type)
    ? tags.length > 0
      ? [...tags]
      : (entry.attrs['name'] ?? '')
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean)
    : [];
  return {
    origin,
    entry,
    type,
    push,
    load: type === 'docker' && dest === undefined,
    ...(dest !== undefined ? { dest } : {}),
    tar: entry.attrs['tar'] === undefined ? true : parseBoolValue(entry.attrs['tar']) !== false,
    stdout: dest === '-',
    names,
  };
}

export function effectiveOutputs(p: ParsedBuildArgs): EffectiveOutputs {
  const tags = values(p, 'tag');
  const outputs: EffectiveOutput[] = [];
  const make = (origin: OutputOrigin, entry: ExportEntry): EffectiveOutput => describeExport(origin, entry, tags);
  for (const use of p.flags) {
    if (use.name !== 'output') continue;
    const raw = use.value ?? '';
    if (raw === '') continue;
    try {
      outputs.push(make({ kind: 'output', use }, parseOutput(raw)));
    } catch (error) {
      return { outputs: [], error: (error as Error).message };
    }
  }
  if (boolValue(p, 'push') === true) {
    let used = false;
    for (const o of outputs) {
      if (o.type === 'image') {
        o.push = true;
        used = true;
      }
    }
    if (!used) {
      const entry: ExportEntry = {
        type: 'image',
        attrs: { push: 'true' },
        fields: [
          { key: 'type', value: 'image' },
          { key: 'push', value: 'true' },
        ],
        bare: false,
      };
      outputs.push(make({ kind: 'push' }, entry));
    }
  }
  // buildx RunBuild: `--load` appends {Type: docker} unless a docker output (with or without dest) is there
  if (boolValue(p, 'load') === true && !outputs.some((o) => o.type === 'docker')) {
    const entry: ExportEntry = { type: 'docker', attrs: {}, fields: [{ key: 'type', value: 'docker' }], bare: false };
    outputs.push(make({ kind: 'load' }, entry));
  }
  return { outputs };
}

/** An annotation attribute written inside an output (`annotation-index.k=v`, `annotation[linux/amd64].k=v`): the same Annotation the flag grammar gives, plus the attribute key as written. */
export interface OutputAnnotation extends Annotation {
  attr: string;
}

const ANNOTATION_ATTR = /^annotation(?:-([a-z-]+))?(?:\[([A-Za-z0-9_/-]+)\])?\.(\S+)$/;
const KNOWN_TYPES = new Set<string>(['index', 'manifest', 'index-descriptor', 'manifest-descriptor']);

/** The annotation attributes of an output; one with a type BuildKit does not know is left to BuildKit. */
export function outputAnnotations(entry: ExportEntry): OutputAnnotation[] {
  const out: OutputAnnotation[] = [];
  for (const [attr, value] of Object.entries(entry.attrs)) {
    const m = ANNOTATION_ATTR.exec(attr);
    if (!m) continue;
    const type = m[1] ?? '';
    if (type !== '' && !KNOWN_TYPES.has(type)) continue;
    out.push({ type: type as Annotation['type'], ...(m[2] ? { platformSpec: m[2] } : {}), key: m[3]!, value, attr });
  }
  return out;
}
