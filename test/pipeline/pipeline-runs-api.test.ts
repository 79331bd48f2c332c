import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE_RECORD_ARTIFACT } from '../../src/pipeline/run-record.js';
import { SdkTracker } from '../../src/pipeline/tracking.js';
import { MloopClient } from '../../src/sdk/client.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { STORE_BACKENDS } from '../support/stores.js';
import { project, reproIn, write } from './support.js';

const PIPELINE = (reportCmd: string) => `pipeline:
  stages:
    prepare:
      cmd: echo preparing rows && mkdir -p data && cp raw.txt data/clean.txt
      deps: [raw.txt]
      outs: [data/clean.txt]
    train:
      cmd: echo fitting && wc -c < data/clean.txt > model.txt && echo '{"acc":0.75}' > metrics.json
      deps: [data/clean.txt]
      outs: [model.txt]
      metrics: [metrics.json]
    lint:
      cmd: echo lint ok > lint.txt
      deps: [raw.txt]
      outs: [lint.txt]
    report:
      cmd: ${reportCmd}
      deps: [model.txt, lint.txt]
      outs: [report.txt]
`;

/**
 * The pipeline-runs API over what `mloop repro` really records: the tracker writes through the SDK into the
 * in-process app, the API reads it back (graph, statuses, cache use, durations, executions, logs).
 */
