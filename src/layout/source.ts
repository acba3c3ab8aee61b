/**
 * Reading an OCI image layout, as a directory or as a tar, behind one interface. Only the small
 * JSON files (index.json, oci-layout, manifests) are read into memory, each under a size cap;
 * blobs are stat'ed (directory) or located by the tar header scan, and hashed as streams.
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { InputError } from '../errors.js';
import { blobPath, MAX_INDEX_JSON_BYTES, MAX_OCI_LAYOUT_BYTES } from '../oci/layout.js';
import { attrsOf, type FileAttrs } from './atomic.js';
import { readAt, scanTar, type TarScan } from './tar-scan.js';

export type LayoutKind = 'directory' | 'tar';

export interface SmallFile {
  /** Raw bytes as found. */
  bytes: Buffer;
  /** How to name the file in messages (`out/index.json`, `out.tar:index.json`). */
  label: string;
  /** Mode and owner of the file on disk (directory layouts; a tar entry's live in its header). */
  attrs?: FileAttrs;
}

export interface LayoutSource {
  kind: LayoutKind;
  /** The path as the user gave it (for messages). */
  label: string;
  /** Absolute, symlink-resolved path of the directory or tar file. */
  path: string;
  /** Mode and owner of that directory or tar file (a rewrite or copy keeps them). */
  attrs: FileAttrs;
  indexJson: SmallFile;
  ociLayout: SmallFile | undefined;
  /** Label for a blob in messages. */
  blobLabel(digest: string): string;
  /** Size of the blob, or undefined when it is absent. */
  blobSize(digest: string): Promise<number | undefined>;
  /** Read a (small) blob whole; the caller checked its size. */
  readBlob(digest: string, size: number): Promise<Buffer>;
  /** Hash a blob as a stream with the given algorithm; returns the hex digest. */
  hashBlob(digest: string, algorithm: string): Promise<string>;
  close(): Promise<void>;
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException)?.code;
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep);
}

function tooBig(label: string, size: number, cap: number, what: string): InputError {
  const limit = cap >= 1024 * 1024 ? `${cap / 1024 / 1024} MiB` : `${cap / 1024} KiB`;
  return new InputError(`${label} is ${size} bytes, over the ${limit} limit for ${what}; refusing to read it (a real ${what} is far smaller)`);
}

/** Read a small file of a directory layout, refusing symlinks that leave the layout. */
async function readSmall(root: string, name: string, cap: number, displayRoot: string, required: boolean): Promise<SmallFile | undefined> {
  const label = join(displayRoot, name);
  const p = join(root, name);
  let st: Stats;
  try {
    st = await lstat(p);
  } catch (error) {
    if (errno(error) === 'ENOENT') {
      if (!required) return undefined;
      throw new InputError(`${label} not found: ${displayRoot} is not an OCI image layout (expected index.json, oci-layout and blobs/)`);
    }
    throw error;
  }
  if (st.isSymbolicLink()) {
    let target: string;
    try {
      target = await realpath(p);
    } catch {
      throw new InputError(`${label} is a dangling symbolic link; replace it with the file itself`);
    }
    if (!inside(root, target)) {
      throw new InputError(
        `${label} is a symbolic link to ${target}, outside the layout; refusing to read or replace it (copy the file into the layout instead)`,
      );
    }
    st = await stat(target);
  }
  if (!st.isFile()) throw new InputError(`${label} is not a regular file`);
  if (st.size > cap) throw tooBig(label, st.size, cap, name);
  const fh = await open(p, 'r');
  try {
    const bytes = await readAt(fh, 0, cap + 1);
    if (bytes.length > cap) throw tooBig(label, bytes.length, cap, name);
    return { bytes, label, attrs: attrsOf(st) };
  } finally {
    await fh.close();
  }
}

/**
 * Hash `length` bytes of a file from `start` with one reused buffer (no per-chunk allocations,
 * so hashing a multi-GiB blob keeps memory flat).
 */
