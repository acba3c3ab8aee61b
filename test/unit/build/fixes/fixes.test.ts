import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXES } from '../../../../src/build/fixes/index.js';
import { fixTable } from '../../../../src/build/fixes/table.js';
import type { DecisionName } from '../../../../src/build/draft.js';

const ROOT = join(import.meta.dirname, '../../../..');

describe('FIXES', () => {
  it('every decision a fix reads is written by a fix before it, and each decision by exactly one fix', () => {
    const written = new Map<DecisionName, string>();
    for (const f of FIXES) {
      for (const r of f.reads) expect(written.has(r), `${f.id} reads ${r} before any fix writes it`).toBe(true);
      for (const w of f.writes) {
        expect(written.get(w), `${w} written by ${written.get(w)} and ${f.id}`).toBeUndefined();
        written.set(w, f.id);
      }
    }
  });

  it('ids are unique kebab-case, and each names its module, unit test, raw repro and proof', () => {
    const ids = FIXES.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      for (const path of [`src/build/fixes/${id}.ts`, `test/unit/build/fixes/${id}.test.ts`, `test/e2e/repro/${id}.test.ts`, `test/e2e/fixes/${id}.test.ts`]) {
        expect(existsSync(join(ROOT, path)), path).toBe(true);
      }
    }
  });

  it("titles are one line, help texts a sentence or two; the README's fix table is made from them", () => {
    for (const f of FIXES) {
      expect(f.title).not.toMatch(/\n/);
      expect(f.help).not.toMatch(/\n/);
      expect(f.help.length).toBeLessThan(400);
    }
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme, `README.md must contain the table of src/build/fixes/table.ts:\n${fixTable()}`).toContain(fixTable());
  });
});
