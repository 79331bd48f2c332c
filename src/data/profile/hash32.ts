/**
 * 32-bit MurmurHash3 (x86_32) of float64 bit patterns and of UTF-16 strings: the hash behind the distinct-count
 * sketch and the per-batch value counter. Deterministic, so equal data always gives an equal profile.
 */

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
export const NUMBER_SEED = 0x9747b28c;
const STRING_SEED = 0x5bd1e995;

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hash of a number's float64 bits; 0 and -0 hash alike, so do 1 and 1.0 (they are one value). */
export function hashNumber(x: number): number {
  F64[0] = x === 0 ? 0 : x;
  return fmix32(mixH(mixH(NUMBER_SEED, U32[0]!), U32[1]!) ^ 8);
}

export function hashString(s: string): number {
  let h = STRING_SEED;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) h = mixH(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) h ^= mixK(s.charCodeAt(i));
  return fmix32(h ^ (n * 2));
}

/** xorshift32: the sketches' source of random bits, seeded so that a profile is reproducible. */
export function nextRandom(state: number): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state >>> 0 || 0x2545f491;
}
