import type { Context } from 'hono';
import type { ResourceType } from '../auth/types.js';
import { MLFLOW_PAGE, NATIVE_PAGE, type PageFields } from './search-refill.js';
import type { TrackingServices } from './tracking-services.js';

/**
 * What each route needs (MLflow auth app's validator map, default-deny): a route that is not in this table is
 * refused when authentication is on, and a test walks every registered route to prove each one is here.
 *
 * - public: anyone, no credentials (health, version, static UI assets)
 * - authenticated: any signed-in user (own tokens, own session)
 * - create: editor or admin; the creator is granted MANAGE on what it created
 * - read / update / delete / manage: READ / EDIT / MANAGE / MANAGE on the located resource
 * - admin: admins only (users, others' tokens, permissions of anything, audit log)
 */
export type Action =
  | 'public'
  | 'authenticated'
  | 'create'
  | 'read'
  | 'update'
  | 'delete'
  | 'manage'
  | 'admin';

export interface RequestView {
  c: Context;
  /** Rules locate resources through the tracking services, which every app (`createApp`, `createTrackingApp`) has. */
  services: TrackingServices;
  /** The request message: query parameters for GET, else the JSON body (parsed leniently; {} if unreadable). */
  message(): Promise<Record<string, unknown>>;
  /**
   * A path parameter of the route that will answer. Not `c.req.param`: this runs in middleware, where Hono only
   * knows the middleware's own (parameterless) pattern, so every id would read as undefined.
   */
  param(name: string): string | undefined;
}

/**
 * The path parameters of `path` under a Hono route pattern (`:name`, `:name{regex}`, `*`); {} when it does not
 * match. Values are percent-decoded as Hono decodes them for handlers.
 */
