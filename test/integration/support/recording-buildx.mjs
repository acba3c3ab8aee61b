// A recording stand-in for the docker-buildx CLI plugin, used ONLY to assert the exact argv and
// environment docker-ocifix hands to buildx, exit-code passthrough and cancellation. It is a
// real CLI plugin (answers the metadata probe) so the real docker CLI runs it.
//   args containing  __exit=N  -> exit N
//   args containing  __wait    -> wait for cancellation (plugin socket EOF or SIGINT/SIGTERM)
import { appendFileSync } from 'node:fs';
import { connect } from 'node:net';

const args = process.argv.slice(2);
if (args[0] === 'docker-cli-plugin-metadata') {
  process.stdout.write(JSON.stringify({ SchemaVersion: '0.1.0', Vendor: 'ocifix-tests', Version: 'v0.0.0-recording' }));
  process.exit(0);
}
const log = (event) => {
  if (process.env.OCIFIX_RECORD) appendFileSync(process.env.OCIFIX_RECORD, `${JSON.stringify(event)}\n`);
};
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('DOCKER') || k === 'BUILDX_BUILDER'));
log({ event: 'run', args, env, stdoutIsTTY: Boolean(process.stdout.isTTY) });
process.stdout.write(`recording-buildx ${args.join(' ')}\n`);
const exitArg = args.find((a) => a.startsWith('__exit='));
if (exitArg) process.exit(Number(exitArg.slice('__exit='.length)));
if (args.includes('__wait')) {
  // Count every signal for a moment before exiting, so a test can tell one SIGINT from two.
  const seen = [];
  const done = (how, code) => {
    seen.push(how);
    if (seen.length > 1) return;
    setTimeout(() => {
      log({ event: 'cancelled', how, seen });
      process.exit(code);
    }, 400);
  };
  // as the real buildx (measured with v0.36.1 and v0.15.1): a cancel is exit 130, whatever asked for it
  process.on('SIGINT', () => done('SIGINT', 130));
  process.on('SIGTERM', () => done('SIGTERM', 130));
  const addr = process.env.DOCKER_CLI_PLUGIN_SOCKET;
  if (addr) {
    const s = connect({ path: addr.startsWith('@') ? `\0${addr.slice(1)}` : addr });
    s.on('error', () => undefined);
    s.on('end', () => done('socket', 130));
    s.resume();
  }
  log({ event: 'waiting' });
  setInterval(() => undefined, 1000);
} else {
  process.exit(0);
}
