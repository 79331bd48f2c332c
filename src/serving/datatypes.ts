import type { TensorDtype } from '../registry/model-package.js';

/** Open Inference Protocol datatypes (BF16 has no onnxruntime-node type and is left out). */
export const OIP_DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;
export type OipDatatype = (typeof OIP_DATATYPES)[number];

export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;
export type TensorData = NumericArray | string[];

/** A tensor on the main thread: row-major data, one of the OIP datatypes. */
export interface Tensor {
  name: string;
  datatype: OipDatatype;
  shape: number[];
  data: TensorData;
}

/** onnxruntime's type names (`Tensor.Type`) ↔ OIP. */
const ORT_TO_OIP: Record<string, OipDatatype> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  string: 'BYTES',
};
const OIP_TO_ORT = Object.fromEntries(Object.entries(ORT_TO_OIP).map(([k, v]) => [v, k])) as Record<
  OipDatatype,
  string
>;

export function oipOfOrt(type: string): OipDatatype | undefined {
  return ORT_TO_OIP[type];
}
export const ortOfOip = (datatype: OipDatatype): string => OIP_TO_ORT[datatype];

/** MLflow tensor-spec dtypes → OIP. */
export const OIP_OF_SIGNATURE_DTYPE: Record<TensorDtype, OipDatatype> = {
  float32: 'FP32',
  float64: 'FP64',
  int32: 'INT32',
  int64: 'INT64',
  int8: 'INT8',
  uint8: 'UINT8',
  bool: 'BOOL',
  string: 'BYTES',
};

const INT_RANGE: Partial<Record<OipDatatype, [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
};

export const isFloat = (d: OipDatatype): boolean => d === 'FP32' || d === 'FP64' || d === 'FP16';
export const isInteger = (d: OipDatatype): boolean => INT_RANGE[d] !== undefined;
export const integerRange = (d: OipDatatype): [number, number] | undefined => INT_RANGE[d];

/** An empty typed array (or string list) of `length` elements for a datatype. */
export function allocate(datatype: OipDatatype, length: number): TensorData {
  switch (datatype) {
    case 'FP32':
      return new Float32Array(length);
    case 'FP64':
      return new Float64Array(length);
    case 'INT8':
      return new Int8Array(length);
    case 'INT16':
      return new Int16Array(length);
    case 'INT32':
      return new Int32Array(length);
    case 'INT64':
      return new BigInt64Array(length);
    case 'UINT8':
    case 'BOOL':
      return new Uint8Array(length);
    case 'UINT16':
    case 'FP16':
      return new Uint16Array(length);
    case 'UINT32':
      return new Uint32Array(length);
    case 'UINT64':
      return new BigUint64Array(length);
    case 'BYTES':
      return new Array<string>(length).fill('');
  }
}

/** Tensor data as JSON values: numbers, booleans for BOOL, strings for BYTES. */
export function toJsonValues(datatype: OipDatatype, data: TensorData): unknown[] {
  if (datatype === 'BOOL') return Array.from(data as Uint8Array, (v) => v !== 0);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  if (Array.isArray(data)) return data;
  const out = new Array<number>(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] as number;
  return out;
}

export const elementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export const formatShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
