/**
 * The release binaries in dist/, checked from the outside: the executable format file(1) sees, a
 * size that fits the pinned host binary plus the bundle, the SEA fuse flipped, the SEA blob's main
 * script byte-identical to build/docker-ocifix.cjs (the same bundle in every binary), and for
 * macOS a valid ad hoc signature over the injected NODE_SEA segment (every page hash checked by
 * scripts/macho-verify.mjs; rcodesign print-signature-info for its kind).
 *
 * Which binaries: OCIFIX_RELEASE_TARGETS (comma-separated), by default the two CI builds
 * (`make test`: linux-x64, linux-arm64); `make test-release` checks all five. A listed binary that
 * is missing fails the test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findSeaBlob, fuseStates, readMachO, SEA_FLAG_USE_CODE_CACHE, sha256 } from '../support/sea-binary.js';
import { verifyAdhocSignature } from '../../scripts/macho-verify.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const dist = join(root, 'dist');
const _ALL = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'windows-x64'] as const;
type Target = (typeof _ALL)[number];
const targets = (process.env['OCIFIX_RELEASE_TARGETS'] || 'linux-x64,linux-arm64').split(',') as Target[];

const FILE: Record<Target, RegExp> = {
  'linux-x64': /^ELF 64-bit LSB (pie )?executable, x86-64\b/,
  'linux-arm64': /^ELF 64-bit LSB (pie )?executable, ARM aarch64\b/,
  'darwin-x64': /^Mach-O 64-bit x86_64 executable\b/,
  'darwin-arm64': /^Mach-O 64-bit arm64 executable\b/,
  'windows-x64': /^PE32\+ executable \(console\) x86-64, for MS Windows\b/,
};

interface HostSpec {
  node: string;
  source: string;
  path?: string;
  package?: string;
  member?: string;
  sha256: string;
}
const hosts = (JSON.parse(readFileSync(join(root, 'scripts/release-hosts.json'), 'utf8')) as { hosts: Record<Target, HostSpec> }).hosts;

const fileName = (t: Target): string => `docker-ocifix-${t}${t === 'windows-x64' ? '.exe' : ''}`;

/** The pinned host binary the release was injected into (node_modules, or the release cache). */
function hostBinary(t: Target): string {
  const h = hosts[t];
  if (h.source === 'node_modules') return join(root, h.path!);
  const cache = process.env['OCIFIX_NODE_HOSTS_DIR'] || join(homedir(), '.cache/docker-ocifix/node-hosts');
  const name = h.source === 'npm' ? h.package!.replace('@', '-') : h.package!.replace('==', '-');
  return join(cache, name, h.member!.split('/').pop()!);
}

const bundle = readFileSync(join(root, 'build/docker-ocifix.cjs'));
const sums = existsSync(join(dist, 'SHA256SUMS'))
  ? new Map(
      readFileSync(join(dist, 'SHA256SUMS'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/).reverse() as [string, string]),
    )
  : new Map<string, string>();

function rcodesign(): string {
  return execFileSync(join(root, 'scripts/release-tools'), ['rcodesign'], { encoding: 'utf8' }).trim();
}

describe.each(targets)('%s', (target) => {
  const path = join(dist, fileName(target));
  const bin = (): Buffer => {
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`make release\` (all five) or \`make binaries-ci\``);
    return readFileSync(path);
  };

  it('is listed in dist/SHA256SUMS with its hash', () => {
    expect(sums.get(fileName(target))).toBe(sha256(bin()));
  });

  it('is the executable format of its platform (file(1))', () => {
    bin();
    const out = execFileSync('file', ['-b', path], { encoding: 'utf8' });
    expect(out).toMatch(FILE[target]);
  });

  it('is the pinned host binary plus the bundle in size', () => {
    const host = hostBinary(target);
    expect(existsSync(host), `${host}: the host binary (fetched by make release)`).toBe(true);
    const hostSize = statSync(host).size;
    const size = bin().length;
    // ELF/PE grow by the blob (plus section alignment); Mach-O loses Node's own signature
    // (~0.9 MiB) and gains the ad hoc one of about the same size.
    expect(size).toBeGreaterThan(hostSize - 2 * 2 ** 20);
    expect(size).toBeLessThan(hostSize + bundle.length * 3 + 2 * 2 ** 20);
  });

  it('has the SEA fuse set, once, and the bundle as its SEA main script', () => {
    const b = bin();
    expect(fuseStates(b)).toEqual([':1']);
    const blob = findSeaBlob(b);
    expect(blob, 'SEA blob').toBeDefined();
    expect(blob!.mainSha256).toBe(sha256(bundle));
    // V8's code cache is machine-specific: only the binary built for this very platform has one.
    expect(Boolean(blob!.flags & SEA_FLAG_USE_CODE_CACHE)).toBe(target === 'linux-x64');
  });

  if (target.startsWith('darwin'))
    it('Mach-O: the blob sits in the NODE_SEA segment and an ad hoc signature covers it (page hashes checked)', () => {
      const b = bin();
      const macho = readMachO(b);
      expect(macho.cpu).toBe(target === 'darwin-arm64' ? 'arm64' : 'x86_64');
      const seg = macho.segments.find((s) => s.name === 'NODE_SEA');
      expect(seg?.sections.map((s) => s.name)).toEqual(['__NODE_SEA_BLOB']);
      expect(seg!.sections[0]!.offset).toBe(findSeaBlob(b)!.offset);
      // the signature is the last thing in __LINKEDIT, after every signed byte
      expect(macho.codeSignature, 'LC_CODE_SIGNATURE').toBeDefined();
      expect(macho.codeSignature!.dataoff).toBeGreaterThan(seg!.fileoff + seg!.filesize);
      expect(macho.codeSignature!.dataoff + macho.codeSignature!.datasize).toBeLessThanOrEqual(b.length);
      // every signed page hashed as the kernel checks it (rcodesign 0.29's verify cannot read ad hoc signatures)
      expect(verifyAdhocSignature(b)).toEqual([]);
      const rc = rcodesign();
      const info = execFileSync(rc, ['print-signature-info', path], { encoding: 'utf8' });
      expect(info).toMatch(/adhoc/i);
      expect(info).not.toMatch(/team_id:\s*\S/);
    });
});
