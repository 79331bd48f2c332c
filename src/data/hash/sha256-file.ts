import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { DataError } from '../data-error.js';

const CHUNK = 4 << 20;

export interface FileHash {
  hash: string;
  size: number;
  /** The file's status when hashing began (and, checked, when it ended). */
  stat: Stats;
}

export interface HashFileOptions {
  onProgress?: (bytes: number) => void;
  /** Called after each chunk is read; tests use it to change the file mid-hash. */
  onChunk?: (bytesSoFar: number) => void | Promise<void>;
  chunkSize?: number;
}

/**
 * SHA-256 of a file, streamed in 4 MiB reads with the next read in flight while the current chunk is hashed
 * (OpenSSL does the hashing). A file that changes while it is read — its size, mtime, ctime or inode differ at the
 * end, or it yields more or fewer bytes than its size — is refused rather than given a hash of mixed content.
 */
export async function hashFile(file: string, opts: HashFileOptions = {}): Promise<FileHash> {
  if (!opts.onChunk && !opts.chunkSize) {
    const small = hashSmallFileSync(file);
    if (small) {
      opts.onProgress?.(small.size);
      return small;
    }
  }
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new DataError({ file }, `cannot read: ${(err as Error).message}.`, { cause: err });
  }
  try {
    const before = await handle.stat();
    if (!before.isFile())
      throw new DataError(
        { file },
        'not a regular file; only files and directories of files can be versioned.',
      );
    // Buffers no larger than the file (plus one byte to see its end): small files cost small allocations.
    const size = Math.max(1, Math.min(opts.chunkSize ?? CHUNK, before.size + 1));
    const buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
    const hash = createHash('sha256');
    let position = 0;
    let which = 0;
    let pending = handle.read(buffers[0]!, 0, size, 0);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      const current = buffers[which]!;
      position += bytesRead;
      which ^= 1;
      pending = handle.read(buffers[which]!, 0, size, position);
      hash.update(bytesRead === size ? current : current.subarray(0, bytesRead));
      opts.onProgress?.(position);
      if (opts.onChunk) await opts.onChunk(position);
    }
    const after = await handle.stat();
    const now = await stat(file).catch(() => undefined);
    if (position !== before.size || changed(before, after) || !now || changed(before, now)) {
      throw new DataError(
        { file },
        `the file changed while it was being hashed (${before.size} bytes before, ${now?.size ?? 'gone'} after, ${position} read). ` +
          'Wait until whatever writes it has finished, then try again.',
      );
    }
    return { hash: hash.digest('hex'), size: position, stat: before };
  } finally {
    await handle.close();
  }
}

const SMALL = 1 << 20;

/**
 * Files up to 1 MiB are read synchronously in one call: a directory of many small files is bound by per-file
 * overhead, not bytes. Returns undefined for larger files (and for non-files, left to the streaming path's errors).
 */
function hashSmallFileSync(file: string): FileHash | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new DataError({ file }, `cannot read: ${(err as Error).message}.`, { cause: err });
  }
  try {
    const before = fstatSync(fd);
    if (!before.isFile() || before.size > SMALL) return undefined;
    const buf = Buffer.allocUnsafe(before.size + 1);
    let read = 0;
    for (;;) {
      const n = readSync(fd, buf, read, buf.length - read, read);
      if (n === 0) break;
      read += n;
      if (read === buf.length) break;
    }
    const after = fstatSync(fd);
    let now: Stats | undefined;
    try {
      now = statSync(file);
    } catch {
      now = undefined;
    }
    if (read !== before.size || changed(before, after) || !now || changed(before, now)) {
      throw new DataError(
        { file },
        `the file changed while it was being hashed (${before.size} bytes before, ${now?.size ?? 'gone'} after, ${read} read). ` +
          'Wait until whatever writes it has finished, then try again.',
      );
    }
    return {
      hash: createHash('sha256').update(buf.subarray(0, read)).digest('hex'),
      size: read,
      stat: before,
    };
  } finally {
    closeSync(fd);
  }
}

function changed(a: Stats, b: Stats): boolean {
  return a.size !== b.size || a.mtimeMs !== b.mtimeMs || a.ctimeMs !== b.ctimeMs || a.ino !== b.ino;
}
