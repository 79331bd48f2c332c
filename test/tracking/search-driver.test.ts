import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/open-store.js';
import { ExperimentService } from '../../src/tracking/experiment-service.js';
import { RunService } from '../../src/tracking/run-service.js';
import { SEARCH_TUNING } from '../../src/tracking/search/run-sql.js';
import { STORE_BACKENDS } from '../support/stores.js';

/** A small deterministic generator, so a failure names a reproducible seed of runs. */
function lcg(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

const FILTERS = [
  'metrics.m1 > 0.9',
  'metrics.m1 >= 0.5 and params.p1 = "a"',
  "params.p1 = 'b'",
  "params.p1 LIKE 'a%'",
  'metrics.m1 < 0.2 and metrics.m2 > 0.5',
  'metrics.m2 = 0.25',
  "params.p1 = 'nobody'",
  "metrics.m1 > 0.3 and tags.t = 'x'",
  "metrics.m1 <= 0.7 and params.p1 != 'a'",
];
const ORDERS = [
  [],
  ['metrics.m2 DESC'],
  ['metrics.m1 ASC', 'params.p1 DESC'],
  ['params.p1 ASC'],
  ['start_time ASC'],
];

/**
 * A search may be driven by its most selective clause (the few runs it matches, then their order) or by walking the
 * order's index; which one runs depends on counts, so both must give the same runs in the same order on every page.
 */
for (const backend of STORE_BACKENDS) {
  describe(`run search driven by a selective clause or by the order, on ${backend.name}`, () => {
    let store: Store;
    let runs: RunService;
    let experimentId: string;
    const saved = { ...SEARCH_TUNING };

    beforeAll(async () => {
      store = await backend.open();
      const experiments = new ExperimentService(store);
      runs = new RunService(store, experiments);
      experimentId = await experiments.create({ name: `driver-${Date.now()}` });
      const other = await experiments.create({ name: `driver-other-${Date.now()}` });
      const random = lcg(7);
      for (let i = 0; i < 120; i++) {
        const { info } = await runs.create({
          experimentId: i % 10 === 9 ? other : experimentId,
          startTime: 1_000 + Math.floor(random() * 50),
        });
        const metrics = [];
        const roll = random();
        // Some runs lack m1, some have it NaN; m2 has ties (quarters).
        if (roll > 0.1)
          metrics.push({ key: 'm1', value: roll > 0.18 ? random() : Number.NaN, timestamp: 1, step: 0 });
        if (random() > 0.2)
          metrics.push({ key: 'm2', value: Math.floor(random() * 4) / 4, timestamp: 1, step: 0 });
        const params =
          random() > 0.15 ? [{ key: 'p1', value: ['a', 'b', 'c'][Math.floor(random() * 3)]! }] : [];
        const tags = random() > 0.5 ? [{ key: 't', value: 'x' }] : [];
        await runs.logBatch(info.runId, { metrics, params, tags });
      }
    });
    afterEach(() => Object.assign(SEARCH_TUNING, saved));
    afterAll(async () => store?.close());

    async function everyPage(filter: string, orderBy: string[], pageSize: number): Promise<string[]> {
      const ids: string[] = [];
      let pageToken: string | undefined;
      for (let i = 0; i < 200; i++) {
        const page = await runs.search({
          experimentIds: [experimentId],
          filter,
          orderBy,
          maxResults: pageSize,
          ...(pageToken ? { pageToken } : {}),
        });
        ids.push(...page.runs.map((r) => r.info.runId));
        pageToken = page.nextPageToken;
        if (!pageToken) return ids;
      }
      throw new Error('the search never ended');
    }

    it('returns the same runs in the same order, page after page, either way', async () => {
      let nonEmpty = 0;
      for (const filter of FILTERS) {
        for (const orderBy of ORDERS) {
          for (const pageSize of [11, 1000]) {
            SEARCH_TUNING.selectiveMax = -1;
            const walked = await everyPage(filter, orderBy, pageSize);
            SEARCH_TUNING.selectiveMax = 1_000_000;
            const driven = await everyPage(filter, orderBy, pageSize);
            expect(driven, `${filter} | ${orderBy.join(', ')} | ${pageSize}`).toEqual(walked);
            expect(new Set(driven).size).toBe(driven.length);
            if (walked.length) nonEmpty++;
          }
        }
      }
      expect(nonEmpty).toBeGreaterThan(60);
    });

    it('matches what filtering every run by hand gives', async () => {
      SEARCH_TUNING.selectiveMax = 1_000_000;
      const all = await runs.search({ experimentIds: [experimentId], maxResults: 1000 });
      const want = all.runs
        .filter((r) => {
          const m1 = r.data.metrics.find((m) => m.key === 'm1')?.value;
          const p1 = r.data.params.find((p) => p.key === 'p1')?.value;
          return typeof m1 === 'number' && !Number.isNaN(m1) && m1 >= 0.5 && p1 === 'a';
        })
        .map((r) => r.info.runId)
        .sort();
      const got = await everyPage('metrics.m1 >= 0.5 and params.p1 = "a"', [], 5);
      expect([...got].sort()).toEqual(want);
      expect(want.length).toBeGreaterThan(3);
    });
  });
}
