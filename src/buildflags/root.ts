/**
 * buildx's root flags, the ones that may stand before its command word: `docker buildx --builder
 * NAME build …` and `docker buildx -D build …` (buildx ≥ 0.12 has `--builder`; `-D/--debug` came
 * later). Both are persistent flags, so buildx gives them the same meaning after the command word,
 * which is where `docker ocifix build` hands them on (`build --builder NAME …`). Pure.
 */

export interface BuildxRoot {
  /** The root flags as typed (each token verbatim). */
  flags: string[];
  /** The command word after them, if any. */
  command?: string;
  /** The tokens after the command word. */
  rest: string[];
}

const BOOL = /^(?:-D|--debug(?:=.*)?)$/;
const VALUE_JOINED = /^--builder=/;

/**
 * Split leading buildx root flags off `args`. Returns undefined when a token before the command
 * word is not a root flag ocifix knows (buildx then reports it, unchanged).
 */
export function splitBuildxRoot(args: readonly string[]): BuildxRoot | undefined {
  const flags: string[] = [];
  let i = 0;
  while (i < args.length) {
    const tok = args[i]!;
    if (!tok.startsWith('-') || tok === '-') break;
    if (BOOL.test(tok) || VALUE_JOINED.test(tok)) {
      flags.push(tok);
      i++;
    } else if (tok === '--builder') {
      if (i + 1 >= args.length) return undefined;
      flags.push(tok, args[i + 1]!);
      i += 2;
    } else return undefined;
  }
  const command = args[i];
  return { flags, ...(command !== undefined ? { command } : {}), rest: args.slice(i + 1) };
}
