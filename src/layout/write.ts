/**
 * Writing a normalized layout. Only index.json and oci-layout ever get new bytes; blobs are copied
 * (for `-o`) by the kernel (copy_file_range / reflink via fs.copyFile) or in bounded chunks, never
 * held in memory.
 *
 *   directory, in place  both new files are written and fsynced as temporaries first, then renamed:
 *                        oci-layout, then index.json (the commit point); fsync dir. A full disk,
 *                        a read-only file system or a permission problem stops it before any rename.
 *   directory, -o        a complete copy in a temp directory beside the target, fsynced, renamed.
 *   tar (in place, -o)   a temp file beside the target: the input is copied up to the first
 *                        entry that changes (index.json, or oci-layout when it was missing), later
 *                        entries are copied as raw byte ranges, then the new entries and the
 *                        end-of-archive marker are appended (tar-stream encodes them); fsync, rename.
 *                        During the kernel copy, fdatasync runs alongside so writeback overlaps it.
 *                        A kill leaves the old file or the new one (plus a temp the next run removes).
 *
 * Every file written keeps the mode and owner of the one it replaces or copies (owner where the
 * system allows: see applyAttrs), and a `-o` directory copy keeps the directory modes, like `cp -p`.
 */
import { constants as fsc } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import tarStream from 'tar-stream';
import { applyAttrs, attrsOf, commitTemp, CommittedError, type FileAttrs, fsyncPath, isOcifixTemp, tempPathFor, writeNewFileSynced } from './atomic.js';
import type { TarSource } from './source.js';
import type { TarEntry } from './tar-scan.js';

export interface NewFiles {
  indexJson: Buffer;
  ociLayout: Buffer;
  /** Which of the two differ from the input (in-place directory writes only touch these). */
  writeIndexJson: boolean;
  writeOciLayout: boolean;
}

const CHUNK = 1024 * 1024;

/** What an in-place write could not keep (a file owned by another user, rewritten by a non-root user). */
function ownerWarning(target: string, attrs: FileAttrs): string {
  return `${target} belonged to uid ${attrs.uid} gid ${attrs.gid}; only root can keep that, so the new file is yours (its mode is kept)`;
}

