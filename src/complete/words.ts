/**
 * What TAB completion needs to know about ocifix without loading the CLI: the top-level commands
 * with their one-line descriptions (the same text as each command's `--help`; a unit test keeps
 * them equal) and the `--ocifix-*` options ocifix adds to buildx's own flags. Data only.
 */

/** ocifix's own commands, in `--help` order. `build` replaces buildx's, `version` too. */
export const OWN_COMMANDS: ReadonlyArray<readonly [name: string, description: string]> = [
  ['version', 'Show the docker-ocifix version'],
  ['build', 'Run docker buildx build with the multi-platform pitfalls fixed and every change explained'],
  ['bake', 'Run docker buildx bake with the multi-platform pitfalls fixed for every target'],
  ['normalize', 'Make an OCI image layout (directory or tar) readable by crane and skopeo, atomically'],
  ['annotate', 'Add, change or remove annotations on an index in a registry without losing the existing ones'],
  ['retag', 'Point tags at exactly an existing index (byte-identical copy, same digest)'],
  ['verify', 'Check that a tag points at an index with the expected platforms, digest and annotations'],
  ['setup', 'Alias docker build to ocifix and enable its hints, in the docker CLI config'],
  ['doctor', 'Show which buildx pitfalls apply to this setup and what ocifix does about each'],
];

export interface AddedOption {
  name: string;
  description: string;
  /** Values completed after `NAME=`. */
  values?: readonly string[];
}

/** Options ocifix adds to build and bake (src/build/options.ts parses them for both). */
const OCIFIX_OPTIONS: readonly AddedOption[] = [
  { name: '--ocifix-explain', description: 'Print the plan (rewritten argv, notices, post-build steps) and build nothing', values: ['text', 'json'] },
  { name: '--ocifix-quiet', description: 'Hide the ocifix: notice lines' },
  {
    name: '--ocifix-index-annotations',
    description: 'Index annotations on a single-manifest export: force-index (default), manifest-only or fail',
    values: ['force-index', 'manifest-only', 'fail'],
  },
  {
    name: '--ocifix-load',
    description: '--load of several platforms on the classic image store: native (default), split, cacheonly or error',
    values: ['native', 'split', 'cacheonly', 'error'],
  },
  { name: '--ocifix-keep-tag', description: 'The tag a normalized OCI layout keeps (default: the first -t)' },
];

/** Options ocifix adds to a buildx command. */
export const ADDED_OPTIONS: Readonly<Record<string, readonly AddedOption[]>> = { build: OCIFIX_OPTIONS, bake: OCIFIX_OPTIONS };

/** ocifix's commands that take buildx's flags (completed by buildx, plus the options above). */
export const BUILDX_SHAPED = new Set(['build', 'bake']);