export function routeParams(pattern: string, path: string): Record<string, string> {
  const source = pattern.replace(
    /:(\w+)(\{((?:[^{}]|\{[^{}]*\})*)\})?|\*|[.+?^${}()|[\]\\]/g,
    (token, name: string | undefined, _braces, re: string | undefined) => {
      if (name) return `(?<${name}>${re ?? '[^/]+'})`;
      return token === '*' ? '.*' : `\\${token}`;
    },
  );
  const groups = new RegExp(`^${source}/?$`).exec(path)?.groups ?? {};
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(groups)) {
    if (raw === undefined) continue;
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

/** Response bodies and their items, read by shape rather than by type. */
// biome-ignore lint/suspicious/noExplicitAny: untyped JSON, see above
type Json = any;

export interface Rule {
  action: Action;
  resource?: { type: ResourceType; locate: (r: RequestView) => Promise<string | undefined> };
  /** For `create`: the id of what was created, read from the JSON response. */
  created?: { type: ResourceType; id: (body: Json) => string | undefined };
  /**
   * For searches: items the caller may not READ are removed from the JSON response, and a page left short is
   * refilled from the pages after it (`page` says where the size and tokens go; none for an unpaged list), as
   * MLflow's auth app does.
   */
  filter?: {
    list: (body: Json) => Json[] | undefined;
    set: (body: Json, items: Json[]) => void;
    type: ResourceType;
    id: (item: Json) => string;
    page?: PageFields;
  };
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined;

const field = (name: string) => async (r: RequestView) => str((await r.message())[name]);
const param = (name: string) => async (r: RequestView) => r.param(name) || undefined;

/** The experiment a run belongs to; undefined when the run does not exist (the handler then answers 404). */
const runExperiment = (find: (r: RequestView) => Promise<string | undefined>) => async (r: RequestView) => {
  const id = await find(r);
  return id
    ? r.services.runs.getInfo(id).then(
        (i) => i.experimentId,
        () => undefined,
      )
    : undefined;
};
const runField = runExperiment(async (r) => {
  const m = await r.message();
  return str(m.run_id) ?? str(m.run_uuid) ?? str(m.source_run_id);
});
const runParam = runExperiment(param('id'));
const experimentByName = async (r: RequestView) => {
  const name = str((await r.message()).experiment_name) ?? r.param('name');
  return name
    ? r.services.experiments.getByName(name).then(
        (e: Json) => e.experimentId,
        () => undefined,
      )
    : undefined;
};
const loggedModelExperiment = async (r: RequestView) => {
  const id = r.param('model_id');
  return id
    ? r.services.loggedModels.get(id).then(
        (m: Json) => m.experimentId,
        () => undefined,
      )
    : undefined;
};
/** Proxied artifact paths start with the experiment id: `<experiment>/<run>/artifacts/…`, `<experiment>/models/…`. */
const artifactExperiment = async (r: RequestView) => {
  const path =
    new URL(r.c.req.url).pathname.replace(/^\/api\/2\.0\/mlflow-artifacts\/artifacts\/?/, '') ||
    (r.c.req.query('path') ?? '');
  return /^(\d+)(\/|$)/.exec(decodeURIComponent(path))?.[1];
};

type Locate = (r: RequestView) => Promise<string | undefined>;

const exp = (action: Action, locate: Locate): Rule => ({
  action,
  resource: { type: 'experiment', locate },
});
const model = (action: Action, locate: Locate = field('name')): Rule => ({
  action,
  resource: { type: 'registered_model', locate },
});
/** A search or list answering `{ [key]: items }`: items the caller may not READ are removed, short pages refilled. */
export const filtered = (
  key: string,
  type: ResourceType,
  id: (item: Json) => string,
  page: PageFields = MLFLOW_PAGE,
): Rule => ({
  action: 'read',
  filter: { list: (b: Json) => b?.[key], set: (b, items) => (b[key] = items), type, id, page },
});

const MLFLOW: Record<string, Rule> = {
  'POST /experiments/create': {
    action: 'create',
    created: { type: 'experiment', id: (b: Json) => str(b?.experiment_id) },
  },
  'GET /experiments/get': exp('read', field('experiment_id')),
  'GET /experiments/get-by-name': exp('read', experimentByName),
  'POST /experiments/search': filtered('experiments', 'experiment', (e: Json) => e.experiment_id),
  'GET /experiments/search': filtered('experiments', 'experiment', (e: Json) => e.experiment_id),
  'GET /experiments/list': filtered('experiments', 'experiment', (e: Json) => e.experiment_id),
  'POST /experiments/delete': exp('delete', field('experiment_id')),
  'POST /experiments/restore': exp('delete', field('experiment_id')),
  'POST /experiments/update': exp('update', field('experiment_id')),
  'POST /experiments/set-experiment-tag': exp('update', field('experiment_id')),
  'POST /experiments/delete-experiment-tag': exp('update', field('experiment_id')),
  'POST /runs/create': exp('update', async (r) => str((await r.message()).experiment_id) ?? '0'),
  'POST /runs/update': exp('update', runField),
  'POST /runs/delete': exp('delete', runField),
  'POST /runs/restore': exp('delete', runField),
  'GET /runs/get': exp('read', runField),
  'POST /runs/log-metric': exp('update', runField),
  'POST /runs/log-parameter': exp('update', runField),
  'POST /runs/set-tag': exp('update', runField),
  'POST /runs/delete-tag': exp('update', runField),
  'POST /runs/log-batch': exp('update', runField),
  'POST /runs/log-inputs': exp('update', runField),
  'POST /runs/outputs': exp('update', runField),
  'POST /runs/log-model': exp('update', runField),
  'POST /runs/search': filtered('runs', 'experiment', (run: Json) => run.info.experiment_id),
  'GET /runs/search': filtered('runs', 'experiment', (run: Json) => run.info.experiment_id),
  'GET /metrics/get-history': exp('read', runField),
  'GET /metrics/get-history-bulk-interval': exp(
    'read',
    runExperiment(async (r) => {
      const ids = (await r.message()).run_ids;
      return str(Array.isArray(ids) ? ids[0] : ids);
    }),
  ),
  'GET /artifacts/list': exp('read', runField),
  'POST /logged-models': exp('update', field('experiment_id')),
  'POST /logged-models/search': filtered('models', 'experiment', (m: Json) => m.info.experiment_id),
  'GET /logged-models/:model_id': exp('read', loggedModelExperiment),
  'PATCH /logged-models/:model_id': exp('update', loggedModelExperiment),
  'DELETE /logged-models/:model_id': exp('delete', loggedModelExperiment),
  'PATCH /logged-models/:model_id/tags': exp('update', loggedModelExperiment),
  'DELETE /logged-models/:model_id/tags/:tag_key': exp('update', loggedModelExperiment),
  'POST /logged-models/:model_id/params': exp('update', loggedModelExperiment),
  'POST /registered-models/create': {
    action: 'create',
    created: { type: 'registered_model', id: (b: Json) => str(b?.registered_model?.name) },
  },
  'GET /registered-models/get': model('read'),
  'POST /registered-models/rename': model('manage'),
  'PATCH /registered-models/update': model('update'),
  'DELETE /registered-models/delete': model('delete'),
  'GET /registered-models/search': filtered('registered_models', 'registered_model', (m: Json) => m.name),
  'POST /registered-models/search': filtered('registered_models', 'registered_model', (m: Json) => m.name),
  'POST /registered-models/get-latest-versions': model('read'),
  'GET /registered-models/get-latest-versions': model('read'),
  'POST /registered-models/set-tag': model('update'),
  'DELETE /registered-models/delete-tag': model('update'),
  'POST /registered-models/alias': model('update'),
  'DELETE /registered-models/alias': model('delete'),
  'GET /registered-models/alias': model('read'),
  'POST /model-versions/create': model('update'),
  'GET /model-versions/get': model('read'),
  'PATCH /model-versions/update': model('update'),
  'DELETE /model-versions/delete': model('delete'),
  'POST /model-versions/transition-stage': model('update'),
  'GET /model-versions/search': filtered('model_versions', 'registered_model', (v: Json) => v.name),
  'POST /model-versions/search': filtered('model_versions', 'registered_model', (v: Json) => v.name),
  'GET /model-versions/get-download-uri': model('read'),
  'POST /model-versions/set-tag': model('update'),
  'DELETE /model-versions/delete-tag': model('update'),
};

const NATIVE: Record<string, Rule> = {
  'GET /openapi.json': { action: 'public' },
  'GET /experiments': filtered('items', 'experiment', (e: Json) => e.experimentId, NATIVE_PAGE),
  'POST /experiments': {
    action: 'create',
    created: { type: 'experiment', id: (b: Json) => str(b?.experimentId) },
  },
  'GET /experiments/by-name/:name': exp('read', experimentByName),
  'GET /experiments/:id': exp('read', param('id')),
  'PATCH /experiments/:id': exp('update', param('id')),
  'DELETE /experiments/:id': exp('delete', param('id')),
  'POST /experiments/:id/restore': exp('delete', param('id')),
  'POST /runs': exp('update', async (r) => str((await r.message()).experimentId) ?? '0'),
  'POST /runs/search': filtered('items', 'experiment', (run: Json) => run.info.experimentId, NATIVE_PAGE),
  'GET /runs/:id': exp('read', runParam),
  'PATCH /runs/:id': exp('update', runParam),
  'DELETE /runs/:id': exp('delete', runParam),
  'POST /runs/:id/restore': exp('delete', runParam),
  'POST /runs/:id/batch': exp('update', runParam),
  'POST /runs/:id/inputs': exp('update', runParam),
  'GET /runs/:id/metrics/:key{.+}': exp('read', runParam),
  'GET /runs/:id/artifacts': exp('read', runParam),
  'GET /registered-models': filtered('items', 'registered_model', (m: Json) => m.name, NATIVE_PAGE),
  'POST /registered-models': {
    action: 'create',
    created: { type: 'registered_model', id: (b: Json) => str(b?.name) },
  },
  'GET /registered-models/:name': model('read', param('name')),
  'PATCH /registered-models/:name': model('manage', param('name')),
  'DELETE /registered-models/:name': model('delete', param('name')),
  'GET /registered-models/:name/versions': model('read', param('name')),
  'POST /registered-models/:name/versions': model('update', param('name')),
  'GET /registered-models/:name/versions/:ref': model('read', param('name')),
  'GET /registered-models/:name/aliases/history': model('read', param('name')),
  'PUT /registered-models/:name/aliases/:alias': model('update', param('name')),
  'DELETE /registered-models/:name/aliases/:alias': model('delete', param('name')),
  'GET /lineage/model-versions/:name/:ref': model('read', param('name')),
  'GET /users': { action: 'admin' },
  'POST /users': { action: 'admin' },
  'DELETE /users/:name': { action: 'admin' },
  'PATCH /users/:name': { action: 'admin' },
  'GET /tokens': { action: 'authenticated' },
  'POST /tokens': { action: 'authenticated' },
  'DELETE /tokens/:id': { action: 'authenticated' },
  'GET /permissions': { action: 'admin' },
  'PUT /permissions': { action: 'admin' },
  'DELETE /permissions': { action: 'admin' },
  'GET /audit': { action: 'admin' },
  'GET /datasets': { action: 'read' },
  'GET /datasets/:name/versions': { action: 'read' },
  'POST /datasets/:name/versions': { action: 'update' },
  'GET /datasets/:name/versions/:ref': { action: 'read' },
  'GET /datasets/:name/versions/:ref/validation': { action: 'read' },
  'POST /dataset-content/missing': { action: 'read' },
  'PUT /dataset-content/:hash': { action: 'update' },
  'GET /dataset-content/:hash': { action: 'read' },
  'GET /deployments': { action: 'read' },
  'POST /deployments': { action: 'create' },
  'GET /deployments/:name': { action: 'read' },
  'DELETE /deployments/:name': { action: 'delete' },
  'PUT /deployments/:name/routes': { action: 'update' },
  'POST /deployments/:name/rollback': { action: 'update' },
  'GET /deployments/:name/events': { action: 'read' },
  'GET /deployments/:name/monitoring': { action: 'read' },
  'PATCH /deployments/:name/monitoring': { action: 'update' },
  'DELETE /deployments/:name/monitoring': { action: 'update' },
  'GET /deployments/:name/monitoring/windows': { action: 'read' },
  'GET /deployments/:name/monitoring/report': { action: 'read' },
  // Ground truth is a write: editors (and the services that label on their behalf) send it.
  'POST /feedback': { action: 'update' },
  'GET /alerts': { action: 'read' },
  'GET /whoami': { action: 'authenticated' },
  'POST /session': { action: 'public' },
  'DELETE /session': { action: 'authenticated' },
};

const OTHER: Record<string, Rule> = {
  'GET /health': { action: 'public' },
  'GET /version': { action: 'public' },
  // Serving: probes are public (orchestrators call them without credentials); predicting needs a signed-in user.
  'GET /v2': { action: 'public' },
  'GET /v2/health/live': { action: 'public' },
  'GET /v2/health/ready': { action: 'public' },
  'GET /v2/models/:name': { action: 'read' },
  'GET /v2/models/:name/ready': { action: 'read' },
  'POST /v2/models/:name/infer': { action: 'read' },
  'GET /v2/models/:name/versions/:version': { action: 'read' },
  'GET /v2/models/:name/versions/:version/ready': { action: 'read' },
  'POST /v2/models/:name/versions/:version/infer': { action: 'read' },
  'GET /metrics': { action: 'authenticated' },
  'GET /api/2.0/mlflow-artifacts/artifacts': exp('read', artifactExperiment),
  'GET /api/2.0/mlflow-artifacts/artifacts/*': exp('read', artifactExperiment),
  'PUT /api/2.0/mlflow-artifacts/artifacts/*': exp('update', artifactExperiment),
  'DELETE /api/2.0/mlflow-artifacts/artifacts/*': exp('delete', artifactExperiment),
};

const MLFLOW_PREFIX = /^\/(?:ajax-)?api\/2\.0\/mlflow(?=\/)/;

/** The rule of a matched route (`METHOD /hono/path`), or undefined: deny. */
export function ruleFor(method: string, routePath: string): Rule | undefined {
  if (MLFLOW_PREFIX.test(routePath)) return MLFLOW[`${method} ${routePath.replace(MLFLOW_PREFIX, '')}`];
  if (routePath.startsWith('/api/v1/')) return NATIVE[`${method} ${routePath.slice('/api/v1'.length)}`];
  return OTHER[`${method} ${routePath}`];
}

/** Lets other modules (serving, data, UI) register the rules of their routes beside the routes themselves. */
export function addRules(prefix: '' | '/api/v1', rules: Record<string, Rule>): void {
  const table = prefix === '/api/v1' ? NATIVE : OTHER;
  for (const [key, rule] of Object.entries(rules)) table[key] = rule;
}
