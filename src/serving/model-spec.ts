import type { ColumnSpec, ColumnType, Signature } from '../registry/model-package.js';
import { formatShape, OIP_OF_SIGNATURE_DTYPE, type OipDatatype, oipOfOrt } from './datatypes.js';

/** One input or output as OIP metadata describes it: -1 marks a dimension of any size. */
export interface TensorMeta {
  name: string;
  datatype: OipDatatype;
  shape: number[];
}

/** What a runtime reports about a loaded model: onnxruntime's names, types and (possibly symbolic) dims. */
export interface RuntimeIo {
  name: string;
  type: string;
  shape: (number | string)[];
}

/** What serving knows about a model version: its tensors, its column signature, whether requests can batch. */
export interface ModelSpec {
  inputs: TensorMeta[];
  outputs: TensorMeta[];
  /** The MLflow column signature, when the package has one: how /invocations maps columns onto inputs. */
  columns?: ColumnSpec[];
  /** Every input and output has a variable first dimension, so requests can be stacked into one batch. */
  batchable: boolean;
}

const COLUMN_OIP: Record<ColumnType, OipDatatype> = {
  boolean: 'BOOL',
  integer: 'INT32',
  long: 'INT64',
  float: 'FP32',
  double: 'FP64',
  string: 'BYTES',
  binary: 'BYTES',
  datetime: 'BYTES',
};
const NUMERIC: ReadonlySet<OipDatatype> = new Set([
  'FP32',
  'FP64',
  'FP16',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'BOOL',
]);

/**
 * Builds the spec from the runtime's view of the graph and checks the package signature against it. A signature
 * that cannot feed the graph is a load error (so a bad package never replaces a working version).
 */
export function buildModelSpec(
  runtimeInputs: RuntimeIo[],
  runtimeOutputs: RuntimeIo[],
  signature?: Signature,
): ModelSpec {
  const meta = (io: RuntimeIo, kind: string): TensorMeta => {
    const datatype = oipOfOrt(io.type);
    if (!datatype)
      throw new Error(`The model's ${kind} '${io.name}' has type ${io.type}, which is not served.`);
    return {
      name: io.name,
      datatype,
      shape: io.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
    };
  };
  const inputs = runtimeInputs.map((io) => meta(io, 'input'));
  const outputs = runtimeOutputs.map((io) => meta(io, 'output'));
  const spec: ModelSpec = {
    inputs,
    outputs,
    batchable: [...inputs, ...outputs].every((t) => t.shape.length > 0 && t.shape[0] === -1),
  };
  if (!signature) return spec;
  const tensors = signature.inputs.filter((s) => s.type === 'tensor');
  if (tensors.length === signature.inputs.length) {
    if (tensors.length !== inputs.length)
      throw new Error(
        `The signature has ${tensors.length} tensor input(s) but the ONNX graph has ${inputs.length} (${inputs.map((i) => i.name).join(', ')}).`,
      );
    tensors.forEach((t, i) => {
      const target = (t.name && inputs.find((x) => x.name === t.name)) || inputs[i]!;
      const datatype = OIP_OF_SIGNATURE_DTYPE[t['tensor-spec'].dtype];
      if (datatype !== target.datatype)
        throw new Error(
          `The signature declares input '${t.name ?? i}' as ${t['tensor-spec'].dtype} (${datatype}) but the ONNX input '${target.name}' is ${target.datatype}.`,
        );
      const shape = t['tensor-spec'].shape;
      if (shape.length === target.shape.length)
        target.shape = target.shape.map((d, k) => (d === -1 ? (shape[k] ?? -1) : d));
    });
    return spec;
  }
  const columns = signature.inputs as ColumnSpec[];
  checkColumns(columns, inputs);
  return { ...spec, columns };
}

function checkColumns(columns: ColumnSpec[], inputs: TensorMeta[]): void {
  if (inputs.length === 1 && inputs[0]!.shape.length === 2) {
    const input = inputs[0]!;
    const width = input.shape[1]!;
    if (width !== -1 && width !== columns.length)
      throw new Error(
        `The signature has ${columns.length} column(s) but the ONNX input '${input.name}' ${formatShape(input.shape)} takes ${width} features.`,
      );
    for (const c of columns) {
      if (NUMERIC.has(input.datatype) !== NUMERIC.has(COLUMN_OIP[c.type]))
        throw new Error(
          `Column '${c.name}' is ${c.type}, which cannot feed the ONNX input '${input.name}' of ${input.datatype}.`,
        );
    }
    return;
  }
  for (const input of inputs) {
    const c = columns.find((x) => x.name === input.name);
    if (!c)
      throw new Error(
        `The ONNX input '${input.name}' has no column of that name in the signature (columns: ${columns.map((x) => x.name).join(', ')}).`,
      );
    if (NUMERIC.has(input.datatype) !== NUMERIC.has(COLUMN_OIP[c.type]))
      throw new Error(
        `Column '${c.name}' is ${c.type}, which cannot feed the ONNX input '${input.name}' of ${input.datatype}.`,
      );
  }
}

export const columnDatatype = (c: ColumnSpec): OipDatatype => COLUMN_OIP[c.type];

export const describeTensor = (t: TensorMeta): string =>
  `'${t.name}' (${t.datatype} ${formatShape(t.shape)})`;
