/**
 * Just enough of the protobuf wire format to write ONNX models: varints (int64 as two's complement), length-
 * delimited fields, fixed32 floats and packed repeated scalars. A message is built as a list of encoded fields.
 */
const utf8 = new TextEncoder();

export type Bytes = Uint8Array;

export function concat(parts: readonly Bytes[]): Bytes {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function varintBytes(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

const key = (field: number, wireType: number) => varintBytes((field << 3) | wireType);

export const int = (field: number, value: number | bigint): Bytes =>
  Uint8Array.from([...key(field, 0), ...varintBytes(value)]);

export function bytes(field: number, value: Bytes): Bytes {
  return concat([Uint8Array.from([...key(field, 2), ...varintBytes(value.length)]), value]);
}

export const string = (field: number, value: string): Bytes => bytes(field, utf8.encode(value));

export const message = (field: number, parts: readonly Bytes[]): Bytes => bytes(field, concat(parts));

export function float(field: number, value: number): Bytes {
  const out = new Uint8Array(5);
  out.set(key(field, 5));
  new DataView(out.buffer).setFloat32(1, value, true);
  return out;
}

export function packedFloats(field: number, values: ArrayLike<number>): Bytes {
  const body = new Uint8Array(values.length * 4);
  const view = new DataView(body.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes(field, body);
}

export function packedDoubles(field: number, values: ArrayLike<number>): Bytes {
  const body = new Uint8Array(values.length * 8);
  const view = new DataView(body.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
  return bytes(field, body);
}

export function packedInts(field: number, values: ArrayLike<number>): Bytes {
  const body: number[] = [];
  for (let i = 0; i < values.length; i++) body.push(...varintBytes(values[i]!));
  return bytes(field, Uint8Array.from(body));
}

export const utf8Bytes = (s: string): Bytes => utf8.encode(s);
