import { isInteger, type Tensor } from '../serving/datatypes.js';
import type { ModelMeta } from '../serving/payload-hook.js';
import type { ColumnBuffer } from './column-buffer.js';

/** One column of a request: a value per row (numbers, or strings for BYTES tensors). */
export interface RecordColumn {
  name: string;
  kind: 'int' | 'float' | 'string';
  values: ArrayLike<number> | readonly string[];
}

/** Rows of a request: the first dimension of its first tensor (1 for a scalar). */
export function rowsOf(tensors: readonly Tensor[]): number {
  const shape = tensors[0]?.shape;
  return shape && shape.length > 0 ? shape[0]! : 1;
}

/**
 * Splits tensors into named columns: an [N] or [N,1] tensor is one column named after it; the single [N,K] input of a
 * model with a K-column signature takes the signature's column names; any other [N,K] tensor becomes `name[j]`
 * (`probabilities[class]` when the classes are known).
 */
export function tensorColumns(
  tensors: readonly Tensor[],
  meta: ModelMeta | undefined,
  side: 'input' | 'output',
): RecordColumn[] {
  const out: RecordColumn[] = [];
  const rows = rowsOf(tensors);
  for (const t of tensors) {
    const width = widthOf(t, rows);
    if (width === 0) continue;
    const kind = kindOf(t);
    if (width === 1) {
      out.push({ name: t.name, kind, values: numeric(t) });
      continue;
    }
    const names = columnNames(t, width, tensors.length, meta, side);
    const all = numeric(t);
    for (let j = 0; j < width; j++) {
      if (typeof all[0] === 'string' || Array.isArray(all)) {
        const s = all as readonly string[];
        out.push({
          name: names[j]!,
          kind,
          values: Array.from({ length: rows }, (_, i) => s[i * width + j]!),
        });
      } else {
        const v = new Float64Array(rows);
        const src = all as ArrayLike<number>;
        for (let i = 0; i < rows; i++) v[i] = src[i * width + j]!;
        out.push({ name: names[j]!, kind, values: v });
      }
    }
  }
  return out;
}

/**
 * The same columns as `tensorColumns`, appended straight into a buffer: no per-request column arrays, and column
 * names computed once per model version. This runs on the serving thread for every request.
 */
export function appendTensors(
  buffer: ColumnBuffer,
  tensors: readonly Tensor[],
  meta: ModelMeta | undefined,
  side: 'input' | 'output',
): void {
  const rows = rowsOf(tensors);
  for (const t of tensors) {
    const width = widthOf(t, rows);
    if (width === 0) continue;
    const kind = kindOf(t);
    const values = numeric(t);
    if (width === 1) {
      buffer.appendValues(t.name, kind, values, rows, 0, 1);
      continue;
    }
    const names = columnNames(t, width, tensors.length, meta, side);
    for (let j = 0; j < width; j++) buffer.appendValues(names[j]!, kind, values, rows, j, width);
  }
  buffer.endRows(rows);
}

/** Values per row of a tensor whose first dimension is `rows`; 0 when it does not split into rows. */
function widthOf(t: Tensor, rows: number): number {
  const n = t.shape.length > 0 ? t.shape[0]! : 1;
  if (n !== rows || n === 0) return 0;
  const width = t.data.length / n;
  return Number.isInteger(width) && width >= 1 ? width : 0;
}

const kindOf = (t: Tensor): RecordColumn['kind'] =>
  t.datatype === 'BYTES' ? 'string' : isInteger(t.datatype) || t.datatype === 'BOOL' ? 'int' : 'float';

/** Column names per model version (its meta object), by side, tensor and width. */
const NAMES = new WeakMap<ModelMeta, Map<string, string[]>>();

function columnNames(
  t: Tensor,
  width: number,
  tensorCount: number,
  meta: ModelMeta | undefined,
  side: 'input' | 'output',
): string[] {
  if (!meta) return namesOf(t, width, tensorCount, meta, side);
  let cache = NAMES.get(meta);
  if (!cache) {
    cache = new Map();
    NAMES.set(meta, cache);
  }
  const key = `${side}\u0000${tensorCount}\u0000${t.name}\u0000${width}`;
  let names = cache.get(key);
  if (!names) {
    names = namesOf(t, width, tensorCount, meta, side);
    cache.set(key, names);
  }
  return names;
}

function namesOf(
  t: Tensor,
  width: number,
  tensorCount: number,
  meta: ModelMeta | undefined,
  side: 'input' | 'output',
): string[] {
  if (side === 'input' && tensorCount === 1 && meta?.columns?.length === width) return meta.columns;
  if (side === 'output' && meta?.classes?.length === width) return meta.classes.map((c) => `${t.name}[${c}]`);
  return Array.from({ length: width }, (_, j) => `${t.name}[${j}]`);
}

function numeric(t: Tensor): ArrayLike<number> | readonly string[] {
  const d = t.data;
  if (Array.isArray(d)) return d;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Float64Array.from(d, Number);
  return d as ArrayLike<number>;
}
