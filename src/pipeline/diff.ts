import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonical } from './fingerprint.js';
import { LOCK_NAME, parseLock } from './lock.js';
import type { Pipeline } from './spec.js';
import { yaml } from './yaml-lazy.js';

export interface DiffRow {
  /** The metrics file, or the stage for a param. */
  source: string;
  key: string;
  old: unknown;
  new: unknown;
  /** new − old when both are numbers. */
  diff?: number;
}

/** A file's content at git HEAD (path relative to `root`), or undefined when it is not committed there. */
export function atHead(root: string, path: string): string | undefined {
  try {
    return execFileSync('git', ['show', `HEAD:./${path}`], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 << 20,
    });
  } catch {
    return undefined;
  }
}

/** Leaves of a metrics document by dotted key (numbers, strings, booleans). */
export function flatten(
  doc: unknown,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    for (const [k, v] of Object.entries(doc)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out[prefix] = doc;
  return out;
}

const parseDoc = (path: string, text: string | undefined): Record<string, unknown> => {
  if (text === undefined) return {};
  try {
    return flatten(path.endsWith('.json') ? JSON.parse(text) : yaml().parse(text));
  } catch {
    return {};
  }
};

function rows(
  source: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  all: boolean,
): DiffRow[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: DiffRow[] = [];
  for (const key of keys) {
    const o = before[key];
    const n = after[key];
    if (!all && canonical(o) === canonical(n)) continue;
    out.push({
      source,
      key,
      old: o,
      new: n,
      ...(typeof o === 'number' && typeof n === 'number' ? { diff: n - o } : {}),
    });
  }
  return out;
}

/** Every declared metrics file: the committed version (git HEAD) against the working tree, as DVC's metrics diff. */
export function metricsDiff(pipeline: Pipeline, opts: { all?: boolean } = {}): DiffRow[] {
  const files = [...new Set(pipeline.stages.flatMap((s) => s.metrics))].sort();
  return files.flatMap((f) => {
    const now = existsSync(join(pipeline.root, f)) ? readFileSync(join(pipeline.root, f), 'utf8') : undefined;
    return rows(f, parseDoc(f, atHead(pipeline.root, f)), parseDoc(f, now), opts.all ?? false);
  });
}

/** Each stage's param values recorded in mloop.lock at git HEAD against the values mloop.yaml resolves to now. */
export function paramsDiff(pipeline: Pipeline, opts: { all?: boolean } = {}): DiffRow[] {
  const committed = atHead(pipeline.root, LOCK_NAME);
  const lock = committed === undefined ? { stages: {} } : parseLock(committed, `${LOCK_NAME} at HEAD`);
  return pipeline.stages.flatMap((s) =>
    rows(
      s.name,
      (lock.stages as Record<string, { params?: Record<string, unknown> }>)[s.name]?.params ?? {},
      s.params,
      opts.all ?? false,
    ),
  );
}
