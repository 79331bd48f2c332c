import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/open-store.js';
import { ExperimentService } from '../../src/tracking/experiment-service.js';
import { MetricHistoryService } from '../../src/tracking/metric-history.js';
import { RunService } from '../../src/tracking/run-service.js';
import { STORE_BACKENDS } from '../support/stores.js';

for (const backend of STORE_BACKENDS) {
  describe(`tracking services on ${backend.name}`, () => {
    let store: Store;
    let experiments: ExperimentService;
    let runs: RunService;
    let history: MetricHistoryService;

    beforeAll(async () => {
      store = await backend.open();
      experiments = new ExperimentService(store);
      runs = new RunService(store, experiments);
      history = new MetricHistoryService(store, runs);
      await experiments.ensureDefault();
      await experiments.ensureDefault();
    });
    afterAll(async () => store?.close());

    it('has the Default experiment "0"', async () => {
      const e = await experiments.get('0');
      expect(e).toMatchObject({
        experimentId: '0',
        name: 'Default',
        lifecycleStage: 'active',
        artifactLocation: 'mlflow-artifacts:/0',
      });
    });

    it('creates, renames, tags, deletes and restores experiments', async () => {
      const id = await experiments.create({ name: 'exp-a', tags: [{ key: 'team', value: 'x' }] });
      expect(id).not.toBe('0');
      await expect(experiments.create({ name: 'exp-a' })).rejects.toMatchObject({
        code: 'RESOURCE_ALREADY_EXISTS',
      });
      await experiments.rename(id, 'exp-a2');
      await experiments.setTag(id, 'stage', 'dev');
      const e = await experiments.getByName('exp-a2');
      expect(e.tags).toEqual([
        { key: 'stage', value: 'dev' },
        { key: 'team', value: 'x' },
      ]);
      expect(e.artifactLocation).toBe(`mlflow-artifacts:/${id}`);
      await experiments.delete(id);
      expect((await experiments.get(id)).lifecycleStage).toBe('deleted');
      await expect(runs.create({ experimentId: id })).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
      });
      await experiments.restore(id);
      await expect(experiments.getByName('nope')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      await expect(experiments.delete('0')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    });

    it('refuses artifact locations outside the proxy', async () => {
      for (const location of [
        'file:///etc',
        's3://other/x',
        'mlflow-artifacts:/../x',
        'mlflow-artifacts:/a#b',
        'http:///#/../../etc',
      ]) {
        await expect(
          experiments.create({ name: `loc-${location}`, artifactLocation: location }),
        ).rejects.toMatchObject({
          code: 'INVALID_PARAMETER_VALUE',
        });
      }
      const id = await experiments.create({
        name: 'custom-loc',
        artifactLocation: 'mlflow-artifacts:/team-a/churn',
      });
      expect((await experiments.get(id)).artifactLocation).toBe('mlflow-artifacts:/team-a/churn');
    });

    it('creates runs with names, user, tags and an artifact uri', async () => {
      const run = await runs.create({
        experimentId: '0',
        runName: 'first',
        tags: [{ key: 'mlflow.user', value: 'ada' }],
        startTime: 1000,
      });
      expect(run.info).toMatchObject({
        runName: 'first',
        userId: 'ada',
        status: 'RUNNING',
        lifecycleStage: 'active',
        startTime: 1000,
        experimentId: '0',
      });
      expect(run.info.runId).toMatch(/^[0-9a-f]{32}$/);
      expect(run.info.artifactUri).toBe(`mlflow-artifacts:/0/${run.info.runId}/artifacts`);
      expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'first' });
      const generated = await runs.create({});
      expect(generated.info.runName).toMatch(/^\w+-\w+-\d+$/);
      await expect(
        runs.create({ runName: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] }),
      ).rejects.toThrow(/different values/);
    });

    it('keeps params write-once and metrics append-only with MLflow NaN/Inf rules', async () => {
      const { info } = await runs.create({});
      await runs.logParam(info.runId, 'lr', '0.1');
      await runs.logParam(info.runId, 'lr', '0.1');
      await expect(runs.logParam(info.runId, 'lr', '0.2')).rejects.toThrow(
        /Changing param values is not allowed/,
      );
      await runs.logBatch(info.runId, {
        metrics: [
          { key: 'loss', value: 1.5, timestamp: 10, step: 0 },
          { key: 'loss', value: 1.5, timestamp: 10, step: 0 },
          { key: 'loss', value: 'NaN', timestamp: 11, step: 1 },
          { key: 'loss', value: 'Infinity', timestamp: 12, step: 2 },
          { key: 'loss', value: -1 / 0, timestamp: 13, step: 3 },
          { key: 'acc', value: 0.5, timestamp: 20, step: 5 },
          { key: 'acc', value: 0.9, timestamp: 10, step: 1 },
        ],
        params: [{ key: 'depth', value: '6' }],
        tags: [{ key: 't', value: 'v' }],
      });
      const h = await history.history({ runId: info.runId, key: 'loss' });
      expect(h.metrics.map((m) => m.step)).toEqual([0, 1, 2, 3]);
      expect(h.metrics[1]!.value).toBeNaN();
      expect(h.metrics[2]!.value).toBe(1.7976931348623157e308);
      expect(h.metrics[3]!.value).toBe(-1.7976931348623157e308);
      const run = await runs.get(info.runId);
      expect(run.data.metrics.find((m) => m.key === 'acc')).toMatchObject({ value: 0.5, step: 5 });
      expect(run.data.params).toEqual([
        { key: 'depth', value: '6' },
        { key: 'lr', value: '0.1' },
      ]);
      await expect(
        runs.logBatch(info.runId, { metrics: [{ key: 'x', value: 'abc', timestamp: 1 }] }),
      ).rejects.toThrow(/metrics\[0\]\.value/);
      await expect(
        runs.logBatch(info.runId, { metrics: [{ key: '../x', value: 1, timestamp: 1 }] }),
      ).rejects.toThrow(/normalized/);
      await expect(
        runs.logBatch(info.runId, {
          params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' })),
        }),
      ).rejects.toThrow(/limit of 100/);
      const paged = await history.history({ runId: info.runId, key: 'loss', maxResults: 3 });
      expect(paged.metrics).toHaveLength(3);
      const rest = await history.history({
        runId: info.runId,
        key: 'loss',
        maxResults: 3,
        pageToken: paged.nextPageToken,
      });
      expect(rest.metrics.map((m) => m.step)).toEqual([3]);
      expect(rest.nextPageToken).toBeUndefined();
    });

    it('updates, deletes and restores runs; deleted runs refuse writes', async () => {
      const { info } = await runs.create({});
      const updated = await runs.update({
        runId: info.runId,
        status: 'FINISHED',
        endTime: 5000,
        runName: 'renamed',
      });
      expect(updated).toMatchObject({ status: 'FINISHED', endTime: 5000, runName: 'renamed' });
      await expect(runs.update({ runId: info.runId, status: 'DONE' })).rejects.toThrow(
        /expected one of RUNNING/,
      );
      await runs.delete(info.runId);
      await expect(runs.logParam(info.runId, 'a', 'b')).rejects.toThrow(/must be in the 'active' state/);
      await runs.restore(info.runId);
      await runs.logParam(info.runId, 'a', 'b');
      await expect(runs.get('0123456789abcdef0123456789abcdef')).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      });
    });

    it('searches runs with filters, ordering by metrics (missing and NaN last) and page tokens', async () => {
      const exp = await experiments.create({ name: `search-${backend.name}` });
      const made: string[] = [];
      for (let i = 0; i < 12; i++) {
        const { info } = await runs.create({ experimentId: exp, startTime: 1000 + i, runName: `r${i}` });
        made.push(info.runId);
        const metrics = [{ key: 'm1', value: i / 10, timestamp: 1, step: 0 }];
        if (i % 4 !== 0)
          metrics.push({ key: 'm2', value: i % 3 === 0 ? Number.NaN : i, timestamp: 1, step: 0 });
        await runs.logBatch(info.runId, { metrics, params: [{ key: 'p1', value: i % 2 ? 'a' : 'b' }] });
      }
      const all = await runs.search({ experimentIds: [exp] });
      expect(all.runs.map((r) => r.info.runName)).toEqual(Array.from({ length: 12 }, (_, i) => `r${11 - i}`));

      const filtered = await runs.search({
        experimentIds: [exp],
        filter: "metrics.m1 > 0.5 and params.p1 = 'a'",
        orderBy: ['metrics.m2 DESC'],
      });
      // m1 > 0.5: r6..r11; p1 = 'a': odd → r7, r9, r11; m2: r7=7, r9=NaN, r11=11.
      expect(filtered.runs.map((r) => r.info.runName)).toEqual(['r11', 'r7', 'r9']);

      const ordered = await runs.search({ experimentIds: [exp], orderBy: ['metrics.m2 ASC'] });
      const names = ordered.runs.map((r) => r.info.runName);
      // Values ascending (1,2,5,7,10,11), then NaN (r3, r6, r9 by start_time desc), then missing (r8, r4, r0).
      expect(names).toEqual(['r1', 'r2', 'r5', 'r7', 'r10', 'r11', 'r9', 'r6', 'r3', 'r8', 'r4', 'r0']);

      const pages: string[] = [];
      let token: string | undefined;
      do {
        const page = await runs.search({
          experimentIds: [exp],
          orderBy: ['metrics.m2 ASC'],
          maxResults: 4,
          pageToken: token,
        });
        pages.push(...page.runs.map((r) => r.info.runName));
        token = page.nextPageToken;
      } while (token);
      expect(pages).toEqual(names);

      const byName = await runs.search({
        experimentIds: [exp],
        filter: "attributes.run_name LIKE 'r1%'",
        orderBy: ['run_name DESC'],
      });
      expect(byName.runs.map((r) => r.info.runName)).toEqual(['r11', 'r10', 'r1']);
      const ilike = await runs.search({ experimentIds: [exp], filter: "run_name ILIKE 'R1%'" });
      expect(ilike.runs).toHaveLength(3);
      const like = await runs.search({ experimentIds: [exp], filter: "run_name LIKE 'R1%'" });
      expect(like.runs).toHaveLength(0);
      const inList = await runs.search({
        experimentIds: [exp],
        filter: `run_id IN ('${made[0]}', '${made[1]}')`,
      });
      expect(inList.runs).toHaveLength(2);
      const byParamOrder = await runs.search({
        experimentIds: [exp],
        orderBy: ['params.p1 ASC', 'metrics.m1 DESC'],
        maxResults: 3,
      });
      expect(byParamOrder.runs.map((r) => r.info.runName)).toEqual(['r11', 'r9', 'r7']);
      await expect(runs.search({ experimentIds: [exp], filter: 'metrics.m1 >' })).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
      });
      await expect(runs.search({ experimentIds: [exp], maxResults: 50001 })).rejects.toThrow(/at most 50000/);
      await expect(runs.search({ experimentIds: [exp], pageToken: 'garbage' })).rejects.toThrow(
        /Invalid page token/,
      );
    });

    it('searches experiments by name and tag with ordering and pages', async () => {
      for (const n of ['zeta', 'alpha', 'beta'])
        await experiments.create({ name: `es-${n}`, tags: [{ key: 'kind', value: n }] });
      const page = await experiments.search({
        filter: "name LIKE 'es-%'",
        orderBy: ['name ASC'],
        maxResults: 2,
      });
      expect(page.items.map((e) => e.name)).toEqual(['es-alpha', 'es-beta']);
      const next = await experiments.search({
        filter: "name LIKE 'es-%'",
        orderBy: ['name ASC'],
        maxResults: 2,
        pageToken: page.nextPageToken,
      });
      expect(next.items.map((e) => e.name)).toEqual(['es-zeta']);
      const tagged = await experiments.search({ filter: "tags.kind = 'beta'" });
      expect(tagged.items.map((e) => e.name)).toEqual(['es-beta']);
    });

    it('logs dataset inputs and searches by dataset', async () => {
      const { info } = await runs.create({});
      const dataset = {
        name: 'flights',
        digest: 'abc123',
        source_type: 'local',
        source: '{"uri": "flights.parquet"}',
        schema: '{}',
      };
      await runs.logInputs(info.runId, [
        { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset },
      ]);
      await runs.logInputs(info.runId, [
        { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset },
      ]);
      const run = await runs.get(info.runId);
      expect(run.inputs.datasetInputs).toEqual([
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: {
            name: 'flights',
            digest: 'abc123',
            sourceType: 'local',
            source: '{"uri": "flights.parquet"}',
            schema: '{}',
          },
        },
      ]);
      const found = await runs.search({
        experimentIds: ['0'],
        filter: "dataset.context = 'training' and dataset.name = 'flights'",
      });
      expect(found.runs.map((r) => r.info.runId)).toEqual([info.runId]);
    });

    it('down-samples metric history for charts, keeping first and last steps', async () => {
      const { info } = await runs.create({});
      const metrics = Array.from({ length: 1000 }, (_, i) => ({
        key: 'curve',
        value: Math.sin(i),
        timestamp: i,
        step: i,
      }));
      await runs.logBatch(info.runId, { metrics });
      const points = await history.bulkInterval({ runIds: [info.runId], key: 'curve', maxResults: 10 });
      expect(points).toHaveLength(10);
      expect(points[0]!.step).toBe(0);
      expect(points[9]!.step).toBe(999);
      const window = await history.bulkInterval({
        runIds: [info.runId],
        key: 'curve',
        startStep: 100,
        endStep: 199,
        maxResults: 1000,
      });
      expect(window).toHaveLength(100);
    });

    it('down-samples a long irregular series by seeks over the step range: logged steps only, ends kept', async () => {
      const { info } = await runs.create({});
      // Dense steps 0..2999, then one every 1000 from 4000 to 101,000: 3,098 distinct steps.
      const steps = [
        ...Array.from({ length: 3000 }, (_, i) => i),
        ...Array.from({ length: 98 }, (_, i) => 4000 + i * 1000),
      ];
      for (let i = 0; i < steps.length; i += 1000) {
        await runs.logBatch(info.runId, {
          metrics: steps
            .slice(i, i + 1000)
            .map((step) => ({ key: 'irregular', value: step, timestamp: step, step })),
        });
      }
      const logged = new Set(steps);
      const points = await history.bulkInterval({ runIds: [info.runId], key: 'irregular', maxResults: 500 });
      expect(points.length).toBeLessThanOrEqual(500);
      expect(points[0]!.step).toBe(0);
      expect(points.at(-1)!.step).toBe(steps.at(-1));
      for (const p of points) expect(logged.has(p.step)).toBe(true);
      const sorted = points.map((p) => p.step);
      expect(sorted).toEqual([...new Set(sorted)].sort((a, b) => a - b));
      // A window with no more distinct steps than max_results returns every one of them.
      const window = await history.bulkInterval({
        runIds: [info.runId],
        key: 'irregular',
        startStep: 2900,
        endStep: 10_000,
        maxResults: 500,
      });
      expect(window.map((p) => p.step)).toEqual(steps.filter((s) => s >= 2900 && s <= 10_000));
    });
  });
}
