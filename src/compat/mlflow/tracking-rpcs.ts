import { invalid } from '../../core/errors.js';
import { optionalArray, optionalInt, optionalString, requireString } from '../../core/validate.js';
import { LIMITS } from '../../tracking/limits.js';
import { VIEW_TYPES, type ViewType } from '../../tracking/types.js';
import { done, type Rpc } from './rpc.js';
import * as wire from './wire.js';

const runId = (m: Record<string, unknown>) => m.run_id ?? m.run_uuid;

const viewType = (value: unknown, field: string): ViewType | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  const v = typeof value === 'number' ? VIEW_TYPES[value - 1] : value;
  if (typeof v === 'string' && (VIEW_TYPES as readonly string[]).includes(v)) return v as ViewType;
  throw invalid(
    `Invalid value ${JSON.stringify(value)} for parameter '${field}' supplied: expected one of ${VIEW_TYPES.join(', ')}.`,
  );
};

const list = (value: unknown): unknown => (typeof value === 'string' ? [value] : value);

export const trackingRpcs: Rpc[] = [
  {
    method: 'POST',
    path: '/experiments/create',
    handle: async (m, s) => ({
      experiment_id: await s.experiments.create({
        name: m.name,
        artifactLocation: m.artifact_location,
        tags: m.tags,
      }),
    }),
  },
  {
    method: 'GET',
    path: '/experiments/get',
    handle: async (m, s) => ({ experiment: wire.experiment(await s.experiments.get(m.experiment_id)) }),
  },
  {
    method: 'GET',
    path: '/experiments/get-by-name',
    handle: async (m, s) => ({
      experiment: wire.experiment(await s.experiments.getByName(m.experiment_name)),
    }),
  },
  {
    method: ['POST', 'GET'],
    path: '/experiments/search',
    handle: async (m, s) => {
      const page = await s.experiments.search({
        filter: optionalString(m.filter, 'filter'),
        maxResults: optionalInt(m.max_results, 'max_results'),
        orderBy: optionalArray(list(m.order_by), 'order_by').map((o, i) =>
          requireString(o, `order_by[${i}]`),
        ),
        pageToken: optionalString(m.page_token, 'page_token'),
        viewType: viewType(m.view_type, 'view_type'),
      });
      return {
        experiments: page.items.map(wire.experiment),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      };
    },
  },
  {
    // Removed in MLflow 2.0 but still called by the npm `mlflow` client: served as an unpaginated search.
    method: 'GET',
    path: '/experiments/list',
    handle: async (m, s) => {
      const page = await s.experiments.search({
        viewType: viewType(m.view_type, 'view_type'),
        maxResults: LIMITS.searchExperimentsMaxResults,
      });
      return { experiments: page.items.map(wire.experiment) };
    },
  },
  {
    method: 'POST',
    path: '/experiments/delete',
    handle: async (m, s) => done(s.experiments.delete(m.experiment_id)),
  },
  {
    method: 'POST',
    path: '/experiments/restore',
    handle: async (m, s) => done(s.experiments.restore(m.experiment_id)),
  },
  {
    method: 'POST',
    path: '/experiments/update',
    handle: async (m, s) => done(s.experiments.rename(m.experiment_id, m.new_name)),
  },
  {
    method: 'POST',
    path: '/experiments/set-experiment-tag',
    handle: async (m, s) => done(s.experiments.setTag(m.experiment_id, m.key, m.value)),
  },
  {
    method: 'POST',
    path: '/experiments/delete-experiment-tag',
    handle: async (m, s) => done(s.experiments.deleteTag(m.experiment_id, m.key)),
  },
  {
    method: 'POST',
    path: '/runs/create',
    handle: async (m, s) => ({
      run: wire.run(
        await s.runs.create({
          experimentId: m.experiment_id,
          userId: m.user_id,
          runName: m.run_name,
          startTime: m.start_time,
          tags: m.tags,
        }),
      ),
    }),
  },
  {
    method: 'POST',
    path: '/runs/update',
    handle: async (m, s) => ({
      run_info: wire.runInfo(
        await s.runs.update({ runId: runId(m), status: m.status, endTime: m.end_time, runName: m.run_name }),
      ),
    }),
  },
  { method: 'POST', path: '/runs/delete', handle: async (m, s) => done(s.runs.delete(runId(m))) },
  { method: 'POST', path: '/runs/restore', handle: async (m, s) => done(s.runs.restore(runId(m))) },
  {
    method: 'GET',
    path: '/runs/get',
    handle: async (m, s) => ({ run: wire.run(await s.runs.get(runId(m))) }),
  },
  {
    method: 'POST',
    path: '/runs/log-metric',
    handle: async (m, s) => done(s.runs.logMetric(runId(m), m)),
  },
  {
    method: 'POST',
    path: '/runs/log-parameter',
    handle: async (m, s) => done(s.runs.logParam(runId(m), m.key, m.value)),
  },
  {
    method: 'POST',
    path: '/runs/set-tag',
    handle: async (m, s) => done(s.runs.setTag(runId(m), m.key, m.value)),
  },
  {
    method: 'POST',
    path: '/runs/delete-tag',
    handle: async (m, s) => done(s.runs.deleteTag(runId(m), m.key)),
  },
  {
    method: 'POST',
    path: '/runs/log-batch',
    maxBytes: LIMITS.batchRequestBytes,
    handle: async (m, s) =>
      done(s.runs.logBatch(m.run_id, { metrics: m.metrics, params: m.params, tags: m.tags })),
  },
  {
    method: 'POST',
    path: '/runs/log-inputs',
    handle: async (m, s) => done(s.runs.logInputs(m.run_id, m.datasets, m.models)),
  },
  {
    method: 'POST',
    path: '/runs/outputs',
    handle: async (m, s) => done(s.runs.logOutputs(m.run_id, m.models)),
  },
  {
    // MLflow 2.x clients record the MLmodel of a logged model as a run tag.
    method: 'POST',
    path: '/runs/log-model',
    handle: async (m, s) => {
      const model = optionalString(m.model_json, 'model_json');
      if (!model) throw invalid(`Missing value for required parameter 'model_json'.`);
      const info = await s.runs.getActiveInfo(m.run_id);
      const run = await s.runs.get(info.runId);
      const prior = run.data.tags.find((t) => t.key === 'mlflow.log-model.history')?.value;
      const history = [...(prior ? (JSON.parse(prior) as unknown[]) : []), JSON.parse(model) as unknown];
      await s.runs.setTag(info.runId, 'mlflow.log-model.history', JSON.stringify(history));
      return {};
    },
  },
  {
    method: ['POST', 'GET'],
    path: '/runs/search',
    handle: async (m, s) => {
      const result = await s.runs.search({
        experimentIds: list(m.experiment_ids),
        filter: m.filter,
        viewType: viewType(m.run_view_type, 'run_view_type'),
        maxResults: m.max_results,
        orderBy: list(m.order_by),
        pageToken: m.page_token,
      });
      return {
        runs: result.runs.map(wire.run),
        ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}),
      };
    },
  },
  {
    method: 'GET',
    path: '/metrics/get-history',
    handle: async (m, s) => {
      const result = await s.metrics.history({
        runId: runId(m),
        key: m.metric_key,
        maxResults: m.max_results,
        pageToken: m.page_token,
      });
      return {
        metrics: result.metrics.map(wire.metric),
        ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}),
      };
    },
  },
  {
    method: 'GET',
    path: '/metrics/get-history-bulk-interval',
    handle: async (m, s) => {
      const points = await s.metrics.bulkInterval({
        runIds: list(m.run_ids),
        key: m.metric_key,
        startStep: m.start_step,
        endStep: m.end_step,
        maxResults: m.max_results,
      });
      return { metrics: points.map((p) => ({ ...wire.metric(p), run_id: p.runId })) };
    },
  },
];
