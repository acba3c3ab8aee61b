/**
 * A fix: the product's unit. One module per pitfall under src/build/fixes/, each exporting one
 * Fix whose id is used everywhere the fix appears (its help text, the README's table, its unit
 * tests, its raw repro test/e2e/repro/<id>.test.ts and its proof test/e2e/fixes/<id>.test.ts).
 */
import type { DecisionName, Draft, FactReader } from '../draft.js';
import type { BuildRequest } from '../request.js';
import type { Policy } from '../types.js';

export interface FixContext {
  policy: Policy;
  /** Where a temporary metadata file would go, if a fix needs one. */
  tempMetadataFile: string;
}

export interface Fix {
  /** Short, stable, kebab-case: the file name of its module and tests. */
  id: string;
  /** One line: the pitfall it fixes. */
  title: string;
  /** One or two sentences for `docker ocifix build --help` and the README: what it does. */
  help: string;
  /** The decisions apply() reads (each must be written by a fix earlier in FIXES) and writes. */
  reads: readonly DecisionName[];
  writes: readonly DecisionName[];
  /** Look at the request and the facts; add edits, notices, steps, decisions, or a refusal. */
  apply(request: BuildRequest, draft: Draft, facts: FactReader, ctx: FixContext): void;
  /** After every fix has applied (in FIXES order): steps that depend on later decisions. */
  finish?(request: BuildRequest, draft: Draft, facts: FactReader, ctx: FixContext): void;
}
