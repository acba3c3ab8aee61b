/**
 * Platform specifiers, parsed exactly like containerd's `platforms.Parse` (github.com/containerd/platforms
 * v1.0.0-rc.4, the version buildx v0.36.1 vendors) and formatted like `platforms.Format`.
 * Pure: no I/O. Error messages are containerd's, byte for byte (callers add buildx's
 * `invalid platform %q: ` wrapper where buildx does).
 */

/** An OCI platform (the `platform` object of a descriptor). */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
}

/** A platform specifier containerd refuses. `message` is containerd's error text. */
export class PlatformSyntaxError extends Error {
  override name = 'PlatformSyntaxError';
}

const SPECIFIER_RE = /^[A-Za-z0-9_.-]+$/;
const OS_RE = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$/;

const KNOWN_OS = new Set([
  'aix',
  'android',
  'darwin',
  'dragonfly',
  'freebsd',
  'hurd',
  'illumos',
  'ios',
  'js',
  'linux',
  'nacl',
  'netbsd',
  'openbsd',
  'plan9',
  'solaris',
  'windows',
  'zos',
]);
const KNOWN_ARCH = new Set([
  '386',
  'amd64',
  'amd64p32',
  'arm',
  'armbe',
  'arm64',
  'arm64be',
  'ppc64',
  'ppc64le',
  'loong64',
  'mips',
  'mipsle',
  'mips64',
  'mips64le',
  'mips64p32',
  'mips64p32le',
  'ppc',
  'riscv',
  'riscv64',
  's390',
  's390x',
  'sparc',
  'sparc64',
  'wasm',
]);

/** Go's strconv.Quote (what `%q` prints) for the strings that reach our error messages. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\v':
        out += '\\v';
        break;
      default:
        if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
        else if (c === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
        else if (c >= 0x80 && /[\p{C}\p{Zl}\p{Zp}]/u.test(ch))
          out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
        else out += ch;
    }
  }
  return `${out}"`;
}

/** Go's GOARCH for this process (what `runtime.GOARCH` would be for a Go binary here). */
export function hostArch(): string {
  switch (process.arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'arm64':
      return 'arm64';
    case 'arm':
      return 'arm';
    case 'ppc64':
      return process.platform === 'linux' ? 'ppc64le' : 'ppc64';
    case 'loong64':
      return 'loong64';
    case 'riscv64':
      return 'riscv64';
    case 's390x':
      return 's390x';
    default:
      return process.arch;
  }
}

/** Go's GOOS for this process. */
export function hostOS(): string {
  return process.platform === 'win32' ? 'windows' : process.platform === 'sunos' ? 'solaris' : process.platform;
}

function normalizeOS(os: string): string {
  if (os === '') return hostOS();
  const lower = os.toLowerCase();
  return lower === 'macos' ? 'darwin' : lower;
}

/** containerd's normalizeArch. */
export function normalizeArch(archIn: string, variantIn: string): [string, string] {
  let arch = archIn.toLowerCase();
  let variant = variantIn.toLowerCase();
  switch (arch) {
    case 'i386':
      arch = '386';
      variant = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      arch = 'amd64';
      if (variant === 'v1') variant = '';
      break;
    case 'aarch64':
    case 'arm64':
      arch = 'arm64';
      if (variant === '8' || variant === 'v8') variant = '';
      break;
    case 'armhf':
      arch = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      arch = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      if (variant === '' || variant === '7') variant = 'v7';
      else if (variant === '5' || variant === '6' || variant === '8') variant = `v${variant}`;
      break;
    default:
      break;
  }
  return [arch, variant];
}

function decodeOSOption(v: string, specifier: string, what: string): string {
  if (!v.includes('%')) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    throw new PlatformSyntaxError(`${goQuote(specifier)} has ${what}: invalid URL escape`);
  }
}

function make(os: string, architecture: string, variant: string, osVersion: string, osFeatures: string[] | undefined): Platform {
  const p: Platform = { os, architecture };
  if (variant) p.variant = variant;
  if (osVersion) p.osVersion = osVersion;
  if (osFeatures && osFeatures.length > 0) p.osFeatures = osFeatures;
  return p;
}

