/**
 * Process entry. The two calls that must be cheapest are answered here without loading the CLI:
 *  - `docker-cli-plugin-metadata`: docker runs it before every `docker ocifix …` call and on every
 *    `docker --help`, `docker info` and TAB completion;
 *  - `[globals] ocifix version|--version [--json]`: the health check scripts and installers run.
 * Every other call loads the CLI lazily (esbuild turns the dynamic import into a deferred init).
 */
import { reportError } from './cli/report.js';
import { splitInvocation } from './globalflags.js';
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

const fast = argv.length === 1 && argv[0] === 'docker-cli-plugin-metadata' ? metadataJson() : fastVersion();
if (fast !== undefined) {
  process.stdout.write(fast);
} else {
  import('./main.js')
    .then(async ({ main }) => {
      process.exitCode = await main(argv);
    })
    .catch((error: unknown) => {
      process.exitCode = reportError(error, process.stderr, argv.includes('-D') || argv.includes('--debug'));
    });
}
