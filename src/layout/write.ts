/**
 * Writing a normalized layout. Only index.json and oci-layout ever get new bytes; blobs are copied
 * (for `-o`) by the kernel (copy_file_range / reflink via fs.copyFile) or in bounded chunks, never
 * held in memory.
 *
 *   directory, in place  oci-layout then index.json, each atomically (temp, fsync, rename, fsync
 *                        dir). index.json is the commit point.
 *   directory, -o        a complete copy in a temp directory beside the target, fsynced, renamed.
 *   tar (in place, -o)   a temp file beside the target: the input is copied up to the first
 *                        entry that changes (index.json, or oci-layout when it was missing), later
 *                        entries are copied as raw byte ranges, then the new entries and the
 *                        end-of-archive marker are appended (tar-stream encodes them); fsync, rename.
 *                        During the kernel copy, fdatasync runs alongside so writeback overlaps it.
 *                        A kill leaves the old file or the new one (plus a temp the next run removes).
 */
import { constants as fsc } from 'node:fs';
import { copyFile, mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import tarStream from 'tar-stream';
import { commitTemp, fsyncPath, isOcifixTemp, tempPathFor, writeFileAtomic, writeNewFileSynced } from './atomic.js';
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

/** In-place directory: oci-layout first, then index.json (the commit point). */
export async function writeDirectoryInPlace(root: string, files: NewFiles): Promise<void> {
  if (files.writeOciLayout) await writeFileAtomic(join(root, 'oci-layout'), files.ociLayout);
  if (files.writeIndexJson) await writeFileAtomic(join(root, 'index.json'), files.indexJson);
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
      await mkdir(d);
      await copyTree(s, d, false, warnings);
      await fsyncPath(d, true);
    } else if (isFile) {
      await copyFile(s, d, fsc.COPYFILE_FICLONE);
      await fsyncPath(d);
    } else {
      warnings.push(`${s}: not a regular file or directory, not copied`);
    }
  }
}

/** `-o DIR`: build the whole layout in a temp directory beside the target, then rename it into place. */
export async function writeDirectoryTo(root: string, target: string, files: NewFiles): Promise<string[]> {
  const warnings: string[] = [];
  const tmp = tempPathFor(target);
  await mkdir(tmp);
  try {
    await copyTree(root, tmp, true, warnings);
    for (const [name, bytes] of [['oci-layout', files.ociLayout], ['index.json', files.indexJson]] as const) {
      await writeNewFileSynced(join(tmp, name), bytes);
    }
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
  const fh = await open(to, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o644);
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

/** Write the normalized tar to `target` (which may be the input itself) atomically. */
export async function writeTar(src: TarSource, target: string, files: NewFiles | undefined): Promise<void> {
  const tmp = tempPathFor(target);
  const { scan } = src;
  let out: FileHandle | undefined;
  let input: FileHandle | undefined;
  try {
    if (!files) {
      // Nothing to change, but a copy was asked for (-o).
      out = await copyFileFlushing(src.path, tmp);
      await out.sync();
      await out.close();
      out = undefined;
      await commitTemp(tmp, target);
      return;
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
      out = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o644);
      pos = await copyRange(input, out, 0, cut, 0, buf);
    }
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
  } catch (error) {
    await out?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  } finally {
    await input?.close().catch(() => undefined);
  }
}
