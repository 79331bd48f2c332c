import { Hono } from 'hono';
import { optionalInt } from '../core/validate.js';
import { addRules, filtered, type RequestView, type Rule } from '../server/access-policy.js';
import { NATIVE_PAGE } from '../server/search-refill.js';
import type { Services } from '../server/services.js';
import { validateExperimentId, validateRunId } from '../tracking/validation.js';
import { parseStatus } from './pipeline-runs.js';

const runExperiment = async (r: RequestView) => {
  const id = r.param('id');
  return id
    ? r.services.runs.getInfo(id).then(
        (i) => i.experimentId,
        () => undefined,
      )
    : undefined;
};

/** Pipeline runs are tracking runs: reading one needs READ on its experiment; lists keep what the caller may read. */
export const PIPELINE_RULES: Record<string, Rule> = {
  'GET /pipeline-runs': filtered(
    'items',
    'experiment',
    (run: { experimentId: string }) => run.experimentId,
    NATIVE_PAGE,
  ),
  'GET /pipeline-runs/:id': { action: 'read', resource: { type: 'experiment', locate: runExperiment } },
};

/** The native read API over the runs `mloop repro` records (`/api/v1/pipeline-runs`). Translation only. */
export function pipelineRoutes(services: () => Services): Hono {
  addRules('/api/v1', PIPELINE_RULES);
  const api = new Hono();
  api.get('/pipeline-runs', async (c) => {
    const experimentId = c.req.query('experimentId');
    const status = parseStatus(c.req.query('status'));
    const limit = optionalInt(c.req.query('maxResults'), 'maxResults', { min: 1, max: 500 });
    const pageToken = c.req.query('pageToken');
    const page = await services().pipelineRuns.list({
      ...(experimentId !== undefined
        ? { experimentId: String(validateExperimentId(experimentId, 'experimentId')) }
        : {}),
      ...(status ? { status } : {}),
      ...(limit ? { limit } : {}),
      ...(pageToken ? { pageToken } : {}),
    });
    return c.json(page);
  });
  api.get('/pipeline-runs/:id', async (c) =>
    c.json(await services().pipelineRuns.get(validateRunId(c.req.param('id'), 'id'))),
  );
  return api;
}
