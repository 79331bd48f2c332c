import { allocate, type NumericArray, type OipDatatype, type Tensor } from '../../serving/datatypes.js';
import { badInput } from '../../serving/errors.js';

/**
 * The binary tensor data extension (Triton `extension_binary_data.md`): little-endian, row-major, no padding; BOOL
 * one byte per element; BYTES elements each a 4-byte length then the bytes. The JSON header comes first and
 * `Inference-Header-Content-Length` says how long it is.
 */
export const HEADER_LENGTH = 'inference-header-content-length';

export function decodeTensor(name: string, datatype: string, bytes: Uint8Array): NumericArray | string[] {
  if (datatype === 'BYTES') {
    const out: string[] = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    const decoder = new TextDecoder();
    while (at < bytes.length) {
      if (at + 4 > bytes.length) throw badInput(`Input '${name}': truncated BYTES element length.`);
      const len = view.getUint32(at, true);
      at += 4;
      if (at + len > bytes.length)
        throw badInput(`Input '${name}': a BYTES element runs past binary_data_size.`);
      out.push(decoder.decode(bytes.subarray(at, at + len)));
      at += len;
    }
    return out;
  }
  const size = BYTES_PER_ELEMENT[datatype as OipDatatype];
  if (!size) throw badInput(`Input '${name}': unknown datatype ${JSON.stringify(datatype)}.`);
  if (bytes.length % size !== 0)
    throw badInput(
      `Input '${name}': binary_data_size ${bytes.length} is not a multiple of ${size} (${datatype}).`,
    );
  const copy = new Uint8Array(bytes);
  const target = allocate(datatype as OipDatatype, bytes.length / size) as NumericArray;
  new Uint8Array(target.buffer).set(copy);
  return target;
}

export function encodeTensor(t: Tensor): Uint8Array {
  if (Array.isArray(t.data)) {
    const encoder = new TextEncoder();
    const parts = t.data.map((s) => encoder.encode(s));
    const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
    const view = new DataView(out.buffer);
    let at = 0;
    for (const p of parts) {
      view.setUint32(at, p.length, true);
      out.set(p, at + 4);
      at += 4 + p.length;
    }
    return out;
  }
  const data = t.data as NumericArray;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const BYTES_PER_ELEMENT: Partial<Record<OipDatatype, number>> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
};
