/**
 * The docker CLI hook (`docker-ocifix ocifix docker-cli-plugin-hooks '<json>'`, docker >= 26.1):
 * after a `docker buildx build` / `docker build` whose flags meet a known pitfall, answer one short
 * "What's next" hint naming the `docker ocifix build` that fixes it. Answered by the entry with this
 * module alone (no CLI, no process, no file read): the docker CLI waits for it after every matching
 * command.
 *
 * The hook sees flag NAMES only. For builtin commands they are long names; for plugin commands
 * (`buildx build`, which `docker build` becomes when buildx is installed) the CLI splits argv
 * naively, so `-t` arrives as "t" and `--platform=linux/arm64` as "platform=linux/arm64". A value is
 * used only when it arrived that way; otherwise the hint is worded for the case where it applies.
 * Pure and import-free.
 */

export interface HookRequest {
  RootCmd?: string;
  Flags?: Record<string, string>;
  CommandError?: string;
}

/** The CLI's NextSteps message type. */
const NEXT_STEPS = 0;

const SHORT: Record<string, string> = { t: 'tag', o: 'output', f: 'file', q: 'quiet' };

interface SeenFlag {
  count: number;
  /** Values that arrived as `name=value` (plugin commands only). */
  values: string[];
}

export function seenFlags(flags: Record<string, string> = {}): Map<string, SeenFlag> {
  const seen = new Map<string, SeenFlag>();
  for (const raw of Object.keys(flags)) {
    const eq = raw.indexOf('=');
    const key = eq === -1 ? raw : raw.slice(0, eq);
    const name = SHORT[key] ?? key;
    const s = seen.get(name) ?? { count: 0, values: [] };
    s.count++;
    if (eq !== -1) s.values.push(raw.slice(eq + 1));
    seen.set(name, s);
  }
  return seen;
}

/** The hint lines for a finished build command, or [] when no pitfall's flags are present. */
export function hintFor(request: HookRequest): string[] {
  const root = (request.RootCmd ?? '').trim();
  if (!/^(buildx )?(build|b)\b/.test(root)) return [];
  const f = seenFlags(request.Flags);
  const has = (n: string): boolean => f.has(n);
  const values = (n: string): string[] => f.get(n)?.values ?? [];
  // every value we can see for `name` fails `pred` → the pitfall cannot apply
  const knownNot = (n: string, pred: (v: string) => boolean): boolean => values(n).length === f.get(n)?.count && values(n).every((v) => !pred(v));
  const several = (v: string): boolean => v.includes(',');

  // a --load of several platforms that succeeded had the containerd store: only a failure is the pitfall
  const failed = (request.CommandError ?? '') !== '';
  if (failed && has('load') && has('platform') && !knownNot('platform', several)) {
    return [
      '--load of several platforms fails on the classic image store ("docker exporter does not currently support exporting manifest lists").',
      'Run the same command as `docker ocifix build …`: it loads the native platform (or one tag per platform with --ocifix-load=split).',
    ];
  }
  const indexScoped = (v: string): boolean => /^[^=]*\bindex(-descriptor)?\b[^=]*:/.test(v);
  const singlePlatform = !has('platform') || knownNot('platform', several);
  if (has('annotation') && !knownNot('annotation', indexScoped) && singlePlatform) {
    return [
      'Index-level --annotation on a single-platform build fails ("index annotations not supported for single platform export") or is dropped.',
      'If yours are index-level, run the same command as `docker ocifix build …`: it builds an index so they land.',
    ];
  }
  const tagCount = f.get('tag')?.count ?? 0;
  const tagUnknown = tagCount === 1 && values('tag').length === 0; // `-t a -t b` arrives as one "t"
  if (has('output') && (tagCount > 1 || tagUnknown) && !knownNot('output', (v) => /(^|,)type=(oci|tar)\b/.test(v) || /\.tar$/.test(v))) {
    return [
      '--output type=oci with several -t writes one index.json entry per tag, which crane and skopeo refuse.',
      'If that is this build, run it as `docker ocifix build …` (or `docker ocifix normalize LAYOUT`): one readable entry.',
    ];
  }
  return [];
}

/** The JSON the docker CLI reads from stdout; empty output (no hint) is valid and prints nothing. */
export function hookAnswer(json: string | undefined): string {
  let request: HookRequest;
  try {
    request = JSON.parse(json ?? '') as HookRequest;
  } catch {
    return '';
  }
  if (typeof request !== 'object' || request === null) return '';
  const lines = hintFor(request);
  if (lines.length === 0) return '';
  // the Template is a Go text/template: plain text only ({{ would be parsed)
  const template = lines.map((l) => l.replace(/\{\{/g, '{ {')).join('\n');
  return `${JSON.stringify({ Type: NEXT_STEPS, Template: template })}\n`;
}
