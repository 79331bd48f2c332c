import { randomBytes } from 'node:crypto';
import { encodeChunks } from '../../src/store/metric-chunks.js';
import type { Store } from '../../src/store/open-store.js';
import type { MetricTable } from '../../src/store/schema.js';

/**
 * Inserts `count` finished runs straight into the store, in one transaction: far faster than 100,000 HTTP
 * round trips, for tests that need volume (the UI's virtualized table) rather than the ingest path. Each run
 * has params `lr`, `depth`, `optimizer`, metrics `loss` and `accuracy` (one point each, mirrored in
 * latest_metrics) and the `mlflow.runName` / `mlflow.user` tags the API would have set.
 */
export async function insertRuns(
  store: Store,
  experimentId: number,
  count: number,
  opts: { artifactLocation: string; startTime?: number },
): Promise<string[]> {
  const ids: string[] = [];
  const start = opts.startTime ?? Date.UTC(2024, 0, 1);
  const CHUNK = 500;
  await store.db.transaction().execute(async (tx) => {
    for (let from = 0; from < count; from += CHUNK) {
      const runs = [];
      const params = [];
      const tags = [];
      const metrics: MetricTable[] = [];
      for (let i = from; i < Math.min(count, from + CHUNK); i++) {
        const runId = randomBytes(16).toString('hex');
        ids.push(runId);
        const name = `bulk-${String(i).padStart(6, '0')}`;
        const t = start + i * 1000;
        runs.push({
          run_id: runId,
          experiment_id: experimentId,
          name,
          user_id: 'bulk',
          status: 'FINISHED',
          start_time: t,
          end_time: t + 500 + (i % 97) * 10,
          lifecycle_stage: 'active',
          artifact_uri: `${opts.artifactLocation}/${runId}/artifacts`,
          deleted_time: null,
        });
        params.push(
          { run_id: runId, key: 'lr', value: String([0.1, 0.01, 0.001][i % 3]) },
          { run_id: runId, key: 'depth', value: String(2 + (i % 9)) },
          { run_id: runId, key: 'optimizer', value: i % 2 ? 'adam' : 'sgd' },
        );
        tags.push(
          { run_id: runId, key: 'mlflow.runName', value: name },
          { run_id: runId, key: 'mlflow.user', value: 'bulk' },
        );
        const loss = ((i * 7919) % 10007) / 10007;
        metrics.push(
          { run_id: runId, key: 'loss', value: loss, timestamp: t, step: 0, is_nan: 0 },
          { run_id: runId, key: 'accuracy', value: 1 - loss / 2, timestamp: t, step: 0, is_nan: 0 },
        );
      }
      await tx.insertInto('runs').values(runs).execute();
      await tx.insertInto('params').values(params).execute();
      await tx.insertInto('tags').values(tags).execute();
      const series = await tx
        .insertInto('metric_series')
        .values(metrics.map((m) => ({ run_id: m.run_id, key: m.key })))
        .returning(['series_id', 'run_id', 'key'])
        .execute();
      const seriesId = new Map(series.map((s) => [`${s.run_id}/${s.key}`, s.series_id]));
      const chunks = encodeChunks(metrics, (m) => seriesId.get(`${m.run_id}/${m.key}`)!);
      for (let i = 0; i < chunks.length; i += 500) {
        await tx
          .insertInto('metric_chunks')
          .values(chunks.slice(i, i + 500))
          .execute();
      }
      await tx.insertInto('latest_metrics').values(metrics).execute();
    }
  });
  return ids;
}
