/** Random and malformed request bodies for the no-5xx fuzz suites. */

/** A small deterministic PRNG (mulberry32) so that a failure reproduces from its seed. */
export function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random values and objects whose keys are drawn from `fields` (the request fields of the API under test). */
export function fuzzer(fields: readonly string[]) {
  function randomValue(r: () => number, depth = 0): unknown {
    const pick = Math.floor(r() * 14);
    switch (pick) {
      case 0:
        return null;
      case 1:
        return r() < 0.5;
      case 2:
        return Math.floor(r() * 2 ** 53) * (r() < 0.5 ? -1 : 1);
      case 3:
        return r() * 1e308;
      case 4:
        return '';
      case 5:
        return 'x'.repeat(Math.floor(r() * 10000));
      case 6:
        return [
          '../../etc/passwd',
          '%2e%2e%2f',
          'NaN',
          '0',
          '-1',
          "a' OR '1'='1",
          'metrics.m > ',
          '\u0000',
          '😀',
        ][Math.floor(r() * 9)];
      case 7:
        return depth > 2 ? [] : Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
      case 8:
        return depth > 2 ? {} : randomObject(r, depth + 1);
      case 9:
        return [
          {
            key: randomValue(r, 3),
            value: randomValue(r, 3),
            timestamp: randomValue(r, 3),
            step: randomValue(r, 3),
          },
        ];
      case 10:
        return '0123456789abcdef0123456789abcdef';
      case 11:
        return 'm-0123456789abcdef0123456789abcdef';
      case 12:
        return Array.from({ length: 1200 }, () => ({ key: 'k', value: 1, timestamp: 1 }));
      default:
        return Math.floor(r() * 100);
    }
  }

  function randomObject(r: () => number, depth = 0): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const n = Math.floor(r() * 6);
    for (let i = 0; i < n; i++) out[fields[Math.floor(r() * fields.length)]!] = randomValue(r, depth);
    return out;
  }

  return { randomValue, randomObject };
}

/** Bodies that are not a JSON object, or not JSON at all. */
export const MALFORMED = [
  '{',
  '[]',
  '"just a string"',
  'null',
  '{"a":}',
  '\u0000\u0001',
  '{"name": NaN}',
  'x'.repeat(2000),
  '{"metrics": [1,2,3]}',
  '"{\\"name\\": 5}"',
];
