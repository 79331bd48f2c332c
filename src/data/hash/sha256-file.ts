import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
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
    const size = opts.chunkSize ?? CHUNK;
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

function changed(a: Stats, b: Stats): boolean {
  return a.size !== b.size || a.mtimeMs !== b.mtimeMs || a.ctimeMs !== b.ctimeMs || a.ino !== b.ino;
}
