/**
 * "Did you mean …?" for a command word that is neither ocifix's nor buildx's. Pure.
 *
 * buildx's command words are listed for every release from 0.12 on (its hidden and experimental
 * commands included), so a word that buildx knows always goes to buildx. A word close to one of
 * ocifix's commands is answered here (buildx would print its own usage, which lists none of ours);
 * so is any unknown word when buildx is not installed. Everything else goes to buildx, which
 * reports it as buildx does.
 */

/** buildx's command words, 0.12 → 0.36 (`docker buildx --help`, hidden and experimental ones too). */
export const BUILDX_COMMANDS: ReadonlySet<string> = new Set([
  'bake',
  'b',
  'build',
  'builder',
  'completion',
  'create',
  'dap',
  'debug',
  'debug-shell',
  'dial-stdio',
  'du',
  'help',
  'history',
  'imagetools',
  'inspect',
  'install',
  'ls',
  'policy',
  'prune',
  'rm',
  'stop',
  'uninstall',
  'use',
  'version',
]);

/** Damerau–Levenshtein distance (optimal string alignment): a swapped pair counts as one edit. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidates nearest to `word` (at most 2 edits, or a prefix of 2+ letters), nearest first. */
export function nearest(word: string, candidates: Iterable<string>): string[] {
  const scored: Array<[string, number]> = [];
  for (const c of candidates) {
    if (c.startsWith('-') || c === word) continue;
    const dist = editDistance(word.toLowerCase(), c);
    if (dist <= 2 || (word.length >= 2 && c.startsWith(word.toLowerCase()))) scored.push([c, dist]);
  }
  return scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0])).map(([c]) => c);
}

export type CommandVerdict =
  /** Go to buildx: it knows the word, or will report it itself. */
  | { kind: 'buildx' }
  /** Not a command of either: the message for stderr. */
  | { kind: 'unknown'; message: string };

/**
 * What to do with a first word that is not one of ocifix's commands. `buildxInstalled`: false when
 * no buildx plugin can be found (undefined: not known yet, treated as installed).
 */
export function judgeCommand(word: string, own: Iterable<string>, buildxInstalled = true): CommandVerdict {
  if (BUILDX_COMMANDS.has(word) || word.startsWith('-')) return { kind: 'buildx' };
  const ours = nearest(word, own);
  if (buildxInstalled && ours.length === 0) return { kind: 'buildx' };
  const all = [...new Set([...ours, ...nearest(word, BUILDX_COMMANDS)])];
  const suggestion = all.length
    ? `\n\nDid you mean this?\n${all
        .slice(0, 3)
        .map((c) => `\t${c}`)
        .join('\n')}`
    : '';
  return {
    kind: 'unknown',
    message: `unknown command "${word}" for "docker ocifix"${suggestion}\n\nRun 'docker ocifix --help' for ocifix's commands and the buildx commands it passes on.`,
  };
}
