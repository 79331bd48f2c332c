import { describe, expect, it } from 'vitest';
import { chunkPlanes, encodeChunks, MAX_CHUNK_POINTS, readSeries } from '../../src/store/metric-chunks.js';

const DBL_MAX = 1.7976931348623157e308;

const point = (series: number, step: number, timestamp: number, value: number, is_nan = 0) => ({
  series,
  step,
  timestamp,
  value,
  is_nan,
});

const bySeries = (p: { series: number }) => p.series;

function asTriples(s: ReturnType<typeof readSeries>): [number, number, number][] {
  return Array.from({ length: s.length }, (_, i) => [s.steps[i]!, s.timestamps[i]!, s.values[i]!]);
}

describe('metric chunks', () => {
  it('encodes one chunk per series with its step range, and reads the points back', () => {
    const chunks = encodeChunks(
      [point(1, 5, 50, 0.5), point(2, 0, 10, 1), point(1, 3, 30, 0.25), point(2, 1, 11, 2)],
      bySeries,
    );
    expect(chunks.map((c) => [c.series_id, c.min_step, c.max_step, c.points, c.data.byteLength])).toEqual([
      [1, 3, 5, 2, 48],
      [2, 0, 1, 2, 48],
    ]);
    expect(asTriples(readSeries([chunks[0]!]))).toEqual([
      [3, 30, 0.25],
      [5, 50, 0.5],
    ]);
  });

  it('keeps NaN as NaN whatever the stored value, and the clamped ±DBL_MAX as given', () => {
    const [chunk] = encodeChunks(
      [point(1, 0, 1, 0, 1), point(1, 1, 1, DBL_MAX), point(1, 2, 1, -DBL_MAX), point(1, 3, 1, -0)],
      bySeries,
    );
    const s = readSeries([chunk!]);
    expect(Number.isNaN(s.values[0])).toBe(true);
    expect(Array.from(s.values.subarray(1))).toEqual([DBL_MAX, -DBL_MAX, -0]);
  });

  it('orders points from several chunks by step, timestamp and value, NaN after a real 0', () => {
    const first = encodeChunks([point(1, 2, 30, 0.2), point(1, 1, 20, 0, 1), point(1, 1, 20, 0.5)], bySeries);
    const second = encodeChunks([point(1, 0, 10, 0.9), point(1, 1, 20, 0), point(1, 1, 5, 7)], bySeries);
    expect(asTriples(readSeries([...first, ...second]))).toEqual([
      [0, 10, 0.9],
      [1, 5, 7],
      [1, 20, 0],
      [1, 20, Number.NaN],
      [1, 20, 0.5],
      [2, 30, 0.2],
    ]);
  });

  it('keeps an identical point once, as MLflow does, but not points differing in any field', () => {
    const a = encodeChunks([point(1, 1, 10, 0.5), point(1, 1, 10, 0, 1)], bySeries);
    const b = encodeChunks([point(1, 1, 10, 0.5), point(1, 1, 10, 0, 1), point(1, 1, 11, 0.5)], bySeries);
    const c = encodeChunks([point(1, 1, 10, 0.6), point(1, 2, 10, 0.5)], bySeries);
    expect(asTriples(readSeries([...a, ...b, ...c]))).toEqual([
      [1, 10, Number.NaN],
      [1, 10, 0.5],
      [1, 10, 0.6],
      [1, 11, 0.5],
      [2, 10, 0.5],
    ]);
  });

  it(`splits a series longer than ${MAX_CHUNK_POINTS} points into several chunks`, () => {
    const n = MAX_CHUNK_POINTS * 2 + 10;
    const rows = Array.from({ length: n }, (_, i) => point(7, i, 1000 + i, i / 2));
    const chunks = encodeChunks(rows, bySeries);
    expect(chunks.map((c) => [c.min_step, c.max_step, c.points])).toEqual([
      [0, MAX_CHUNK_POINTS - 1, MAX_CHUNK_POINTS],
      [MAX_CHUNK_POINTS, 2 * MAX_CHUNK_POINTS - 1, MAX_CHUNK_POINTS],
      [2 * MAX_CHUNK_POINTS, n - 1, 10],
    ]);
    const s = readSeries(chunks.reverse());
    expect(s.length).toBe(n);
    expect(s.steps[n - 1]).toBe(n - 1);
    expect(s.values[n - 1]).toBe((n - 1) / 2);
  });

  it('reads only the steps of a range when given one', () => {
    const chunks = encodeChunks(
      Array.from({ length: 10 }, (_, i) => point(1, i, i, i)),
      bySeries,
    );
    expect(Array.from(readSeries(chunks, { min: 3, max: 5 }).steps)).toEqual([3, 4, 5]);
  });

  it('reads a chunk from a buffer that is not 8-byte aligned, and refuses one of the wrong size', () => {
    const [chunk] = encodeChunks([point(1, 4, 40, 0.125)], bySeries);
    const shifted = Buffer.alloc(chunk!.data.byteLength + 3);
    chunk!.data.copy(shifted, 3);
    const unaligned = shifted.subarray(3);
    expect(Array.from(chunkPlanes(unaligned, 1))).toEqual([4, 40, 0.125]);
    expect(() => chunkPlanes(unaligned, 2)).toThrow(/holds 24 bytes, expected 48 for 2 points/);
  });
});