/**
 * `platforms.Parse`: `<os>|<arch>|<os>/<arch>[/<variant>]`, normalized (x86_64 → amd64, aarch64 → arm64,
 * arm64/v8 kept as given, arm → arm/v7 dropped to arm). A lone OS gets the host architecture, a lone
 * architecture the host OS. Throws PlatformSyntaxError with containerd's message.
 */
export function parsePlatform(specifier: string): Platform {
  if (specifier.includes('*')) throw new PlatformSyntaxError(`${goQuote(specifier)}: wildcards not yet supported: invalid argument`);
  const split = specifier.split('/');
  const parts = split.length > 4 ? [...split.slice(0, 3), split.slice(3).join('/')] : split;
  let os = '';
  let osVersion = '';
  let osFeatures: string[] | undefined;
  parts.forEach((part, i) => {
    if (i === 0) {
      const m = OS_RE.exec(part);
      if (!m) {
        throw new PlatformSyntaxError(
          `${goQuote(part)} is an invalid OS component of ${goQuote(specifier)}: OSAndVersion specifier component must match ${goQuote(OS_RE.source)}: invalid argument`,
        );
      }
      os = normalizeOS(m[1]!);
      osVersion = decodeOSOption(m[2] ?? '', specifier, `an invalid OS version ${goQuote(m[2] ?? '')}`);
      if (m[3])
        osFeatures = m[3]
          .slice(1)
          .split('+')
          .map((f) => decodeOSOption(f, specifier, 'invalid OS features'));
    } else if (!SPECIFIER_RE.test(part)) {
      throw new PlatformSyntaxError(
        `${goQuote(part)} is an invalid component of ${goQuote(specifier)}: platform specifier component must match ${goQuote(SPECIFIER_RE.source)}: invalid argument`,
      );
    }
  });
  switch (parts.length) {
    case 1: {
      if (KNOWN_OS.has(os)) {
        // containerd picks runtime.GOARCH (and the CPU variant on 32-bit arm, which we do not probe).
        return make(os, hostArch(), '', osVersion, osFeatures);
      }
      const [arch, v] = normalizeArch(parts[0]!, '');
      const variant = arch === 'arm' && v === 'v7' ? '' : v;
      if (KNOWN_ARCH.has(arch)) return make(hostOS(), arch, variant, '', undefined);
      throw new PlatformSyntaxError(`${goQuote(specifier)}: unknown operating system or architecture: invalid argument`);
    }
    case 2: {
      const [arch, v] = normalizeArch(parts[1]!, '');
      const variant = arch === 'arm' && v === 'v7' ? '' : v;
      return make(os, arch, variant, osVersion, osFeatures);
    }
    case 3: {
      const [arch, v] = normalizeArch(parts[1]!, parts[2]!);
      const variant = arch === 'arm64' && v === '' ? 'v8' : v;
      return make(os, arch, variant, osVersion, osFeatures);
    }
    default:
      throw new PlatformSyntaxError(`${goQuote(specifier)}: cannot parse platform specifier: invalid argument`);
  }
}

/** `platforms.Format`: `os/arch[/variant]`, `unknown` when the OS is empty. */
export function formatPlatform(p: Pick<Platform, 'os' | 'architecture' | 'variant'> | undefined | null): string {
  if (!p || !p.os) return 'unknown';
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== '').join('/');
}

/** `platforms.Normalize` + equality on os/arch/variant (what containerd's matcher compares). */
export function samePlatform(a: Pick<Platform, 'os' | 'architecture' | 'variant'>, b: Pick<Platform, 'os' | 'architecture' | 'variant'>): boolean {
  const [aa, av] = normalizeArch(a.architecture ?? '', a.variant ?? '');
  const [ba, bv] = normalizeArch(b.architecture ?? '', b.variant ?? '');
  return normalizeOS(a.os ?? '') === normalizeOS(b.os ?? '') && aa === ba && av === bv;
}
