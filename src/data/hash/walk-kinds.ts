/** What a walk found at a path (stats[4i + 3] of a `WalkResult`). */
export const KIND_FILE = 1;
export const KIND_OTHER = 3;
export const KIND_MISSING = 4;

/** Every file under a root, in traversal order, as parallel arrays: stats[4i..4i+3] = ino, mtimeMs, size, kind. */
export interface WalkResult {
  paths: string[];
  rels: string[];
  stats: Float64Array;
}
