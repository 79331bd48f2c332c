import { type Context, Hono } from 'hono';
import { invalid } from '../core/errors.js';
import {
  oneOf,
  optionalArray,
  optionalInt,
  optionalString,
  requireObject,
  requireString,
} from '../core/validate.js';
import { readFields } from '../server/json-body.js';
import type { TrackingServices } from '../server/tracking-services.js';
import { metricJson, pageJson, runJson } from './json.js';
import { LIMITS } from './limits.js';
import { listRunArtifacts } from './run-artifacts.js';
import { VIEW_TYPES } from './types.js';
import { validateExperimentId, validateKey, validateRunId } from './validation.js';

/**
 * The native API (`/api/v1`): resources in the domain's camelCase shapes. Like `compat/mlflow`, it only translates
 * HTTP to service calls; top-level fields are checked here under their native names so that errors name the
 * field the caller sent, and the services check everything else.
 */
export function trackingRoutes(services: () => TrackingServices): Hono {
  const api = new Hono();

  api.get('/experiments', async (c) => {
    const page = await services().experiments.search({
      viewType: viewType(c.req.query('viewType')),
      filter: c.req.query('filter'),
      orderBy: c.req.queries('orderBy'),
      maxResults: optionalInt(c.req.query('maxResults'), 'maxResults', {
        min: 1,
        max: LIMITS.searchExperimentsMaxResults,
      }),
      pageToken: c.req.query('pageToken'),
    });
    return c.json(pageJson(page.items, page.nextPageToken));
  });
  api.post('/experiments', async (c) => {
    const b = await readFields(c, ['name', 'artifactLocation', 'tags']);
    const s = services();
    const id = await s.experiments.create({
      name: b.name,
      artifactLocation: optionalString(b.artifactLocation, 'artifactLocation'),
      tags: b.tags,
    });
    return c.json(await s.experiments.get(id), 201);
  });
  api.get('/experiments/by-name/:name', async (c) =>
    c.json(await services().experiments.getByName(c.req.param('name'))),
  );
  api.get('/experiments/:id', async (c) => c.json(await services().experiments.get(experimentId(c))));
  api.patch('/experiments/:id', async (c) => {
    const b = await readFields(c, ['name']);
    const id = experimentId(c);
    const name = requireString(b.name, 'name', { max: LIMITS.experimentNameLength });
    await services().experiments.rename(id, name);
    return c.json(await services().experiments.get(id));
  });
  api.delete('/experiments/:id', async (c) => {
    await services().experiments.delete(experimentId(c));
    return c.body(null, 204);
  });
  api.post('/experiments/:id/restore', async (c) => {
    const id = experimentId(c);
    await services().experiments.restore(id);
    return c.json(await services().experiments.get(id));
  });

  api.post('/runs', async (c) => {
    const b = await readFields(c, ['experimentId', 'runName', 'startTime', 'userId', 'tags', 'inputs']);
    const inputs =
      b.inputs === undefined || b.inputs === null
        ? undefined
        : nativeInputs(requireObject(b.inputs, 'inputs'), 'inputs.');
    const run = await services().runs.create({
      experimentId:
        b.experimentId === undefined
          ? undefined
          : String(validateExperimentId(b.experimentId, 'experimentId')),
      runName: optionalString(b.runName, 'runName', { max: LIMITS.runNameLength }),
      startTime: optionalInt(b.startTime, 'startTime', { min: 0 }),
      userId: optionalString(b.userId, 'userId', { max: 256 }),
      tags: b.tags,
      ...(inputs ? { inputs } : {}),
    });
    return c.json(runJson(run), 201);
  });
  api.post('/runs/search', async (c) => {
    const b = await readFields(c, [
      'experimentIds',
      'filter',
      'orderBy',
      'maxResults',
      'pageToken',
      'viewType',
    ]);
    const experimentIds = optionalArray(b.experimentIds, 'experimentIds').map((id, i) =>
      String(validateExperimentId(id, `experimentIds[${i}]`)),
    );
    if (experimentIds.length === 0)
      throw invalid(`Missing value for required parameter 'experimentIds': give at least one experiment id.`);
    const result = await services().runs.search({
      experimentIds,
      filter: optionalString(b.filter, 'filter'),
      orderBy: optionalArray(b.orderBy, 'orderBy').map((o, i) => requireString(o, `orderBy[${i}]`)),
      maxResults: optionalInt(b.maxResults, 'maxResults', { min: 1, max: LIMITS.searchRunsMaxResults }),
      pageToken: optionalString(b.pageToken, 'pageToken'),
      viewType: viewType(b.viewType),
    });
    return c.json(pageJson(result.runs.map(runJson), result.nextPageToken));
  });
  api.get('/runs/:id', async (c) => c.json(runJson(await services().runs.get(runId(c)))));
  api.patch('/runs/:id', async (c) => {
    const b = await readFields(c, ['status', 'endTime', 'runName', 'metrics', 'params', 'tags'], {
      maxBytes: LIMITS.batchRequestBytes,
    });
    const batch = b.metrics !== undefined || b.params !== undefined || b.tags !== undefined;
    const info = await services().runs.update({
      runId: runId(c),
      status: b.status,
      endTime: optionalInt(b.endTime, 'endTime', { min: 0 }),
      runName: optionalString(b.runName, 'runName', { max: LIMITS.runNameLength }),
      ...(batch ? { batch: { metrics: b.metrics, params: b.params, tags: b.tags } } : {}),
    });
    return c.json(info);
  });
  api.delete('/runs/:id', async (c) => {
    await services().runs.delete(runId(c));
    return c.body(null, 204);
  });
  api.post('/runs/:id/restore', async (c) => {
    const id = runId(c);
    await services().runs.restore(id);
    return c.json(await services().runs.getInfo(id));
  });
  api.post('/runs/:id/batch', async (c) => {
    const b = await readFields(c, ['metrics', 'params', 'tags'], { maxBytes: LIMITS.batchRequestBytes });
    await services().runs.logBatch(runId(c), { metrics: b.metrics, params: b.params, tags: b.tags });
    return c.body(null, 204);
  });
  api.post('/runs/:id/inputs', async (c) => {
    const b = await readFields(c, ['datasets', 'models']);
    const { datasets, models } = nativeInputs(b, '');
    await services().runs.logInputs(runId(c), datasets, models);
    return c.body(null, 204);
  });
  // `{key{.+}}`: metric keys may contain '/', sent encoded (%2F) or not.
  api.get('/runs/:id/metrics/:key{.+}', async (c) => {
    const result = await services().metrics.history({
      runId: runId(c),
      key: validateKey(c.req.param('key'), 'key'),
      maxResults: optionalInt(c.req.query('maxResults'), 'maxResults', {
        min: 1,
        max: LIMITS.metricHistoryMaxResults,
      }),
      pageToken: c.req.query('pageToken'),
    });
    return c.json(pageJson(result.metrics.map(metricJson), result.nextPageToken));
  });
  api.get('/runs/:id/artifacts', async (c) => {
    const s = services();
    return c.json(await listRunArtifacts(s.runs, s.artifacts, runId(c), c.req.query('path')));
  });
  return api;
}

/** Native inputs (`sourceType`, `modelId`) in the field names the service reads; it validates everything else. */
function nativeInputs(b: Record<string, unknown>, prefix: string) {
  const datasets = optionalArray(b.datasets, `${prefix}datasets`).map((raw) => {
    const entry = raw as { tags?: unknown; dataset?: Record<string, unknown> } | null;
    const d = entry?.dataset;
    return d && typeof d === 'object' ? { ...entry, dataset: { ...d, source_type: d.sourceType } } : raw;
  });
  const models = optionalArray(b.models, `${prefix}models`).map((raw) => {
    const m = raw as { modelId?: unknown } | null;
    return m && typeof m === 'object' ? { model_id: m.modelId } : raw;
  });
  return { datasets, models };
}

const runId = (c: Context): string => validateRunId(c.req.param('id'), 'runId');
const experimentId = (c: Context): string => String(validateExperimentId(c.req.param('id'), 'experimentId'));

function viewType(value: unknown) {
  return value === undefined || value === '' ? undefined : oneOf(value, 'viewType', VIEW_TYPES);
}
