/**
 * Reading a Node single executable application from the outside, for the release tests: the SEA
 * fuse postject flips, the blob Node reads at start (node/src/node_sea.cc: SeaSerializer), and for
 * Mach-O the load commands (the NODE_SEA segment and the code signature).
 */
import { createHash } from 'node:crypto';

export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const BLOB_MAGIC = Buffer.from([0x20, 0xda, 0x43, 0x01]); // kMagic 0x0143da20, little endian
export const SEA_FLAG_DISABLE_WARNING = 1;
export const SEA_FLAG_USE_SNAPSHOT = 2;
export const SEA_FLAG_USE_CODE_CACHE = 4;

/** `:0` / `:1` after each occurrence of the fuse sentinel (postject sets it to 1 when it injects). */
export function fuseStates(bin: Buffer): string[] {
  const states: string[] = [];
  for (let i = bin.indexOf(SEA_FUSE); i !== -1; i = bin.indexOf(SEA_FUSE, i + 1)) {
    states.push(bin.subarray(i + SEA_FUSE.length, i + SEA_FUSE.length + 2).toString('latin1'));
  }
  return states;
}

export interface SeaBlob {
  offset: number;
  flags: number;
  codePath: string;
  main: Buffer;
  mainSha256: string;
}

/**
 * Find and parse the SEA blob: magic (u32), flags (u32), [Node ≥ 22.20: exec-argv extension (u8)],
 * code path (u64 length + bytes), main script (u64 length + bytes). The magic may occur elsewhere
 * in the binary too (as an instruction operand), so a candidate counts only when the code path is
 * a printable path and the main script fits in the file.
 */
export function findSeaBlob(bin: Buffer): SeaBlob | undefined {
  for (let i = bin.indexOf(BLOB_MAGIC); i !== -1; i = bin.indexOf(BLOB_MAGIC, i + 1)) {
    const flags = bin.readUInt32LE(i + 4);
    for (const extra of [1, 0]) {
      const at = i + 8 + extra;
      if (at + 8 > bin.length) continue;
      const pathLen = Number(bin.readBigUInt64LE(at));
      if (pathLen === 0 || pathLen > 4096 || at + 8 + pathLen + 8 > bin.length) continue;
      const codePath = bin.subarray(at + 8, at + 8 + pathLen).toString('utf8');
      if (!/^[\x20-\x7e]+$/.test(codePath)) continue;
      const mainAt = at + 8 + pathLen;
      const mainLen = Number(bin.readBigUInt64LE(mainAt));
      if (mainLen === 0 || mainAt + 8 + mainLen > bin.length) continue;
      const main = bin.subarray(mainAt + 8, mainAt + 8 + mainLen);
      return { offset: i, flags, codePath, main, mainSha256: sha256(main) };
    }
  }
  return undefined;
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface MachO {
  cpu: 'x86_64' | 'arm64' | `cpu ${number}`;
  segments: Array<{ name: string; fileoff: number; filesize: number; sections: Array<{ name: string; offset: number; size: number }> }>;
  codeSignature?: { dataoff: number; datasize: number };
}

const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;

function cstr(buf: Buffer): string {
  const nul = buf.indexOf(0);
  return buf.subarray(0, nul === -1 ? buf.length : nul).toString('latin1');
}

/** The load commands of a thin 64-bit little-endian Mach-O (what Node ships for macOS). */
export function readMachO(bin: Buffer): MachO {
  if (bin.readUInt32LE(0) !== 0xfeedfacf) throw new Error('not a 64-bit Mach-O');
  const cputype = bin.readUInt32LE(4);
  const cpu = cputype === 0x01000007 ? 'x86_64' : cputype === 0x0100000c ? 'arm64' : (`cpu ${cputype}` as const);
  const ncmds = bin.readUInt32LE(16);
  const out: MachO = { cpu, segments: [] };
  let off = 32;
  for (let n = 0; n < ncmds; n++) {
    const cmd = bin.readUInt32LE(off);
    const size = bin.readUInt32LE(off + 4);
    if (cmd === LC_SEGMENT_64) {
      const nsects = bin.readUInt32LE(off + 64);
      const sections = [];
      for (let s = 0; s < nsects; s++) {
        const so = off + 72 + s * 80;
        sections.push({ name: cstr(bin.subarray(so, so + 16)), size: Number(bin.readBigUInt64LE(so + 40)), offset: bin.readUInt32LE(so + 48) });
      }
      out.segments.push({
        name: cstr(bin.subarray(off + 8, off + 24)),
        fileoff: Number(bin.readBigUInt64LE(off + 40)),
        filesize: Number(bin.readBigUInt64LE(off + 48)),
        sections,
      });
    } else if (cmd === LC_CODE_SIGNATURE) {
      out.codeSignature = { dataoff: bin.readUInt32LE(off + 8), datasize: bin.readUInt32LE(off + 12) };
    }
    off += size;
  }
  return out;
}
