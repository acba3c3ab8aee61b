/**
 * The README's list of pure modules, checked: none of them may import anything that reaches files,
 * processes, the network or the environment, directly or through a local module that does.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');

/** Pure per the README: whole folders, minus the files listed as doing I/O. */
const PURE_DIRS = ['buildflags', 'build', 'bake', 'oci', 'hooks'];
const IO_IN_PURE_DIRS = ['build/run.ts', 'build/execute.ts', 'build/post-step-ops.ts', 'build/alias-mode.ts', 'bake/run.ts'];
const PURE_FILES = [
  'errors.ts',
  'concurrency.ts',
  'metadata.ts',
  'registry/planners.ts',
  'registry/manifest.ts',
  'registry/reference.ts',
  'os/host.ts',
  'doctor/assess.ts',
  'dockerconfig/edit.ts',
  'complete/words.ts',
];

const IO_MODULES = /^(node:)?(fs|fs\/promises|child_process|net|os|http|https|tls|dgram|worker_threads)$|^execa$/;
const IO_GLOBALS = /\bprocess\.(env|stdout|stderr|stdin|cwd|exit|kill|on)\b/;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function pureFiles(): string[] {
  const fromDirs = PURE_DIRS.flatMap((d) => walk(join(SRC, d))).filter((f) => !IO_IN_PURE_DIRS.includes(relative(SRC, f)));
  return [...fromDirs, ...PURE_FILES.map((f) => join(SRC, f))];
}

/** Value imports only: `import type` pulls in no code. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms), ...text.matchAll(/import\('([^']+)'\)/g)].map((m) => m[1]!);
}

describe('architecture: the pure modules the README lists', () => {
  const pure = new Set(pureFiles().map((f) => relative(SRC, f)));

  it('exist (the list is not stale)', () => {
    for (const f of [...IO_IN_PURE_DIRS, ...PURE_FILES]) expect(statSync(join(SRC, f)).isFile(), f).toBe(true);
    expect(pure.size).toBeGreaterThan(30);
  });

  it('import no I/O module and no local module outside the pure list, and touch no process state', () => {
    const problems: string[] = [];
    for (const rel of pure) {
      const file = join(SRC, rel);
      if (IO_GLOBALS.test(readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))) problems.push(`${rel}: uses process state`);
      for (const spec of imports(file)) {
        if (IO_MODULES.test(spec)) problems.push(`${rel}: imports ${spec}`);
        else if (spec.startsWith('.')) {
          const target = relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
          if (!pure.has(target)) problems.push(`${rel}: imports ${target}, which is not pure`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
