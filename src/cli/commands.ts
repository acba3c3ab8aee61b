/**
 * Every ocifix command, one class per file, loaded on demand: a call loads only the command it
 * names (the bundle defers each module's initialisation until it is imported), so `build` does
 * not pay for normalize's or the registry commands' modules. Order = order in `--help`.
 */
import type { Command } from 'clipanion';
import type { OcifixContext } from './context.js';

export type CommandClass = (new () => Command<OcifixContext>) & { paths?: string[][] };

export const COMMAND_LOADERS: ReadonlyArray<{ words: readonly string[]; load: () => Promise<CommandClass> }> = [
  { words: ['version', '--version'], load: async () => (await import('./version.js')).VersionCommand },
  { words: ['build', 'b'], load: async () => (await import('./build.js')).BuildCommand },
  { words: ['bake'], load: async () => (await import('./bake.js')).BakeCommand },
  { words: ['normalize'], load: async () => (await import('./normalize.js')).NormalizeCommand },
  { words: ['annotate'], load: async () => (await import('./annotate.js')).AnnotateCommand },
  { words: ['retag'], load: async () => (await import('./retag.js')).RetagCommand },
  { words: ['verify'], load: async () => (await import('./verify.js')).VerifyCommand },
  { words: ['setup'], load: async () => (await import('./setup.js')).SetupCommand },
  { words: ['doctor'], load: async () => (await import('./doctor.js')).DoctorCommand },
];

/** The first words that select one of ocifix's own commands; anything else goes to buildx. */
export const COMMAND_WORDS: ReadonlySet<string> = new Set(COMMAND_LOADERS.flatMap((c) => c.words));

/** The command classes for `words[0]`, or all of them (help overview, completion). */
export async function loadCommands(first?: string): Promise<CommandClass[]> {
  const wanted = first === undefined ? COMMAND_LOADERS : COMMAND_LOADERS.filter((c) => c.words.includes(first));
  return Promise.all(wanted.map((c) => c.load()));
}
