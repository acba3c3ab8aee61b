/**
 * Process entry. The two calls that must be cheapest are answered here without loading the CLI:
 *  - `docker-cli-plugin-metadata`: docker runs it before every `docker ocifix …` call and on every
 *    `docker --help`, `docker info` and TAB completion;
 *  - `[globals] ocifix version|--version [--json]`: the health check scripts and installers run;
 *  - `ocifix docker-cli-plugin-hooks JSON`: the CLI hook, which docker waits for after a build;
 *  - `__complete ocifix …`: TAB completion, from one small module (no clipanion unless it
 *    completes one of ocifix's own commands' flags).
 * Every other call loads the CLI lazily (esbuild turns the dynamic import into a deferred init).
 */
import { reportError } from './cli/report.js';
import { splitInvocation } from './globalflags.js';
import { hookAnswer } from './hooks/hint.js';
import { metadataJson, versionText } from './metadata.js';

const argv = process.argv.slice(2);

// A reader that stops early (`docker ocifix build --help | head -1`) closes the pipe: stop quietly,
// as buildx does, instead of dying on Node's unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

/** `docker-ocifix [ocifix] docker-cli-plugin-hooks JSON`: the CLI hook, answered here (src/hooks/hint.ts). */
function hookCall(): string | undefined {
  const at = argv.indexOf('docker-cli-plugin-hooks');
  if (at === -1 || at < argv.length - 2 || (at > 0 && argv[at - 1] !== 'ocifix')) return undefined;
  return hookAnswer(argv[at + 1]);
}

/** `[globals] __complete ocifix ARGS…`: TAB completion, from src/complete/run.ts alone. */
function completeCall(): Promise<number> | undefined {
  let inv;
  try {
    inv = splitInvocation(argv);
  } catch {
    return undefined;
  }
  if (inv.kind !== 'complete') return undefined;
  const { args, globals } = inv;
  return import('./complete/run.js').then(({ complete }) => complete(args, { stdout: process.stdout, env: process.env, globals }));
}

function fastVersion(): string | undefined {
  try {
    const inv = splitInvocation(argv);
    if (inv.kind !== 'run') return undefined;
    const [cmd, ...rest] = inv.args;
    if (cmd !== 'version' && cmd !== '--version') return undefined;
    if (rest.length === 0) return versionText(false);
    if (rest.length === 1 && rest[0] === '--json') return versionText(true);
  } catch {
    // malformed global flags: the CLI reports them
  }
  return undefined;
}

const fast = argv.length === 1 && argv[0] === 'docker-cli-plugin-metadata' ? metadataJson() : (hookCall() ?? fastVersion());
const completing = fast === undefined ? completeCall() : undefined;
if (fast !== undefined) {
  process.stdout.write(fast);
} else if (completing) {
  completing.then(
    (code) => (process.exitCode = code),
    (error: unknown) => (process.exitCode = reportError(error, process.stderr, false)),
  );
} else {
  import('./main.js')
    .then(async ({ main }) => {
      process.exitCode = await main(argv);
    })
    .catch((error: unknown) => {
      process.exitCode = reportError(error, process.stderr, argv.includes('-D') || argv.includes('--debug'));
    });
}
