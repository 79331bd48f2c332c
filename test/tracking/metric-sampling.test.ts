import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeries } from '../../src/store/metric-chunks.js';
import type { Store } from '../../src/store/open-store.js';
import type { MetricTable } from '../../src/store/schema.js';
import { sampledSteps, sampleSeries } from '../../src/tracking/metric-sampling.js';
import { STORE_BACKENDS } from '../support/stores.js';

const RUN = 'c'.repeat(32);

/** What the sampling must return: the whole series decoded, then the brute-force choice of steps. */
async function bruteForce(store: Store, seriesId: number, max: number, range?: { min: number; max: number }) {
  const rows = await store.db
    .selectFrom('metric_chunks')
    .select(['data', 'points'])
    .where('series_id', '=', seriesId)
    .execute();
  const series = readSeries(rows, range);
  const chosen = sampledSteps(series.steps, max);
  const out: [number, number, number][] = [];
  for (let i = 0; i < series.length; i++) {
    if (chosen.has(series.steps[i]!)) out.push([series.steps[i]!, series.timestamps[i]!, series.values[i]!]);
  }
  return out;
}

async function sampled(store: Store, seriesId: number, max: number, range?: { min: number; max: number }) {
  const s = await sampleSeries(store, seriesId, max, range);
  return Array.from({ length: s.length }, (_, i) => [s.steps[i]!, s.timestamps[i]!, s.values[i]!]);
}

async function log(store: Store, key: string, steps: readonly number[]): Promise<number> {
  const rows: MetricTable[] = steps.map((step, i) => ({
    run_id: RUN,
    key,
    step,
    timestamp: 1000 + i,
    value: Math.sin(step),
    is_nan: 0,
  }));
  for (let i = 0; i < rows.length; i += 1000) await store.dialect.insertMetrics(rows.slice(i, i + 1000));
  const row = await store.db
    .selectFrom('metric_series')
    .select('series_id')
    .where('run_id', '=', RUN)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return row.series_id;
}

for (const backend of STORE_BACKENDS) {
  describe(`bulk-interval sampling of long series on ${backend.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await backend.open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('above the decode-everything threshold, picks what decoding the whole series picks', async () => {
      // 120,000 evenly spaced steps in 120 chunks: above the decode-everything threshold.
      const even = await log(
        store,
        'even',
        Array.from({ length: 120_000 }, (_, i) => i * 10),
      );
      for (const max of [1, 2, 7, 2500]) {
        expect(await sampled(store, even, max)).toEqual(await bruteForce(store, even, max));
      }
      const window = { min: 333_333, max: 777_777 };
      expect(await sampled(store, even, 500, window)).toEqual(await bruteForce(store, even, 500, window));
      const picked = await sampled(store, even, 2500);
      expect(picked).toHaveLength(2500);
      expect(picked[0]![0]).toBe(0);
      expect(picked.at(-1)![0]).toBe(1_199_990);
    });

    it('handles irregular steps, repeated steps and batches logged out of order', async () => {
      // Dense then sparse steps, each step logged twice in separate batches, and a late batch back-filling a gap.
      const steps: number[] = [];
      for (let i = 0; i < 60_000; i++) steps.push(i < 40_000 ? i : 40_000 + (i - 40_000) * 97);
      const reversed = steps.slice(20_000, 30_000).reverse();
      const irregular = await log(store, 'irregular', [...steps, ...reversed, 5_000_000, 1_500_000]);
      for (const max of [3, 100, 2500]) {
        expect(await sampled(store, irregular, max)).toEqual(await bruteForce(store, irregular, max));
      }
      for (const window of [
        { min: 25_000, max: 2_000_000 },
        { min: 1_600_000, max: 4_999_999 },
        { min: 5_000_001, max: 6_000_000 },
      ]) {
        expect(await sampled(store, irregular, 50, window)).toEqual(
          await bruteForce(store, irregular, 50, window),
        );
      }
    });
  });
}
