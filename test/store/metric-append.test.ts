import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPEND_TARGET_POINTS,
  appendChunk,
  encodeChunks,
  readSeries,
} from '../../src/store/metric-chunks.js';
import type { Store } from '../../src/store/open-store.js';
import type { MetricTable } from '../../src/store/schema.js';
import { sampledSteps, sampleSeries } from '../../src/tracking/metric-sampling.js';
import { STORE_BACKENDS } from '../support/stores.js';

const triples = (s: ReturnType<typeof readSeries>) =>
  Array.from({ length: s.length }, (_, i) => [s.steps[i]!, s.timestamps[i]!, s.values[i]!]);

describe('appending to a chunk', () => {
  it("keeps both chunks' points, planes and step range", () => {
    const [a] = encodeChunks(
      [
        { step: 4, timestamp: 40, value: 0.4, is_nan: 0 },
        { step: 2, timestamp: 20, value: 0, is_nan: 1 },
      ],
      () => 7,
    );
    const [b] = encodeChunks(
      [
        { step: 9, timestamp: 90, value: -1, is_nan: 0 },
        { step: 1, timestamp: 10, value: 0.1, is_nan: 0 },
        { step: 4, timestamp: 40, value: 0.4, is_nan: 0 },
      ],
      () => 7,
    );
    const merged = appendChunk({ ...a!, chunk_id: 1 }, b!);
    expect([merged.series_id, merged.min_step, merged.max_step, merged.points]).toEqual([7, 1, 9, 5]);
    // Identical points are kept once on read, as MLflow keeps them.
    expect(triples(readSeries([merged]))).toEqual([
      [1, 10, 0.1],
      [2, 20, Number.NaN],
      [4, 40, 0.4],
      [9, 90, -1],
    ]);
  });
});

const RUN = 'd'.repeat(32);

/** Points of `key` logged one call at a time, as `mlflow.log_metric(key, value, step)` in a training loop does. */
function perStep(key: string, n: number, seed: number): MetricTable[] {
  return Array.from({ length: n }, (_, i) => ({
    run_id: RUN,
    key,
    // Mostly increasing steps, some logged late and some twice.
    step: i % 97 === 0 ? Math.max(0, i - 50) : i,
    timestamp: 1_000 + i,
    value: i % 31 === 0 ? 0 : Math.sin(i * seed),
    is_nan: i % 31 === 0 ? 1 : 0,
  }));
}

for (const backend of STORE_BACKENDS) {
  describe(`metric points logged a call at a time, on ${backend.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await backend.open();
    });
    afterAll(async () => store?.close());

    const series = async (key: string) =>
      (
        await store.db
          .selectFrom('metric_series')
          .select('series_id')
          .where('run_id', '=', RUN)
          .where('key', '=', key)
          .executeTakeFirstOrThrow()
      ).series_id;
    const chunks = async (key: string) =>
      store.db
        .selectFrom('metric_chunks')
        .select(['data', 'points', 'min_step', 'max_step'])
        .where('series_id', '=', await series(key))
        .execute();

    it('fill a few chunks instead of one per call, and read back as the same batch would', async () => {
      const points = perStep('loss', 1_000, 1);
      for (const p of points) await store.dialect.insertMetrics([p]);
      for (let i = 0; i < points.length; i += 500)
        await store.dialect.insertMetrics(
          points.slice(i, i + 500).map((p) => ({ ...p, key: 'loss-batched' })),
        );

      const stored = await chunks('loss');
      expect(stored.length).toBeLessThanOrEqual(Math.ceil(1_000 / APPEND_TARGET_POINTS) + 1);
      expect(stored.reduce((n, c) => n + c.points, 0)).toBe(1_000);
      for (const c of stored) {
        const steps = readSeries([c]).steps;
        expect([Number(c.min_step), Number(c.max_step)]).toEqual([steps[0], steps.at(-1)]);
      }
      expect(triples(readSeries(stored))).toEqual(triples(readSeries(await chunks('loss-batched'))));

      // Down-sampling reads chunks by their step bounds: it must pick what decoding everything picks.
      const id = await series('loss');
      const s = await sampleSeries(store, id, 50);
      const whole = readSeries(stored);
      const chosen = sampledSteps(whole.steps, 50);
      expect(Array.from(s.steps)).toEqual(Array.from(whole.steps).filter((step) => chosen.has(step)));
    });

    it('loses no point when many writers log the same series at once', async () => {
      const writers = 8;
      const each = 60;
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let i = 0; i < each; i++) {
            // Every batch touches the shared series and two others, in an order of its own.
            const batch: MetricTable[] = ['shared', `own-${w}`, 'also-shared'].map((key) => ({
              run_id: RUN,
              key,
              step: w * each + i,
              timestamp: 1,
              value: w,
              is_nan: 0,
            }));
            await store.dialect.insertMetrics(w % 2 ? batch.reverse() : batch);
          }
        }),
      );
      for (const key of ['shared', 'also-shared']) {
        const s = readSeries(await chunks(key));
        expect(s.length, key).toBe(writers * each);
        expect(new Set(s.steps).size, key).toBe(writers * each);
      }
      expect(readSeries(await chunks('own-3')).length).toBe(each);
    });
  });
}
