/**
 * Process entry. Answers the plugin metadata probe without loading anything else; every other
 * call loads the CLI lazily (esbuild turns the dynamic import into a deferred module init).
 */
import { metadataJson } from './metadata.js';

const argv = process.argv.slice(2);

if (argv.length === 1 && argv[0] === 'docker-cli-plugin-metadata') {
  process.stdout.write(metadataJson());
} else {
  import('./main.js')
    .then(async ({ main }) => {
      process.exitCode = await main(argv);
    })
    .catch((error: unknown) => {
      process.stderr.write(`docker ocifix: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    });
}
