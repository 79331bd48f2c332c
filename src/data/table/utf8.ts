import { isUtf8 } from 'node:buffer';
import { DataError } from '../data-error.js';

/** Index of the first byte that does not start a valid UTF-8 sequence, or -1 (RFC 3629: no overlongs, no surrogates). */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (need === 0) return i;
    const c1 = b[i + 1];
    if (c1 === undefined) return i;
    if (
      (c === 0xe0 && c1 < 0xa0) ||
      (c === 0xed && c1 > 0x9f) ||
      (c === 0xf0 && c1 < 0x90) ||
      (c === 0xf4 && c1 > 0x8f)
    )
      return i;
    for (let j = 1; j <= need; j++) {
      const cj = b[i + j];
      if (cj === undefined || (cj & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Length of an incomplete multi-byte sequence at the end of `b` (0 when the chunk ends on a boundary). */
function incompleteTail(b: Uint8Array): number {
  const n = b.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const c = b[n - back]!;
    if ((c & 0xc0) === 0x80) continue;
    if (c < 0xc0) return 0;
    const len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    return back < len ? back : 0;
  }
  return 0;
}

/**
 * Decodes a byte stream as UTF-8, refusing invalid bytes with the line and column (in characters) where they are,
 * instead of silently replacing them. A leading byte-order mark is dropped.
 */
export async function* decodeUtf8(source: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<string> {
  let carry: Buffer = Buffer.alloc(0);
  let line = 1;
  let lineStartText = '';
  let offset = 0;
  let first = true;
  for await (const raw of source) {
    let chunk = carry.length
      ? Buffer.concat([carry, raw])
      : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    if (first && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
      chunk = chunk.subarray(3);
      offset = 3;
    }
    first = false;
    const tail = incompleteTail(chunk);
    const body = chunk.subarray(0, chunk.length - tail);
    carry = Buffer.from(chunk.subarray(chunk.length - tail));
    if (!isUtf8(body)) fail(body, firstInvalidUtf8(body));
    const text = body.toString('utf8');
    const lastNl = text.lastIndexOf('\n');
    if (lastNl >= 0) {
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) line++;
      lineStartText = text.slice(lastNl + 1);
    } else {
      lineStartText += text;
    }
    offset += body.length;
    if (text) yield text;
  }
  if (carry.length) fail(carry, 0);

  function fail(bytes: Buffer, at: number): never {
    const before = bytes.subarray(0, Math.max(0, at)).toString('utf8');
    const nl = before.lastIndexOf('\n');
    let errLine = line;
    for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) errLine++;
    const column = (nl >= 0 ? before.length - nl - 1 : lineStartText.length + before.length) + 1;
    const hex = [...bytes.subarray(at, at + 4)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
    throw new DataError(
      { file, line: errLine, column, byte: offset + at },
      `invalid UTF-8 (bytes ${hex}); the file must be UTF-8 encoded text. Convert it first, e.g. with iconv -f LATIN1 -t UTF-8.`,
    );
  }
}
