import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { invalid, MloopError, notFound, show } from '../../core/errors.js';
import type { ArtifactEntry, ArtifactObject, ArtifactStore } from '../artifact-store.js';
import { joinArtifactPath, safeArtifactPath } from '../safe-path.js';

// O_NOFOLLOW keeps a symlink swapped in after the containment check from being opened; Windows lacks it.
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
// Opening a FIFO planted in the root would block forever; non-blocking, the open returns and isFile() refuses it.
const NO_BLOCK = constants.O_NONBLOCK ?? 0;
const TEMP_NAME = /^\.mloop-[0-9a-f-]{36}\.tmp$/;

/** Artifacts as files under one directory. Paths are re-validated here and must stay inside the root's realpath. */
export class LocalArtifactStore implements ArtifactStore {
  readonly uri: string;
  private readonly root: string;
  private rootReal?: Promise<string>;

  constructor(root: string) {
    this.root = resolve(root);
    this.uri = pathToFileURL(this.root).href;
  }

  async put(path: string, body: Readable | Uint8Array): Promise<{ size: number }> {
    const rel = safeArtifactPath(path, 'path');
    const target = await this.contained(rel);
    await this.makeParents(rel, dirname(target));
    // The parent's realpath is checked again after mkdir: a directory swapped for a symlink in between is caught.
    const parent = await this.contained(rel, await realpath(dirname(target)));
    const final = join(parent, basename(target));
    const temp = join(parent, `.mloop-${randomUUID()}.tmp`);
    const handle = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW,
      0o644,
    );
    try {
      await writeAll(handle, body);
      await handle.sync();
      const { size } = await handle.stat();
      await handle.close();
      await rename(temp, final).catch((err: unknown) => {
        throw errnoOf(err) === 'EISDIR' || errnoOf(err) === 'ENOTEMPTY' || errnoOf(err) === 'EEXIST'
          ? invalid(`Cannot write artifact ${show(rel)}: a directory already exists at that path.`)
          : err;
      });
      await syncDirectory(parent);
      return { size };
    } catch (err) {
      await handle.close().catch(() => {});
      await unlink(temp).catch(() => {});
      throw err;
    }
  }

  async get(path: string): Promise<ArtifactObject> {
    const rel = safeArtifactPath(path, 'path');
    const real = await this.contained(rel);
    let handle: FileHandle;
    try {
      handle = await open(real, constants.O_RDONLY | NO_FOLLOW | NO_BLOCK);
    } catch (err) {
      if (isMissing(err)) throw notFound(`Artifact ${show(rel)} does not exist.`);
      throw err;
    }
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      throw notFound(`Artifact ${show(rel)} does not exist: it is a directory or special file, not a file.`);
    }
    return { body: handle.createReadStream(), size: info.size };
  }

  async list(prefix: string): Promise<ArtifactEntry[]> {
    const rel = safeArtifactPath(prefix, 'path', { allowEmpty: true });
    const dir = await this.contained(rel);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const rootReal = await this.rootRealpath();
    const entries: ArtifactEntry[] = [];
    for (const name of names) {
      if (TEMP_NAME.test(name)) continue;
      // Children are resolved too: a symlink pointing out of the root must not leak even the size of its target.
      const real = await realpath(join(dir, name)).catch(() => undefined);
      if (real === undefined || !isInside(rootReal, real)) continue;
      const info = await stat(real).catch(() => undefined);
      if (info === undefined) continue;
      const childPath = joinArtifactPath(rel, name);
      entries.push(
        info.isDirectory()
          ? { path: childPath, isDir: true }
          : { path: childPath, isDir: false, size: info.size },
      );
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path: string): Promise<void> {
    const rel = safeArtifactPath(path, 'path');
    await this.contained(rel);
    // The lexical path, not the realpath: rm removes a symlink itself and never recurses through one.
    await rm(join(await this.rootRealpath(), ...rel.split('/')), { recursive: true, force: true }).catch(
      (err: unknown) => {
        // force only forgives ENOENT; a path beneath a file is just as absent.
        if (!isMissing(err)) throw err;
      },
    );
  }

  async exists(path: string): Promise<boolean> {
    const rel = safeArtifactPath(path, 'path');
    const real = await this.contained(rel);
    const info = await stat(real).catch((err: unknown) => {
      if (isMissing(err)) return undefined;
      throw err;
    });
    return info?.isFile() ?? false;
  }

  private rootRealpath(): Promise<string> {
    this.rootReal ??= mkdir(this.root, { recursive: true }).then(() => realpath(this.root));
    return this.rootReal;
  }

  /**
   * Resolves `rel` (or checks an already resolved `real`) and refuses anything outside the root. Symlinks are
   * resolved through the deepest existing ancestor, so a link planted inside the root cannot lead out of it.
   */
  private async contained(rel: string, real?: string): Promise<string> {
    const rootReal = await this.rootRealpath();
    const resolved = real ?? (await realpathOfDeepest(resolve(rootReal, ...rel.split('/'))));
    if (!isInside(rootReal, resolved)) {
      throw invalid(
        `Artifact path ${show(rel)} resolves outside the artifact root ${show(this.uri)}; refusing it.`,
      );
    }
    return resolved;
  }

  private async makeParents(rel: string, dir: string): Promise<void> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      if (errnoOf(err) === 'EEXIST' || errnoOf(err) === 'ENOTDIR') {
        throw invalid(`Cannot write artifact ${show(rel)}: one of its parent directories is a file.`);
      }
      throw err;
    }
  }
}

/** The realpath of the deepest existing ancestor with the missing tail appended lexically. */
async function realpathOfDeepest(abs: string): Promise<string> {
  const tail: string[] = [];
  let current = abs;
  for (;;) {
    try {
      return join(await realpath(current), ...tail.reverse());
    } catch (err) {
      const parent = dirname(current);
      if (!(isMissing(err) || errnoOf(err) === 'ENOTDIR') || parent === current) throw err;
      tail.push(basename(current));
      current = parent;
    }
  }
}

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

async function writeAll(handle: FileHandle, body: Readable | Uint8Array): Promise<void> {
  if (body instanceof Uint8Array) {
    await handle.writeFile(body);
    return;
  }
  // Awaiting each write is the backpressure; a stream error surfaces here and the caller removes the temp file.
  for await (const chunk of body) {
    await handle.write(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array));
  }
}

/** Makes the rename itself durable; directories cannot be opened for fsync on Windows, which is tolerated. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY).catch(() => undefined);
  if (handle === undefined) return;
  try {
    await handle.sync();
  } catch {
    // EINVAL/EPERM on filesystems without directory fsync: nothing more can be done.
  } finally {
    await handle.close();
  }
}

const errnoOf = (err: unknown): string | undefined =>
  err instanceof Error && 'code' in err && typeof err.code === 'string' && !(err instanceof MloopError)
    ? err.code
    : undefined;

const isMissing = (err: unknown): boolean => errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR';
