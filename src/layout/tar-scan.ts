/**
 * Tar header scanner. Walks the 512-byte headers of a tar file with positioned reads and skips
 * over entry data without reading it, so a multi-GiB layout tar is indexed with a few syscalls per
 * entry and no blob ever passes through memory. Understands ustar, GNU (long names, base-256
 * sizes) and PAX (path, size) headers, i.e. what Go's archive/tar (buildx/containerd) writes.
 *
 * Safety checks done here (each an InputError naming the file, the entry and the fix):
 * compressed input, non-tar input, bad header checksums, absolute names, `..` components,
 * duplicate entries, link/device entries, truncated data, data after the end-of-archive block.
 */
import type { FileHandle } from 'node:fs/promises';
import { InputError } from '../errors.js';

const BLOCK = 512;
const MAX_META_BYTES = 1024 * 1024;

export type TarEntryType = 'file' | 'directory';

export interface TarEntry {
  /** Normalized path (no leading `./`, no trailing `/`). */
  name: string;
  type: TarEntryType;
  size: number;
  /** Offset of the first block of this entry, including PAX / GNU long-name blocks before it. */
  start: number;
  /** Offset of the entry's data. */
  dataOffset: number;
  /** Offset just past the entry's data padding (= start of the next entry). */
  end: number;
  mode: number;
  mtime: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
}

export interface TarScan {
  entries: TarEntry[];
  byName: Map<string, TarEntry>;
  /** Offset where the end-of-archive marker starts (or the file ends). */
  end: number;
  fileSize: number;
}

function cstring(buf: Buffer, off: number, len: number): string {
  const slice = buf.subarray(off, off + len);
  const nul = slice.indexOf(0);
  return (nul >= 0 ? slice.subarray(0, nul) : slice).toString('utf8');
}

function numeric(buf: Buffer, off: number, len: number): number {
  if (buf[off]! & 0x80) {
    // GNU base-256: big-endian, high bit of the first byte is the marker.
    let v = buf[off]! & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + buf[off + i]!;
    return v;
  }
  const s = cstring(buf, off, len)
    .replace(/[ \0]+$/g, '')
    .trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return Number.NaN;
  return parseInt(s, 8);
}

function checksumOk(buf: Buffer): boolean {
  const stored = numeric(buf, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : buf[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

function parsePax(data: Buffer, label: string, where: number): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = Number(data.subarray(pos, sp).toString('ascii'));
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > data.length) {
      throw new InputError(`${label}: malformed PAX header at offset ${where}; the tar is corrupt — re-export it`);
    }
    const record = data.subarray(sp + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

/** Detect a compressed file from its first bytes; returns the format name or undefined. */
export function compressionOf(head: Buffer): string | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x28b52ffd) return 'zstd';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.length >= 3 && head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  return undefined;
}

const DECOMPRESS: Record<string, string> = { gzip: 'gunzip -c', zstd: 'zstd -dc', xz: 'xz -dc', bzip2: 'bunzip2 -c' };

/** Normalize an entry name and reject unsafe ones. Returns '' for the archive root (`./`). */
export function safeEntryName(raw: string, label: string): string {
  if (raw.startsWith('/')) {
    throw new InputError(`${label}: entry "${raw}" has an absolute path; an OCI layout tar holds relative paths only (refusing to read it)`);
  }
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new InputError(`${label}: entry "${raw}" contains "..", which would point outside the layout (refusing to read it)`);
  }
  return parts.join('/');
}

async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === len ? buf : buf.subarray(0, got);
}

/**
 * Offset of the first non-zero byte in [from, to), or undefined. A tar ends with zero blocks (two,
 * possibly padded to a record); anything after the first zero block is data some readers see and
 * others do not.
 */
async function firstNonZero(fh: FileHandle, from: number, to: number): Promise<number | undefined> {
  const buf = Buffer.alloc(64 * 1024);
  for (let pos = from; pos < to;) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, to - pos), pos);
    if (bytesRead === 0) return undefined;
    for (let i = 0; i < bytesRead; i++) if (buf[i] !== 0) return pos + i;
    pos += bytesRead;
  }
  return undefined;
}

/** The name a ustar header holds (with its POSIX prefix field). */
function headerName(hdr: Buffer): string {
  const magic = hdr.subarray(257, 263).toString('latin1');
  const name = cstring(hdr, 0, 100);
  if (!magic.startsWith('ustar')) return name;
  const prefix = cstring(hdr, 345, 155);
  return prefix !== '' && magic === 'ustar\0' ? `${prefix}/${name}` : name;
}

/** Regular files and directories only: links and special files are refused. */
function entryType(typeflag: string, rawName: string, label: string): TarEntryType {
  if (typeflag === '0' || typeflag === '\0' || typeflag === '7') return 'file';
  if (typeflag === '5') return 'directory';
  if (typeflag === '1' || typeflag === '2') {
    throw new InputError(
      `${label}: entry "${rawName}" is a ${typeflag === '2' ? 'symbolic' : 'hard'} link; an OCI layout tar holds regular files only (refusing to read it)`,
    );
  }
  throw new InputError(`${label}: entry "${rawName}" has unsupported tar type '${typeflag}'; an OCI layout tar holds regular files and directories only`);
}

