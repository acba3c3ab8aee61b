/** The README's fix table, made from FIXES (test/unit/build/fixes/fixes.test.ts checks the README holds it). Pure. */
import { FIXES } from './index.js';

export function fixTable(): string {
  const rows = FIXES.map(
    (f) =>
      `| \`${f.id}\` | ${f.title} | ${f.help} | [module](src/build/fixes/${f.id}.ts) · [unit](test/unit/build/fixes/${f.id}.test.ts) · [repro](test/e2e/repro/${f.id}.test.ts) · [proof](test/e2e/fixes/${f.id}.test.ts) |`,
  );
  return ['| id | pitfall | what ocifix does | code and tests |', '|---|---|---|---|', ...rows].join('\n');
}

/** The fix list of `docker ocifix build --help`. */
export function fixHelp(): string {
  return FIXES.map((f) => `- ${f.id} — ${f.title}: ${f.help}`).join('\n\n');
}
