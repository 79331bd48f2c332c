import { show } from '../core/errors.js';
import type { ColumnSpec } from '../registry/model-package.js';
import { isFloat, type Tensor } from './datatypes.js';
import { badInput } from './errors.js';
import { columnDatatype, type ModelSpec } from './model-spec.js';
import { type RawInput, validateInputs } from './validate.js';

/** A table as MLflow's scoring protocol sends it (dataframe_split, dataframe_records, CSV): rows of cells. */
export interface Frame {
  columns: string[];
  rows: unknown[][];
}

/** Tensor-style input (`instances` / `inputs`): one unnamed tensor, or tensors by input name. */
export type TensorInput =
  | { kind: 'single'; value: unknown }
  | { kind: 'named'; values: Record<string, unknown> };

/**
 * Maps a table onto the model's inputs as MLflow's ONNX flavor does: one 2-D input takes all columns (in signature
 * order) as its features; several inputs each take the column of their name. Columns are checked against the
 * signature first, so an error names the column, its declared type and the value that arrived.
 */
export function frameToTensors(spec: ModelSpec, frame: Frame, model: string): Tensor[] {
  const index = new Map(frame.columns.map((c, i) => [c, i]));
  const columns: ColumnSpec[] =
    spec.columns ?? frame.columns.map((name) => ({ name, type: 'double' as const }));
  if (spec.columns) {
    const missing = spec.columns.filter((c) => c.required !== false && !index.has(c.name));
    if (missing.length)
      throw badInput(
        `Missing column(s) ${missing.map((c) => `'${c.name}' (${c.type})`).join(', ')} for model '${model}'; got ${frame.columns.map((c) => `'${c}'`).join(', ') || 'none'}.`,
      );
    const extra = frame.columns.filter((c) => !spec.columns!.some((s) => s.name === c));
    if (extra.length)
      throw badInput(
        `Unexpected column(s) ${extra.map((c) => `'${c}'`).join(', ')} for model '${model}'; its columns are ${spec.columns.map((c) => `'${c.name}' (${c.type})`).join(', ')}.`,
      );
  }
  for (const row of frame.rows)
    if (!Array.isArray(row) || row.length !== frame.columns.length)
      throw badInput(
        `Every row must have ${frame.columns.length} value(s), one per column; got ${show(row)}.`,
      );
  const n = frame.rows.length;
  const cell = (c: ColumnSpec, r: number): unknown => {
    const i = index.get(c.name);
    const v = i === undefined ? null : frame.rows[r]![i];
    return checkCell(c, v, r, spec);
  };
  const single = spec.inputs.length === 1 && spec.inputs[0]!.shape.length === 2;
  if (single) {
    const input = spec.inputs[0]!;
    const data = new Array<unknown>(n * columns.length);
    for (let r = 0; r < n; r++)
      for (let k = 0; k < columns.length; k++) data[r * columns.length + k] = cell(columns[k]!, r);
    return validateInputs(
      spec,
      [{ name: input.name, datatype: input.datatype, shape: [n, columns.length], data }],
      model,
    );
  }
  const raw: RawInput[] = spec.inputs.map((input) => {
    const c = columns.find((x) => x.name === input.name);
    if (!c)
      throw badInput(
        `Missing column '${input.name}' (${input.datatype}) for model '${model}'; got ${frame.columns.map((x) => `'${x}'`).join(', ')}.`,
      );
    const data = Array.from({ length: n }, (_, r) => cell(c, r));
    return {
      name: input.name,
      datatype: input.datatype,
      shape: input.shape.length === 1 ? [n] : [n, 1],
      data,
    };
  });
  return validateInputs(spec, raw, model);
}

/** A cell in the type its column declares: null and NaN only where the type has a NaN (float, double). */
function checkCell(c: ColumnSpec, v: unknown, row: number, spec: ModelSpec): unknown {
  const datatype = columnDatatype(c);
  const where = () => `Column '${c.name}' (${c.type}), row ${row}`;
  if (v === null || v === undefined || v === 'NaN' || (typeof v === 'number' && Number.isNaN(v))) {
    if (isFloat(datatype)) return 'NaN';
    throw badInput(`${where()}: missing or NaN value, which ${c.type} does not allow.`);
  }
  switch (c.type) {
    case 'boolean':
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (v === 0 || v === 1) return v;
      break;
    case 'integer':
    case 'long':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      break;
    case 'float':
    case 'double':
      if (typeof v === 'number') return v;
      if (v === 'Infinity' || v === '-Infinity') return v;
      break;
    default:
      if (typeof v === 'string') return v;
  }
  const target = spec.inputs.length === 1 ? spec.inputs[0]!.datatype : datatype;
  throw badInput(`${where()}: got ${show(v)}, which is not a ${c.type} (the model takes ${target}).`);
}

/** `instances` / `inputs`: nested lists become tensors of the model's input types. */
export function tensorInputToTensors(spec: ModelSpec, input: TensorInput, model: string): Tensor[] {
  if (input.kind === 'single') {
    if (spec.inputs.length !== 1)
      throw badInput(
        `Model '${model}' takes ${spec.inputs.length} inputs (${spec.inputs.map((i) => `'${i.name}'`).join(', ')}); send them by name: {"inputs": {"<name>": [...]}}.`,
      );
    const meta = spec.inputs[0]!;
    return validateInputs(
      spec,
      [{ name: meta.name, datatype: meta.datatype, ...flatten(input.value, meta.name) }],
      model,
    );
  }
  const raw = Object.entries(input.values).map(([name, value]) => {
    const meta = spec.inputs.find((i) => i.name === name);
    return { name, datatype: meta?.datatype ?? 'FP32', ...flatten(value, name) };
  });
  return validateInputs(spec, raw, model);
}

/** Nested lists → row-major values and the shape the nesting implies; ragged nesting is an error. */
export function flatten(value: unknown, name: string): { shape: number[]; data: unknown[] } {
  if (!Array.isArray(value)) return { shape: [], data: [value] };
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const data: unknown[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth === shape.length) {
      if (Array.isArray(v))
        throw badInput(`Input '${name}' is ragged: its nesting is deeper in some places.`);
      data.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth])
      throw badInput(`Input '${name}' is ragged: dimension ${depth} should have ${shape[depth]} element(s).`);
    for (const x of v) walk(x, depth + 1);
  };
  walk(value, 0);
  return { shape, data };
}
