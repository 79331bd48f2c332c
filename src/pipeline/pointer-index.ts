import { readdirSync, type Stats, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type LoadedPointer, POINTER_EXTENSION, readPointer } from '../data/pointer.js';

const stamp = (s: Stats) => `${s.ino}:${s.mtimeMs}:${s.size}`;

/**
 * The pointer files beside a stage's deps, for finding which deps are tracked dataset versions. A repro asks once
 * per dep per stage, mostly about the same few directories: listings and parsed pointers are kept while a `stat`
 * says the directory (an entry added, removed or renamed over, as `writePointer` does) or the file is unchanged, so
 * a pointer a stage writes is seen by the stages after it.
 */
export class PointerIndex {
  readonly #listings = new Map<string, { stamp: string; files: string[] }>();
  readonly #pointers = new Map<string, { stamp: string; pointer: LoadedPointer | undefined }>();

  /** The pointer naming exactly this content at `abs`, if one is beside it. */
  async find(abs: string, hash: string): Promise<LoadedPointer | undefined> {
    for (const file of this.#pointerFiles(dirname(abs))) {
      const p = await this.#read(file);
      if (p && p.dataPath === abs && p.hash === hash) return p;
    }
    return undefined;
  }

  #pointerFiles(dir: string): string[] {
    const s = statSync(dir, { throwIfNoEntry: false });
    if (!s?.isDirectory()) return [];
    const known = this.#listings.get(dir);
    if (known?.stamp === stamp(s)) return known.files;
    // Only files: a local home (`.mloop`) is a directory with the pointer extension.
    const files = readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.isDirectory() && e.name.endsWith(POINTER_EXTENSION))
      .map((e) => join(dir, e.name));
    this.#listings.set(dir, { stamp: stamp(s), files });
    return files;
  }

  async #read(file: string): Promise<LoadedPointer | undefined> {
    const s = statSync(file, { throwIfNoEntry: false });
    if (!s) return undefined;
    const known = this.#pointers.get(file);
    if (known?.stamp === stamp(s)) return known.pointer;
    // An unreadable pointer is not a dataset version; the data beside it is still an ordinary dep.
    const pointer = await readPointer(file).catch(() => undefined);
    this.#pointers.set(file, { stamp: stamp(s), pointer });
    return pointer;
  }
}
