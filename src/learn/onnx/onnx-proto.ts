import * as pb from './protobuf.js';

/**
 * ONNX ModelProto writing (field numbers of onnx/onnx.proto, IR version 8), for the graphs the exporter builds:
 * nodes with attributes, constant initializers, and tensor-typed graph inputs and outputs.
 */
export const IR_VERSION = 8;
export const OPSET = { onnx: 17, ml: 3 } as const;
export const ML_DOMAIN = 'ai.onnx.ml';

export const DataType = { float: 1, int64: 7, string: 8, double: 11 } as const;
export type ElemType = keyof typeof DataType;

export type AttrValue = number | string | number[] | string[] | { f: number } | { ints: number[] };

/** A number is INT, {f} is FLOAT; number arrays are FLOATS unless wrapped as {ints}; string arrays are STRINGS. */
export interface OnnxNode {
  op: string;
  domain?: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs?: Record<string, AttrValue>;
}

export interface ValueInfo {
  name: string;
  type: ElemType;
  /** A number is a fixed size, a string a symbolic dimension (e.g. 'N'). */
  shape: (number | string)[];
}

export interface Initializer {
  name: string;
  type: 'float' | 'int64' | 'string';
  dims: number[];
  values: number[] | string[];
}

const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

function attribute(name: string, value: AttrValue): pb.Bytes {
  const parts: pb.Bytes[] = [pb.string(1, name)];
  if (typeof value === 'number') {
    parts.push(pb.int(3, value), pb.int(20, ATTR.INT));
  } else if (typeof value === 'string') {
    parts.push(pb.string(4, value), pb.int(20, ATTR.STRING));
  } else if (Array.isArray(value)) {
    if (value.length > 0 && typeof value[0] === 'string') {
      for (const s of value as string[]) parts.push(pb.string(9, s));
      parts.push(pb.int(20, ATTR.STRINGS));
    } else {
      parts.push(pb.packedFloats(7, value as number[]), pb.int(20, ATTR.FLOATS));
    }
  } else if ('ints' in value) {
    parts.push(pb.packedInts(8, value.ints), pb.int(20, ATTR.INTS));
  } else {
    parts.push(pb.float(2, value.f), pb.int(20, ATTR.FLOAT));
  }
  return pb.concat(parts);
}

function node(n: OnnxNode): pb.Bytes {
  const parts: pb.Bytes[] = [];
  for (const i of n.inputs) parts.push(pb.string(1, i));
  for (const o of n.outputs) parts.push(pb.string(2, o));
  parts.push(pb.string(3, n.name), pb.string(4, n.op));
  for (const [k, v] of Object.entries(n.attrs ?? {})) parts.push(pb.message(5, [attribute(k, v)]));
  if (n.domain) parts.push(pb.string(7, n.domain));
  return pb.concat(parts);
}

function valueInfo(v: ValueInfo): pb.Bytes {
  const dims = v.shape.map((d) => pb.message(1, [typeof d === 'number' ? pb.int(1, d) : pb.string(2, d)]));
  const tensorType = [pb.int(1, DataType[v.type]), pb.message(2, dims)];
  return pb.concat([pb.string(1, v.name), pb.message(2, [pb.message(1, tensorType)])]);
}

function tensor(t: Initializer): pb.Bytes {
  const parts: pb.Bytes[] = [pb.packedInts(1, t.dims), pb.int(2, DataType[t.type])];
  if (t.type === 'float') parts.push(pb.packedFloats(4, t.values as number[]));
  else if (t.type === 'int64') parts.push(pb.packedInts(7, t.values as number[]));
  else for (const s of t.values as string[]) parts.push(pb.string(6, s));
  parts.push(pb.string(8, t.name));
  return pb.concat(parts);
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: Initializer[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  docString?: string;
}

export function encodeModel(
  graph: OnnxGraph,
  meta: { producerVersion: string; docString?: string; metadata?: Record<string, string> },
): Uint8Array {
  const g: pb.Bytes[] = [];
  for (const n of graph.nodes) g.push(pb.message(1, [node(n)]));
  g.push(pb.string(2, graph.name));
  for (const t of graph.initializers) g.push(pb.message(5, [tensor(t)]));
  if (graph.docString) g.push(pb.string(10, graph.docString));
  for (const i of graph.inputs) g.push(pb.message(11, [valueInfo(i)]));
  for (const o of graph.outputs) g.push(pb.message(12, [valueInfo(o)]));
  const parts: pb.Bytes[] = [
    pb.int(1, IR_VERSION),
    pb.string(2, 'mloop'),
    pb.string(3, meta.producerVersion),
    pb.int(5, 1),
  ];
  if (meta.docString) parts.push(pb.string(6, meta.docString));
  parts.push(pb.message(7, g));
  parts.push(pb.message(8, [pb.string(1, ''), pb.int(2, OPSET.onnx)]));
  parts.push(pb.message(8, [pb.string(1, ML_DOMAIN), pb.int(2, OPSET.ml)]));
  for (const [k, v] of Object.entries(meta.metadata ?? {}))
    parts.push(pb.message(14, [pb.string(1, k), pb.string(2, v)]));
  return pb.concat(parts);
}
