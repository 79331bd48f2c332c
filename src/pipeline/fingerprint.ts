import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { hashPath } from '../data/hash/manifest.js';
import type { StatCache } from '../data/hash/stat-cache.js';
import type { HashedPath } from './lock.js';
import type { Stage } from './spec.js';

const abs = (root: string, p: string) => (isAbsolute(p) ? p : join(root, p));

/** Hashes a path with the data layer's hashing and stat cache; undefined when it does not exist. */
export async function hashOne(
  root: string,
  path: string,
  cache?: StatCache,
): Promise<HashedPath | undefined> {
  const full = abs(root, path);
  if (!existsSync(full)) return undefined;
  const h = await hashPath(full, cache ? { cache } : {});
  return { path, hash: h.hash, size: h.size, kind: h.kind, ...(h.kind === 'dir' ? { files: h.files } : {}) };
}

/** Canonical JSON: object keys sorted, so equal values always hash alike. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The part of a stage's definition, beyond command, deps and params, that can change what it produces. */
export function definitionHash(stage: Stage): string {
  return sha256(
    canonical({
      wdir: stage.wdir,
      env: stage.env,
      outs: stage.outs,
      metrics: stage.metrics,
      plots: stage.plots,
    }),
  ).slice(0, 16);
}

/**
 * The cache key: a hash of the command, the content of every dep, the param values and the stage definition —
 * content, never ids or times (DESIGN principle 4), so the same inputs anywhere give the same key.
 */
export function cacheKey(stage: Stage, deps: readonly HashedPath[]): string {
  return sha256(
    canonical({
      v: 1,
      cmd: stage.cmd,
      deps: deps.map((d) => [d.path, d.hash]).sort(),
      params: stage.params,
      definition: definitionHash(stage),
    }),
  );
}
