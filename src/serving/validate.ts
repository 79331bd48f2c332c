import { show } from '../core/errors.js';
import {
  allocate,
  elementCount,
  formatShape,
  integerRange,
  isFloat,
  type NumericArray,
  OIP_DATATYPES,
  type OipDatatype,
  type Tensor,
} from './datatypes.js';
import { badInput } from './errors.js';
import { describeTensor, type ModelSpec, type TensorMeta } from './model-spec.js';

/** An input as it arrived, after the protocol adapter flattened its data (row-major). */
export interface RawInput {
  name: string;
  datatype: string;
  shape: number[];
  /** JSON values, or a typed array already decoded from the binary tensor extension. */
  data: unknown[] | NumericArray;
}

/**
 * Checks a request against the model before inference and converts its data to typed arrays. Every error names the
 * input, what the model expects (datatype and shape) and what arrived.
 */
export function validateInputs(spec: ModelSpec, raw: RawInput[], model: string): Tensor[] {
  const expected = inputsByName(spec);
  const seen = new Set<string>();
  const tensors: Tensor[] = [];
  for (const input of raw) {
    const meta = expected.get(input.name);
    if (!meta)
      throw badInput(
        `Unexpected input ${show(input.name)} for model '${model}'; it takes ${spec.inputs.map(describeTensor).join(', ')}.`,
      );
    if (seen.has(input.name)) throw badInput(`Input '${input.name}' is given more than once.`);
    seen.add(input.name);
    tensors.push(validateOne(meta, input));
  }
  const missing = spec.inputs.filter((t) => !seen.has(t.name));
  if (missing.length)
    throw badInput(
      `Missing input(s) ${missing.map(describeTensor).join(', ')} for model '${model}'; got ${raw.length ? raw.map((r) => `'${r.name}'`).join(', ') : 'none'}.`,
    );
  if (spec.batchable && tensors.length > 1) {
    const rows = tensors[0]!.shape[0];
    const other = tensors.find((t) => t.shape[0] !== rows);
    if (other)
      throw badInput(
        `All inputs must have the same batch size (first dimension): '${tensors[0]!.name}' has ${rows}, '${other.name}' has ${other.shape[0]}.`,
      );
  }
  return tensors;
}

const byName = new WeakMap<ModelSpec, Map<string, TensorMeta>>();

function inputsByName(spec: ModelSpec): Map<string, TensorMeta> {
  let map = byName.get(spec);
  if (!map) {
    map = new Map(spec.inputs.map((t) => [t.name, t]));
    byName.set(spec, map);
  }
  return map;
}

function validateOne(meta: TensorMeta, input: RawInput): Tensor {
  // Only built for an error message: a valid request does not pay for formatting it.
  const expected = () => `expected ${meta.datatype} ${formatShape(meta.shape)}`;
  if (!(OIP_DATATYPES as readonly string[]).includes(input.datatype))
    throw badInput(
      `Input '${meta.name}': unknown datatype ${show(input.datatype)}; ${expected()} (datatypes: ${OIP_DATATYPES.join(', ')}).`,
    );
  if (input.datatype !== meta.datatype)
    throw badInput(`Input '${meta.name}': ${expected()}, got datatype ${input.datatype}.`);
  const shape = input.shape;
  if (shape.length !== meta.shape.length || shape.some((d, i) => meta.shape[i] !== -1 && meta.shape[i] !== d))
    throw badInput(`Input '${meta.name}': ${expected()}, got shape ${formatShape(shape)}.`);
  if (elementCount(shape) !== input.data.length)
    throw badInput(
      `Input '${meta.name}': shape ${formatShape(shape)} holds ${elementCount(shape)} element(s) but data has ${input.data.length}.`,
    );
  if (meta.datatype === 'FP16')
    throw badInput(
      `Input '${meta.name}': FP16 cannot travel as JSON numbers; this model cannot be served over JSON.`,
    );
  const data = Array.isArray(input.data) ? convert(meta.name, meta.datatype, input.data) : input.data;
  return { name: meta.name, datatype: meta.datatype, shape, data };
}

/**
 * JSON values → typed array. Floats accept numbers and the NaN/±Infinity spellings ("NaN", bare NaN); integers must
 * be integral and in range (NaN is not allowed there); BOOL takes true/false (or 0/1); BYTES takes strings.
 */
export function convert(name: string, datatype: OipDatatype, values: readonly unknown[]): Tensor['data'] {
  const out = allocate(datatype, values.length);
  if (datatype === 'BYTES') {
    const strings = out as string[];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'string') throw badElement(name, datatype, values, i, 'a string');
      strings[i] = v;
    }
    return strings;
  }
  if (datatype === 'BOOL') {
    const bytes = out as Uint8Array;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === true || v === 1) bytes[i] = 1;
      else if (v !== false && v !== 0) throw badElement(name, datatype, values, i, 'true or false');
    }
    return bytes;
  }
  if (isFloat(datatype)) {
    const floats = out as Float32Array;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === 'number') floats[i] = v;
      else if (v === 'NaN') floats[i] = Number.NaN;
      else if (v === 'Infinity') floats[i] = Number.POSITIVE_INFINITY;
      else if (v === '-Infinity') floats[i] = Number.NEGATIVE_INFINITY;
      else throw badElement(name, datatype, values, i, 'a number');
    }
    return floats;
  }
  const [min, max] = integerRange(datatype)!;
  const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw badElement(
        name,
        datatype,
        values,
        i,
        v === 'NaN' || Number.isNaN(v) ? 'an integer (NaN is not allowed)' : 'an integer',
      );
    }
    if (v < min || v > max) throw badElement(name, datatype, values, i, `an integer from ${min} to ${max}`);
    if (big) (out as BigInt64Array)[i] = BigInt(v);
    else (out as Int32Array)[i] = v;
  }
  return out;
}

// Module level, not a closure inside convert: convert runs once per input of every request.
function badElement(
  name: string,
  datatype: OipDatatype,
  values: readonly unknown[],
  i: number,
  what: string,
) {
  return badInput(`Input '${name}': element ${i} is ${show(values[i])}, but ${datatype} needs ${what}.`);
}
