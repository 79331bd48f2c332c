import { isInteger, type Tensor } from '../serving/datatypes.js';
import type { ModelMeta } from '../serving/payload-hook.js';

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
    const n = t.shape.length > 0 ? t.shape[0]! : 1;
    if (n !== rows || n === 0) continue;
    const width = t.data.length / n;
    if (!Number.isInteger(width) || width < 1) continue;
    const kind =
      t.datatype === 'BYTES' ? 'string' : isInteger(t.datatype) || t.datatype === 'BOOL' ? 'int' : 'float';
    if (width === 1) {
      out.push({ name: t.name, kind, values: numeric(t) });
      continue;
    }
    const names =
      side === 'input' && tensors.length === 1 && meta?.columns?.length === width
        ? meta.columns
        : side === 'output' && meta?.classes?.length === width
          ? meta.classes.map((c) => `${t.name}[${c}]`)
          : Array.from({ length: width }, (_, j) => `${t.name}[${j}]`);
    const all = numeric(t);
    for (let j = 0; j < width; j++) {
      if (typeof all[0] === 'string' || Array.isArray(all)) {
        const s = all as readonly string[];
        out.push({ name: names[j]!, kind, values: Array.from({ length: n }, (_, i) => s[i * width + j]!) });
      } else {
        const v = new Float64Array(n);
        const src = all as ArrayLike<number>;
        for (let i = 0; i < n; i++) v[i] = src[i * width + j]!;
        out.push({ name: names[j]!, kind, values: v });
      }
    }
  }
  return out;
}

function numeric(t: Tensor): ArrayLike<number> | readonly string[] {
  const d = t.data;
  if (Array.isArray(d)) return d;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Float64Array.from(d, Number);
  return d as ArrayLike<number>;
}
