import { done, type Rpc } from './rpc.js';
import * as wire from './wire.js';

/** MLflow 3 LoggedModel RPCs, which `mlflow.<flavor>.log_model` calls. */
export const loggedModelRpcs: Rpc[] = [
  {
    method: 'POST',
    path: '/logged-models',
    handle: async (m, s) => ({
      model: wire.loggedModel(
        await s.loggedModels.create({
          experimentId: m.experiment_id,
          name: m.name,
          modelType: m.model_type,
          sourceRunId: m.source_run_id,
          params: m.params,
          tags: m.tags,
        }),
      ),
    }),
  },
  {
    method: 'POST',
    path: '/logged-models/search',
    handle: async (m, s) => {
      const page = await s.loggedModels.search({
        experimentIds: typeof m.experiment_ids === 'string' ? [m.experiment_ids] : m.experiment_ids,
        filter: m.filter,
        maxResults: m.max_results,
        pageToken: m.page_token,
      });
      return {
        models: page.items.map(wire.loggedModel),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      };
    },
  },
  {
    method: 'GET',
    path: '/logged-models/:model_id',
    handle: async (_m, s, c) => ({
      model: wire.loggedModel(await s.loggedModels.get(c.req.param('model_id'))),
    }),
  },
  {
    method: 'PATCH',
    path: '/logged-models/:model_id',
    handle: async (m, s, c) => ({
      model: wire.loggedModel(await s.loggedModels.finalize(c.req.param('model_id'), m.status)),
    }),
  },
  {
    method: 'DELETE',
    path: '/logged-models/:model_id',
    handle: async (_m, s, c) => done(s.loggedModels.delete(c.req.param('model_id'))),
  },
  {
    method: 'PATCH',
    path: '/logged-models/:model_id/tags',
    handle: async (m, s, c) => done(s.loggedModels.setTags(c.req.param('model_id'), m.tags)),
  },
  {
    method: 'DELETE',
    path: '/logged-models/:model_id/tags/:tag_key',
    handle: async (_m, s, c) =>
      done(s.loggedModels.deleteTag(c.req.param('model_id'), c.req.param('tag_key'))),
  },
  {
    method: 'POST',
    path: '/logged-models/:model_id/params',
    handle: async (m, s, c) => done(s.loggedModels.logParams(c.req.param('model_id'), m.params)),
  },
];
