#!/usr/bin/env node
// Print the README's fix table, made from FIXES (src/build/fixes/table.ts): `make fix-table`.
// test/unit/build/fixes/fixes.test.ts fails when README.md does not hold exactly this table.
import { build } from 'esbuild';

const out = await build({
  stdin: { contents: "import { fixTable } from './src/build/fixes/table.ts'; console.log(fixTable());", resolveDir: process.cwd(), loader: 'ts' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'error',
});
await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