for (const backend of STORE_BACKENDS)
  describe(`GET /api/v1/pipeline-runs (${backend.name})`, () => {
    let t: TestApp;
    let client: MloopClient;
    beforeAll(async () => {
      t = await startTestApp(backend);
      client = new MloopClient({
        baseUrl: 'http://localhost',
        fetch: ((url: string, init?: RequestInit) => t.app.request(url, init)) as typeof fetch,
        git: false,
      });
    });
    afterAll(async () => t?.close());

    const repro = (dir: string, opts: Parameters<typeof reproIn>[1] = {}) =>
      reproIn(dir, { tracker: new SdkTracker(async () => client, dir), ...opts });

    it('lists pipeline runs with their stages counted and returns each run as a DAG with logs', async () => {
      const dir = project({
        'mloop.yaml': PIPELINE('cat model.txt lint.txt > report.txt'),
        'raw.txt': 'abc\n',
      });
      expect((await repro(dir)).ok).toBe(true);
      // The report stage now fails after two lines of output; the others are up to date.
      write(dir, {
        'mloop.yaml': PIPELINE('echo writing report && echo disk full >&2 && exit 3'),
      });
      expect((await repro(dir)).ok).toBe(false);

      const list = await t.call('GET', '/api/v1/pipeline-runs');
      expect(list.status).toBe(200);
      expect(list.body.items).toHaveLength(2);
      const [failed, first] = list.body.items;
      expect(failed).toMatchObject({ status: 'FAILED', counts: { 'up-to-date': 3, failed: 1 } });
      expect(first).toMatchObject({ status: 'FINISHED', counts: { ran: 4 } });
      expect(failed.startTime).toBeGreaterThanOrEqual(first.startTime);

      const detail = await t.call('GET', `/api/v1/pipeline-runs/${first.runId}`);
      expect(detail.status).toBe(200);
      expect(detail.body.recorded).toBe(true);
      const stages = Object.fromEntries(detail.body.stages.map((s: any) => [s.name, s]));
      expect(Object.keys(stages)).toEqual(['prepare', 'train', 'lint', 'report']);
      expect(stages.report.upstream).toEqual(['lint', 'train']);
      expect(stages.train.upstream).toEqual(['prepare']);
      expect(stages.prepare.upstream).toEqual([]);
      expect(stages.train).toMatchObject({ status: 'ran', attempts: 1, metrics: { acc: 0.75 } });
      // Only this execution's output: the log file of a stage is appended to by every run.
      expect(stages.train.log).toEqual([
        `$ echo fitting && wc -c < data/clean.txt > model.txt && echo '{"acc":0.75}' > metrics.json`,
        'fitting',
      ]);
      expect(stages.prepare.log).toEqual([
        '$ echo preparing rows && mkdir -p data && cp raw.txt data/clean.txt',
        'preparing rows',
      ]);
      expect(stages.train.attemptRuns).toHaveLength(1);
      expect(stages.train.attemptRuns[0]).toMatchObject({ status: 'FINISHED', how: 'ran', attempt: 1 });
      expect(stages.train.outs.map((o: any) => o.path)).toEqual(['model.txt', 'metrics.json']);
      expect(stages.train.durationMs).toBeGreaterThanOrEqual(0);

      const second = (await t.call('GET', `/api/v1/pipeline-runs/${failed.runId}`)).body;
      const by = Object.fromEntries(second.stages.map((s: any) => [s.name, s]));
      expect(by.prepare).toMatchObject({ status: 'up-to-date', attempts: 0, attemptRuns: [] });
      expect(by.prepare.log).toBeUndefined();
      // An up-to-date stage points at the run that made its outputs.
      expect(by.prepare.run).toBe(stages.prepare.run);
      expect(by.report).toMatchObject({ status: 'failed', attempts: 1 });
      expect(by.report.error).toContain('exit code 3');
      expect(by.report.log).toEqual([
        '$ echo writing report && echo disk full >&2 && exit 3',
        'writing report',
        'disk full',
      ]);
      expect(by.report.attemptRuns[0]).toMatchObject({ status: 'FAILED', how: 'failed' });

      // Filters: by state and by experiment.
      const onlyFailed = await t.call('GET', '/api/v1/pipeline-runs?status=FAILED');
      expect(onlyFailed.body.items.map((r: any) => r.runId)).toEqual([failed.runId]);
      const other = await t.call('GET', '/api/v1/pipeline-runs?experimentId=0');
      expect(other.body.items).toEqual([]);
      const one = await t.call('GET', '/api/v1/pipeline-runs?maxResults=1');
      expect(one.body.items.map((r: any) => r.runId)).toEqual([failed.runId]);
      // Paged: one at a time, the tokens walk every run once, newest first, as the whole list orders them.
      const all = (await t.call('GET', '/api/v1/pipeline-runs')).body;
      expect(all.nextPageToken).toBeUndefined();
      const paged: string[] = [];
      for (let token: string | undefined, i = 0; i < 10; i++) {
        const page = await t.call(
          'GET',
          `/api/v1/pipeline-runs?maxResults=1${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`,
        );
        paged.push(...page.body.items.map((r: any) => r.runId));
        token = page.body.nextPageToken;
        if (!token) break;
      }
      expect(paged).toEqual(all.items.map((r: any) => r.runId));
      expect(paged.length).toBeGreaterThan(1);
      expect((await t.call('GET', '/api/v1/pipeline-runs?pageToken=nonsense')).status).toBe(400);
    });

    it('rebuilds a run that left no record from its executions, edges from their upstream inputs', async () => {
      const dir = project({
        'mloop.yaml': PIPELINE('cat model.txt lint.txt > report.txt'),
        'raw.txt': 'xyz\n',
      });
      await repro(dir, { targets: ['train'] });
      const [latest] = (await t.call('GET', '/api/v1/pipeline-runs?maxResults=1')).body.items;
      const info = await t.services.runs.getInfo(latest.runId);
      await t.services.artifacts.delete(
        `${info.artifactUri.slice('mlflow-artifacts:/'.length)}/${PIPELINE_RECORD_ARTIFACT}`,
      );
      await t.services.runs.deleteTag(latest.runId, 'mloop.pipeline.summary');
      const detail = (await t.call('GET', `/api/v1/pipeline-runs/${latest.runId}`)).body;
      expect(detail.recorded).toBe(false);
      expect(detail.counts).toEqual({ ran: 2 });
      expect(detail.stages.map((s: any) => [s.name, s.status, s.upstream])).toEqual([
        ['prepare', 'ran', []],
        ['train', 'ran', ['prepare']],
      ]);
      const listed = (await t.call('GET', '/api/v1/pipeline-runs?maxResults=1')).body.items[0];
      expect(listed.counts).toEqual({ ran: 2 });
    });

    it('answers bad input with a 400 naming the field, and a run that is not a pipeline run with a 404', async () => {
      const status = await t.call('GET', '/api/v1/pipeline-runs?status=DONE');
      expect(status.status).toBe(400);
      expect(status.body.message).toContain('Invalid status');
      expect(status.body.message).toContain('FINISHED');
      const max = await t.call('GET', '/api/v1/pipeline-runs?maxResults=0');
      expect(max.status).toBe(400);
      expect(max.body.message).toContain('maxResults');
      const exp = await t.call('GET', '/api/v1/pipeline-runs?experimentId=abc');
      expect(exp.status).toBe(400);
      expect(exp.body.message).toContain('experimentId');
      const plain = await t.services.runs.create({});
      const notPipeline = await t.call('GET', `/api/v1/pipeline-runs/${plain.info.runId}`);
      expect(notPipeline.status).toBe(404);
      expect(notPipeline.body.message).toContain('is not a pipeline run');
      const missing = await t.call('GET', `/api/v1/pipeline-runs/${'f'.repeat(32)}`);
      expect(missing.status).toBe(404);
    });
  });