/** Scan a tar file's headers. `label` names the file in messages. */
export async function scanTar(fh: FileHandle, fileSize: number, label: string): Promise<TarScan> {
  if (fileSize === 0) throw new InputError(`${label} is empty; expected an OCI layout tar (docker buildx build -o type=oci,dest=${label})`);
  const head = await readAt(fh, 0, Math.min(BLOCK, fileSize));
  const comp = compressionOf(head);
  if (comp) {
    throw new InputError(
      `${label} is ${comp}-compressed; ocifix reads plain OCI layout tars (as written by -o type=oci,dest=…). Decompress it first, e.g. ${DECOMPRESS[comp]} ${label} > plain.tar`,
    );
  }
  const entries: TarEntry[] = [];
  const byName = new Map<string, TarEntry>();
  let pos = 0;
  let start = 0;
  let paxPath: string | undefined;
  let paxSize: number | undefined;
  let longName: string | undefined;
  for (;;) {
    if (pos >= fileSize) return { entries, byName, end: pos, fileSize };
    const hdr = await readAt(fh, pos, BLOCK);
    if (hdr.length < BLOCK) {
      if (pos === 0)
        throw new InputError(`${label} is not a tar archive (${fileSize} bytes, shorter than one tar header); expected an OCI layout tar or directory`);
      throw new InputError(`${label} is truncated: it ends inside a tar header at offset ${pos}; re-export the layout`);
    }
    if (hdr.every((b) => b === 0)) {
      if (paxPath !== undefined || paxSize !== undefined || longName !== undefined) {
        throw new InputError(`${label} is truncated or corrupt: an extended header at offset ${start} has no entry after it`);
      }
      const hidden = await firstNonZero(fh, pos + BLOCK, fileSize);
      if (hidden !== undefined) {
        throw new InputError(
          `${label}: the end-of-archive zero block at offset ${pos} is followed by more data at offset ${hidden}; tar readers disagree on what such a file holds (GNU tar stops at the zero block, Go's archive/tar stops or fails with "invalid tar header", tar --ignore-zeros reads on), so refusing to read it — re-export the layout`,
        );
      }
      return { entries, byName, end: pos, fileSize };
    }
    if (!checksumOk(hdr)) {
      if (pos === 0) throw new InputError(`${label} is not a tar archive (no valid tar header at its start); expected an OCI layout tar or directory`);
      throw new InputError(`${label} is corrupt: bad tar header checksum at offset ${pos}; re-export the layout`);
    }
    const typeflag = String.fromCharCode(hdr[156]!);
    let size = numeric(hdr, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) throw new InputError(`${label} is corrupt: bad size field in the tar header at offset ${pos}`);
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_META_BYTES)
        throw new InputError(`${label}: extended tar header at offset ${pos} is ${size} bytes (limit ${MAX_META_BYTES}); refusing to read it`);
      const dataEnd = pos + BLOCK + size;
      if (dataEnd > fileSize)
        throw new InputError(`${label} is truncated: extended header at offset ${pos} runs past the end of the file; re-export the layout`);
      const data = await readAt(fh, pos + BLOCK, size);
      if (typeflag === 'x') {
        const pax = parsePax(data, label, pos);
        if (pax.has('path')) paxPath = pax.get('path');
        if (pax.has('size')) {
          const s = Number(pax.get('size'));
          if (!Number.isSafeInteger(s) || s < 0) throw new InputError(`${label}: bad PAX size at offset ${pos}`);
          paxSize = s;
        }
      } else if (typeflag === 'L') {
        longName = cstring(data, 0, data.length);
      }
      pos = pos + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
      continue;
    }
    let rawName = headerName(hdr);
    if (longName !== undefined) rawName = longName;
    if (paxPath !== undefined) rawName = paxPath;
    if (paxSize !== undefined) size = paxSize;
    paxPath = undefined;
    paxSize = undefined;
    longName = undefined;

    const name = safeEntryName(rawName, label);
    const type = entryType(typeflag, rawName, label);
    const dataOffset = pos + BLOCK;
    const padded = type === 'file' ? Math.ceil(size / BLOCK) * BLOCK : 0;
    if (type === 'directory') size = 0;
    if (dataOffset + size > fileSize || dataOffset + padded > fileSize) {
      throw new InputError(
        `${label} is truncated: entry "${rawName}" needs ${size} bytes at offset ${dataOffset} but the file ends at ${fileSize}; re-export the layout`,
      );
    }
    const entry: TarEntry = {
      name,
      type,
      size,
      start,
      dataOffset,
      end: dataOffset + padded,
      mode: numeric(hdr, 100, 8) || (type === 'directory' ? 0o755 : 0o644),
      mtime: numeric(hdr, 136, 12) || 0,
      uid: numeric(hdr, 108, 8) || 0,
      gid: numeric(hdr, 116, 8) || 0,
      uname: cstring(hdr, 265, 32),
      gname: cstring(hdr, 297, 32),
    };
    if (name !== '') {
      const prev = byName.get(name);
      if (prev) {
        throw new InputError(
          `${label}: duplicate entry "${name}" (at offsets ${prev.start} and ${start}); tar readers disagree on which copy wins, so refusing to read it — re-export the layout`,
        );
      }
      byName.set(name, entry);
    }
    entries.push(entry);
    pos = entry.end;
    start = pos;
  }
}

export { readAt };
