import { show } from '../../core/errors.js';
import { type Tensor, toJsonValues } from '../../serving/datatypes.js';
import { badInput } from '../../serving/errors.js';
import type { RawInput } from '../../serving/validate.js';
import { decodeTensor } from './binary.js';

/** An OIP inference request, checked for shape only: what to run lives in the serving domain. */
export interface OipRequest {
  id?: string;
  inputs: RawInput[];
  /** Requested outputs: name → return as binary. Absent: all outputs. */
  outputs?: { name: string; binary: boolean }[];
  binaryOutput: boolean;
}

/**
 * `$inference_request` → inputs with row-major data. `data` may be nested or flat; with the binary extension an
 * input carries `parameters.binary_data_size` and its bytes follow the JSON header, in input order.
 */
export function parseInferRequest(body: unknown, binary?: Uint8Array): OipRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badInput(
      'The request body must be a JSON object: {"inputs": [{"name", "shape", "datatype", "data"}]}.',
    );
  const b = body as Record<string, unknown>;
  if (b.id !== undefined && typeof b.id !== 'string')
    throw badInput(`'id' must be a string, got ${show(b.id)}.`);
  if (!Array.isArray(b.inputs) || b.inputs.length === 0)
    throw badInput(
      `'inputs' must be a non-empty list of {"name", "shape", "datatype", "data"}; got ${show(b.inputs)}.`,
    );
  let offset = 0;
  const inputs = b.inputs.map((raw, i): RawInput => {
    const x = raw as Record<string, unknown>;
    if (typeof x !== 'object' || x === null) throw badInput(`inputs[${i}] must be an object.`);
    if (typeof x.name !== 'string' || !x.name)
      throw badInput(`inputs[${i}].name must be a non-empty string.`);
    const name = x.name;
    if (typeof x.datatype !== 'string')
      throw badInput(`Input '${name}': 'datatype' must be a string such as "FP32".`);
    if (
      !Array.isArray(x.shape) ||
      !x.shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
    )
      throw badInput(
        `Input '${name}': 'shape' must be a list of non-negative integers, got ${show(x.shape)}.`,
      );
    const params = (x.parameters ?? {}) as Record<string, unknown>;
    const size = params.binary_data_size;
    if (size !== undefined) {
      if (!binary) throw badInput(`Input '${name}' has binary_data_size but the request has no binary part.`);
      if (
        typeof size !== 'number' ||
        !Number.isSafeInteger(size) ||
        size < 0 ||
        offset + size > binary.length
      )
        throw badInput(
          `Input '${name}': binary_data_size ${show(size)} does not fit the ${binary.length} binary bytes.`,
        );
      const data = decodeTensor(name, x.datatype, binary.subarray(offset, offset + size));
      offset += size;
      return { name, datatype: x.datatype, shape: x.shape as number[], data };
    }
    if (x.data === undefined) throw badInput(`Input '${name}' has no 'data'.`);
    return { name, datatype: x.datatype, shape: x.shape as number[], data: flattenDeep(x.data) };
  });
  let outputs: OipRequest['outputs'];
  if (b.outputs !== undefined) {
    if (!Array.isArray(b.outputs))
      throw badInput(`'outputs' must be a list of {"name"}, got ${show(b.outputs)}.`);
    outputs = b.outputs.map((o, i) => {
      const out = o as Record<string, unknown>;
      if (typeof out?.name !== 'string') throw badInput(`outputs[${i}].name must be a string.`);
      const p = (out.parameters ?? {}) as Record<string, unknown>;
      return { name: out.name, binary: p.binary_data === true };
    });
  }
  const params = (b.parameters ?? {}) as Record<string, unknown>;
  return {
    ...(b.id === undefined ? {} : { id: b.id as string }),
    inputs,
    ...(outputs ? { outputs } : {}),
    binaryOutput: params.binary_data_output === true,
  };
}

function flattenDeep(data: unknown): unknown[] {
  if (!Array.isArray(data)) return [data];
  if (!data.some(Array.isArray)) return data;
  return (data as unknown[]).flat(Number.POSITIVE_INFINITY);
}

export interface OipOutput {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Record<string, unknown>;
  data?: unknown[];
}

/** `$response_output` entries; binary ones carry binary_data_size and their bytes go after the JSON. */
export function renderOutputs(
  outputs: Tensor[],
  binary: (name: string) => boolean,
  encode: (t: Tensor) => Uint8Array,
): { json: OipOutput[]; blobs: Uint8Array[] } {
  const blobs: Uint8Array[] = [];
  const json = outputs.map((t): OipOutput => {
    if (binary(t.name)) {
      const bytes = encode(t);
      blobs.push(bytes);
      return {
        name: t.name,
        datatype: t.datatype,
        shape: t.shape,
        parameters: { binary_data_size: bytes.length },
      };
    }
    return { name: t.name, datatype: t.datatype, shape: t.shape, data: toJsonValues(t.datatype, t.data) };
  });
  return { json, blobs };
}