async function hashRange(path: string, start: number, length: number | undefined, algorithm: string): Promise<string> {
  const h = createHash(algorithm);
  const fh = await open(path, 'r');
  try {
    const end = length === undefined ? (await fh.stat()).size : start + length;
    const buf = Buffer.allocUnsafe(1024 * 1024);
    let pos = start;
    while (pos < end) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

export async function openDirectory(label: string, path: string): Promise<LayoutSource> {
  const root = await realpath(path);
  const attrs = attrsOf(await stat(root));
  const indexJson = (await readSmall(root, 'index.json', MAX_INDEX_JSON_BYTES, label, true))!;
  const ociLayout = await readSmall(root, 'oci-layout', MAX_OCI_LAYOUT_BYTES, label, false);
  const file = (digest: string): string => join(root, blobPath(digest));
  return {
    kind: 'directory',
    label,
    path: root,
    attrs,
    indexJson,
    ociLayout,
    blobLabel: (digest) => join(label, blobPath(digest)),
    async blobSize(digest) {
      try {
        const st = await stat(file(digest));
        return st.isFile() ? st.size : undefined;
      } catch (error) {
        if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return undefined;
        throw error;
      }
    },
    async readBlob(digest, size) {
      const fh = await open(file(digest), 'r');
      try {
        return await readAt(fh, 0, size);
      } finally {
        await fh.close();
      }
    },
    hashBlob: (digest, algorithm) => hashRange(file(digest), 0, undefined, algorithm),
    async close() {},
  };
}

export interface TarSource extends LayoutSource {
  kind: 'tar';
  scan: TarScan;
}

export async function openTar(label: string, path: string): Promise<TarSource> {
  const real = await realpath(path);
  const fh: FileHandle = await open(real, 'r');
  try {
    const st = await fh.stat();
    const attrs = attrsOf(st);
    const scan = await scanTar(fh, st.size, label);
    const small = async (name: string, cap: number, required: boolean): Promise<SmallFile | undefined> => {
      const e = scan.byName.get(name);
      const where = `${label}:${name}`;
      if (!e) {
        if (!required) return undefined;
        throw new InputError(`${label} has no ${name}: it is not an OCI image layout tar (expected index.json, oci-layout and blobs/)`);
      }
      if (e.type !== 'file') throw new InputError(`${where} is not a regular file`);
      if (e.size > cap) throw tooBig(where, e.size, cap, name);
      return { bytes: await readAt(fh, e.dataOffset, e.size), label: where };
    };
    const indexJson = (await small('index.json', MAX_INDEX_JSON_BYTES, true))!;
    const ociLayout = await small('oci-layout', MAX_OCI_LAYOUT_BYTES, false);
    const entryOf = (digest: string) => {
      const e = scan.byName.get(blobPath(digest));
      return e && e.type === 'file' ? e : undefined;
    };
    return {
      kind: 'tar',
      label,
      path: real,
      attrs,
      scan,
      indexJson,
      ociLayout,
      blobLabel: (digest) => `${label}:${blobPath(digest)}`,
      blobSize: async (digest) => entryOf(digest)?.size,
      async readBlob(digest, size) {
        const e = entryOf(digest)!;
        return readAt(fh, e.dataOffset, Math.min(size, e.size));
      },
      async hashBlob(digest, algorithm) {
        const e = entryOf(digest)!;
        return hashRange(real, e.dataOffset, e.size, algorithm);
      },
      close: () => fh.close(),
    };
  } catch (error) {
    await fh.close();
    throw error;
  }
}

/** Open a layout: a directory, or a regular file taken to be a tar. */
export async function openLayout(label: string, path: string): Promise<LayoutSource> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (error) {
    if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') throw new InputError(`${label}: no such file or directory`);
    throw error;
  }
  if (st.isDirectory()) return openDirectory(label, path);
  if (st.isFile()) return openTar(label, path);
  throw new InputError(`${label} is neither a directory nor a regular file; expected an OCI layout directory or tar`);
}
