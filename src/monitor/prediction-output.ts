import type { Tensor } from '../serving/datatypes.js';
import type { ModelMeta, PredictionRecord } from '../serving/payload-hook.js';
import type { MonitorConfig } from './config.js';
import { rowsOf, tensorColumns } from './record-columns.js';

/** What is kept of a prediction for ground truth to join: the predicted label or value per row, and scores. */
export interface StoredOutput {
  task: 'classification' | 'regression';
  /** Predicted label (classification) or value (regression), one per row. */
  y: (string | number)[];
  /** Classification with probabilities: the classes (column order of `p`) and one probability row per row. */
  classes?: (string | number)[];
  p?: number[][];
}

const MAX_CLASSES = 100;

function find(outputs: readonly Tensor[], name: string | null, fallbacks: string[]): Tensor | undefined {
  if (name) return outputs.find((t) => t.name === name);
  for (const f of fallbacks) {
    const t = outputs.find((o) => o.name === f);
    if (t) return t;
  }
  return undefined;
}

const values = (t: Tensor): (string | number)[] =>
  Array.isArray(t.data) ? [...t.data] : Array.from(t.data as ArrayLike<number | bigint>, Number);

/** The task, predictions and probabilities of a record, or undefined when its outputs cannot be read as either. */
export function storedOutput(record: PredictionRecord, config: MonitorConfig): StoredOutput | undefined {
  const meta: ModelMeta = record.meta ?? {};
  const rows = rowsOf(record.outputs);
  const probs = find(record.outputs, config.probabilityOutput, ['probabilities', 'probability']);
  const pred =
    find(record.outputs, config.predictionOutput, ['label', 'variable', 'prediction', 'predictions']) ??
    record.outputs.find((t) => t !== probs && t.data.length === rows);
  const task =
    config.task ??
    meta.task ??
    (probs || (pred && pred.datatype === 'BYTES') || (pred && /^INT|^UINT|BOOL/.test(pred.datatype))
      ? 'classification'
      : 'regression');
  if (task === 'regression') {
    if (!pred || pred.datatype === 'BYTES' || pred.data.length !== rows) return undefined;
    return { task, y: values(pred) };
  }
  let p: number[][] | undefined;
  let classes: (string | number)[] | undefined;
  if (probs && probs.data.length % rows === 0 && !Array.isArray(probs.data)) {
    const k = probs.data.length / rows;
    if (k >= 2 && k <= MAX_CLASSES) {
      const flat = Array.from(probs.data as ArrayLike<number>, Number);
      p = Array.from({ length: rows }, (_, i) => flat.slice(i * k, i * k + k));
      classes = meta.classes?.length === k ? meta.classes : Array.from({ length: k }, (_, j) => j);
    }
  }
  let y: (string | number)[] | undefined;
  if (pred && pred !== probs && pred.data.length === rows) y = values(pred);
  else if (p && classes) y = p.map((row) => classes![row.indexOf(Math.max(...row))]!);
  if (!y) return undefined;
  return { task, y, ...(p && classes ? { p, classes } : {}) };
}

/** The sensitive column's value per row (as strings), when the column is among the inputs. */
export function sensitiveGroups(record: PredictionRecord, column: string | null): string[] | undefined {
  if (!column) return undefined;
  const c = tensorColumns(record.inputs, record.meta, 'input').find((x) => x.name === column);
  if (!c) return undefined;
  return Array.from({ length: c.values.length }, (_, i) => {
    const v = c.values[i];
    return v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? '(missing)' : String(v);
  });
}