/** In-place directory: both temporaries written first, then oci-layout renamed, then index.json (the commit point). */
export async function writeDirectoryInPlace(
  root: string,
  files: NewFiles,
  sources: { indexJson: FileAttrs; ociLayout: FileAttrs | undefined },
): Promise<string[]> {
  const warnings: string[] = [];
  const staged: Array<{ tmp: string; target: string }> = [];
  const todo: Array<[string, Buffer, FileAttrs]> = [];
  // a missing oci-layout is created like index.json
  if (files.writeOciLayout) todo.push(['oci-layout', files.ociLayout, sources.ociLayout ?? sources.indexJson]);
  if (files.writeIndexJson) todo.push(['index.json', files.indexJson, sources.indexJson]);
  try {
    for (const [name, bytes, attrs] of todo) {
      const target = join(root, name);
      const tmp = tempPathFor(target);
      staged.push({ tmp, target });
      if (!(await writeNewFileSynced(tmp, bytes, attrs))) warnings.push(ownerWarning(target, attrs));
    }
    while (staged.length > 0) {
      await rename(staged[0]!.tmp, staged[0]!.target);
      staged.shift();
    }
  } catch (error) {
    for (const { tmp } of staged) await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
  try {
    await fsyncPath(root, true);
  } catch (error) {
    throw new CommittedError(join(root, 'index.json'), error);
  }
  return warnings;
}

async function copyTree(from: string, to: string, top: boolean, warnings: string[]): Promise<void> {
  const entries = await readdir(from, { withFileTypes: true });
  for (const e of entries) {
    if (top && (e.name === 'index.json' || e.name === 'oci-layout' || isOcifixTemp(e.name))) continue;
    const s = join(from, e.name);
    const d = join(to, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const st = await stat(s).catch(() => undefined);
      isDir = false;
      isFile = st?.isFile() ?? false;
      if (!isFile) {
        warnings.push(`${s}: symbolic link to a ${st ? 'directory' : 'missing file'}, not copied`);
        continue;
      }
    }
    if (isDir) {
      await mkdir(d, 0o700);
      await copyTree(s, d, false, warnings);
      await applyAttrs(d, attrsOf(await stat(s)));
      await fsyncPath(d, true);
    } else if (isFile) {
      // copyFile keeps the mode; the owner too when we may (root), as cp -p does
      await copyFile(s, d, fsc.COPYFILE_FICLONE);
      await applyAttrs(d, attrsOf(await stat(s)));
      await fsyncPath(d);
    } else {
      warnings.push(`${s}: not a regular file or directory, not copied`);
    }
  }
}

/** `-o DIR`: build the whole layout in a temp directory beside the target, then rename it into place. */
export async function writeDirectoryTo(
  root: string,
  target: string,
  files: NewFiles,
  sources: { root: FileAttrs; indexJson: FileAttrs; ociLayout: FileAttrs | undefined },
): Promise<string[]> {
  const warnings: string[] = [];
  const tmp = tempPathFor(target);
  await mkdir(tmp, 0o700);
  try {
    await copyTree(root, tmp, true, warnings);
    for (const [name, bytes, attrs] of [
      ['oci-layout', files.ociLayout, sources.ociLayout ?? sources.indexJson],
      ['index.json', files.indexJson, sources.indexJson],
    ] as const) {
      await writeNewFileSynced(join(tmp, name), bytes, attrs);
    }
    await applyAttrs(tmp, sources.root);
    await fsyncPath(tmp, true);
    await commitTemp(tmp, target);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  return warnings;
}

async function copyRange(from: FileHandle, to: FileHandle, start: number, end: number, outPos: number, buf: Buffer): Promise<number> {
  let pos = start;
  let out = outPos;
  while (pos < end) {
    const want = Math.min(buf.length, end - pos);
    const { bytesRead } = await from.read(buf, 0, want, pos);
    if (bytesRead === 0) throw new Error(`unexpected end of input at offset ${pos}`);
    let written = 0;
    while (written < bytesRead) {
      const { bytesWritten } = await to.write(buf, written, bytesRead - written, out + written);
      written += bytesWritten;
    }
    pos += bytesRead;
    out += bytesRead;
  }
  return out;
}

/**
 * Kernel copy of `from` into a new file `to` (reflink when the filesystem can), returning a
 * writable handle on it. While the copy runs, a second thread-pool job fdatasyncs `to` over and
 * over, so the disk writes back the pages already copied instead of receiving all of them at
 * the caller's final fsync (the kernel would not start writeback on its own for a file well
 * under its dirty threshold). The caller still fsyncs before renaming: this only moves the
 * writeback earlier. Measured on a 1.1 GiB tar (ext4, virtio disk): 763 -> 632 ms median.
 */
async function copyFileFlushing(from: string, to: string): Promise<FileHandle> {
  const fh = await open(to, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
  let copying = true;
  const flusher = (async () => {
    while (copying) {
      await fh.datasync();
      if (copying) await sleep(5);
    }
  })();
  try {
    await copyFile(from, to, fsc.COPYFILE_FICLONE);
  } catch (error) {
    copying = false;
    await flusher.catch(() => undefined);
    await fh.close().catch(() => undefined);
    throw error;
  }
  copying = false;
  try {
    await flusher;
  } catch (error) {
    await fh.close().catch(() => undefined);
    throw error;
  }
  return fh;
}

/** Encode tar entries (and the end-of-archive marker) with tar-stream. */
async function packTail(files: Array<{ name: string; bytes: Buffer; like: TarEntry | undefined }>): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: Buffer) => chunks.push(c));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const f of files) {
    const like = f.like;
    pack.entry(
      {
        name: f.name,
        size: f.bytes.length,
        type: 'file',
        mode: like ? like.mode & 0o7777 : 0o644,
        mtime: new Date((like?.mtime ?? 0) * 1000),
        uid: like?.uid ?? 0,
        gid: like?.gid ?? 0,
        uname: like?.uname ?? '',
        gname: like?.gname ?? '',
      },
      f.bytes,
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * Write the normalized tar to `target` (which may be the input itself) atomically; it gets the
 * input's mode and owner. Returns warnings (an owner that could not be kept in place).
 */
export async function writeTar(src: TarSource, target: string, files: NewFiles | undefined): Promise<string[]> {
  const tmp = tempPathFor(target);
  const { scan } = src;
  const warnings: string[] = [];
  const keep = async (fh: FileHandle): Promise<void> => {
    if (!(await applyAttrs(fh, src.attrs)) && target === src.path) warnings.push(ownerWarning(target, src.attrs));
  };
  let out: FileHandle | undefined;
  let input: FileHandle | undefined;
  try {
    if (!files) {
      // Nothing to change, but a copy was asked for (-o).
      out = await copyFileFlushing(src.path, tmp);
      await keep(out);
      await out.sync();
      await out.close();
      out = undefined;
      await commitTemp(tmp, target);
      return warnings;
    }
    // Only the entries whose bytes change are rewritten; an unchanged oci-layout stays where it is.
    const names = new Set<string>();
    if (files.writeIndexJson) names.add('index.json');
    if (files.writeOciLayout) names.add('oci-layout');
    const rewritten = scan.entries.filter((e) => names.has(e.name));
    const cut = rewritten.length > 0 ? Math.min(...rewritten.map((e) => e.start)) : scan.end;
    const rest = scan.entries.filter((e) => e.start >= cut && !names.has(e.name));
    const restBytes = rest.reduce((n, e) => n + (e.end - e.start), 0);
    input = await open(src.path, 'r');
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos: number;
    if (cut >= restBytes) {
      // Common case (buildx/containerd put index.json and oci-layout last): let the kernel copy
      // everything, then cut the file where the entries we rewrite begin.
      out = await copyFileFlushing(src.path, tmp);
      await out.truncate(cut);
      pos = cut;
    } else {
      out = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
      pos = await copyRange(input, out, 0, cut, 0, buf);
    }
    await keep(out);
    for (const e of rest) pos = await copyRange(input, out, e.start, e.end, pos, buf);
    const order = rewritten.sort((a, b) => a.start - b.start).map((e) => e.name);
    if (names.has('oci-layout') && !order.includes('oci-layout')) order.unshift('oci-layout');
    // New entries take their header fields (mode, owner, mtime) from the entry they replace,
    // or from index.json for an oci-layout that was missing.
    const like = (name: string): TarEntry | undefined => scan.byName.get(name) ?? scan.byName.get('index.json');
    const tail = await packTail(order.map((name) => ({ name, bytes: name === 'index.json' ? files.indexJson : files.ociLayout, like: like(name) })));
    let written = 0;
    while (written < tail.length) written += (await out.write(tail, written, tail.length - written, pos + written)).bytesWritten;
    await out.truncate(pos + tail.length);
    await out.sync();
    await out.close();
    out = undefined;
    await commitTemp(tmp, target);
    return warnings;
  } catch (error) {
    await out?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  } finally {
    await input?.close().catch(() => undefined);
  }
}
