/**
 * The flag model shared by every command line ocifix reads the way cobra/pflag does: docker's
 * global flags (src/globalflags.ts), buildx build's flags (args.ts) and buildx's root flags
 * (root.ts). Pure.
 */
import { UsageError } from '../errors.js';

export type FlagKind = 'value' | 'bool';

export interface FlagSpec {
  /** Long name without dashes. */
  long: string;
  short?: string;
  kind: FlagKind;
}

/** `-c, --context` / `--config`, as pflag names a flag in its errors. */
export function flagLabel(spec: FlagSpec): string {
  return spec.short ? `-${spec.short}, --${spec.long}` : `--${spec.long}`;
}

/** pflag's strconv.ParseBool, with its error text. */
export function parseBool(flag: string, raw: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) return false;
  throw new UsageError(`invalid argument "${raw}" for "${flag}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`);
}

/** strconv.ParseBool, undefined where it fails. */
export function parseBoolValue(raw: string): boolean | undefined {
  try {
    return parseBool('', raw);
  } catch (error) {
    if (error instanceof UsageError) return undefined;
    throw error;
  }
}
