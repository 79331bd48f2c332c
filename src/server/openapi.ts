import { RUN_STATUSES, VIEW_TYPES } from '../tracking/types.js';
import { API_PREFIX } from './api-prefix.js';
import { SCHEMAS, type SchemaName, type SchemaObject } from './openapi-schemas.js';
import { VERSION } from './version.js';

/** The subset of OpenAPI 3.1 that mloop's document uses. */
export interface ParameterObject {
  name: string;
  in: 'path' | 'query';
  required?: boolean;
  description?: string;
  schema: SchemaObject;
  explode?: boolean;
}

interface MediaObject {
  content: {
    'application/json'?: { schema: SchemaObject };
    'application/octet-stream'?: { schema: SchemaObject };
  };
}

export interface OperationObject {
  operationId: string;
  summary: string;
  tags: string[];
  parameters?: ParameterObject[];
  requestBody?: MediaObject & { required: true };
  responses: Record<string, { description: string } & Partial<MediaObject>>;
}

export type HttpVerb = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  paths: Record<string, Partial<Record<HttpVerb, OperationObject>>>;
  components: { schemas: Record<SchemaName, SchemaObject> };
}

export { API_PREFIX };

const ref = (name: SchemaName): SchemaObject => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: SchemaObject): MediaObject => ({ content: { 'application/json': { schema } } });
const bytes: MediaObject = {
  content: { 'application/octet-stream': { schema: { type: 'string', description: 'Raw bytes.' } } },
};
const error = (description: string) => ({ description, ...json(ref('Error')) });

const runIdParam: ParameterObject = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Run id (32 lowercase hex characters).',
  schema: { type: 'string' },
};
const experimentIdParam: ParameterObject = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Experiment id, a decimal integer such as "0".',
  schema: { type: 'string', pattern: '^\\d+$' },
};
const modelNameParam: ParameterObject = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'Registered model name.',
  schema: { type: 'string' },
};
const aliasParam: ParameterObject = {
  name: 'alias',
  in: 'path',
  required: true,
  description: "Alias, e.g. champion: letters, digits, '_' and '-'; not 'latest' or 'v<number>'.",
  schema: { type: 'string' },
};
const userParam: ParameterObject = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'User name.',
  schema: { type: 'string' },
};
const resourceTypeParam: ParameterObject = {
  name: 'resourceType',
  in: 'query',
  required: true,
  description: 'experiment or registered_model.',
  schema: { type: 'string', enum: ['experiment', 'registered_model'] },
};
const resourceIdParam: ParameterObject = {
  name: 'resourceId',
  in: 'query',
  required: true,
  description: 'Experiment id or registered model name.',
  schema: { type: 'string' },
};
const deploymentParam: ParameterObject = {
  name: 'name',
  in: 'path',
  required: true,
  description: "Deployment name: letters, digits, '_', '.', '-'.",
  schema: { type: 'string' },
};
const query = (name: string, schema: SchemaObject, description: string): ParameterObject => ({
  name,
  in: 'query',
  description,
  schema,
});
const datasetNameParam: ParameterObject = {
  name: 'name',
  in: 'path',
  required: true,
  description: "Dataset name: letters, digits, '.', '_' or '-'.",
  schema: { type: 'string' },
};

const datasetRefParam: ParameterObject = {
  name: 'ref',
  in: 'path',
  required: true,
  description: "Version number, hash prefix (4+ hex characters) or 'latest'.",
  schema: { type: 'string' },
};
const hashParam: ParameterObject = {
  name: 'hash',
  in: 'path',
  required: true,
  description: 'SHA-256 of the content, 64 lowercase hex characters.',
  schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
};
const maxResults = query('maxResults', { type: 'integer', minimum: 1 }, 'Largest number of items on a page.');
const pageToken = query(
  'pageToken',
  { type: 'string' },
  'The nextPageToken of the previous page, unchanged.',
);

function op(
  operationId: string,
  summary: string,
  tag:
    | 'experiments'
    | 'runs'
    | 'datasets'
    | 'registry'
    | 'lineage'
    | 'auth'
    | 'deployments'
    | 'loops'
    | 'monitoring'
    | 'pipelines'
    | 'meta',
  spec: {
    params?: ParameterObject[];
    body?: SchemaName | 'bytes';
    ok: [status: 200 | 201 | 204, schema?: SchemaObject | 'bytes'];
    /** A second success status (e.g. 200 when a create finds the resource already there). */
    alsoOk?: [status: 200 | 201, description: string];
    notFound?: boolean;
    /** Further documented error statuses, e.g. { 401: 'Wrong user name or password.' }. */
    errors?: Record<number, string>;
  },
): OperationObject {
  const [status, schema] = spec.ok;
  const media = (x: SchemaObject | 'bytes') => (x === 'bytes' ? bytes : json(x));
  const responses: OperationObject['responses'] = {
    [status]: schema
      ? { description: 'Success.', ...media(schema) }
      : { description: 'Success, no content.' },
  };
  if (spec.alsoOk && schema) responses[spec.alsoOk[0]] = { description: spec.alsoOk[1], ...media(schema) };
  if (spec.params?.length || spec.body) {
    responses['400'] = error('Invalid input; the message names the field, the value and what is valid.');
  }
  if (spec.notFound) responses['404'] = error('The resource does not exist.');
  for (const [status, description] of Object.entries(spec.errors ?? {}))
    responses[status] = error(description);
  return {
    operationId,
    summary,
    tags: [tag],
    ...(spec.params ? { parameters: spec.params } : {}),
    ...(spec.body
      ? {
          requestBody: { required: true as const, ...(spec.body === 'bytes' ? bytes : json(ref(spec.body))) },
        }
      : {}),
    responses,
  };
}

/** Continuous training (src/loop/routes.ts). */
const loopModelParam: ParameterObject = {
  name: 'model',
  in: 'path',
  required: true,
  description: 'Registered model name the loop policy is for.',
  schema: { type: 'string' },
};
const loopRunParam: ParameterObject = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Loop run id (32 lowercase hex characters).',
  schema: { type: 'string' },
};
const conflict = { 409: 'The run is not in a state that allows this (the message says which it is in).' };
const LOOP_PATHS: OpenApiDocument['paths'] = {
  '/loops': {
    get: op('listLoops', 'List loop policies with their active, queued and last runs.', 'loops', {
      ok: [200, ref('LoopStatusList')],
    }),
  },
  '/loops/{model}': {
    get: op('getLoop', 'Get the loop policy of a model and what its loop is doing.', 'loops', {
      params: [loopModelParam],
      ok: [200, ref('LoopStatus')],
      notFound: true,
    }),
    put: op(
      'applyLoop',
      'Apply (create or replace) the loop policy of a model. Admins only: the server runs its commands.',
      'loops',
      { params: [loopModelParam], body: 'ApplyLoop', ok: [200, ref('LoopStatus')], notFound: true },
    ),
    delete: op('deleteLoop', 'Remove the loop policy of a model (refused while a run is active).', 'loops', {
      params: [loopModelParam],
      ok: [204],
      notFound: true,
      errors: { 409: 'A run of the model is active.' },
    }),
  },
  '/loops/{model}/runs': {
    get: op('listLoopRuns', 'The loop runs of a model, newest first.', 'loops', {
      params: [loopModelParam],
      ok: [200, ref('LoopRunList')],
    }),
    post: op(
      'startLoopRun',
      'Trigger a run by hand: it starts, or queues behind the run in flight.',
      'loops',
      { params: [loopModelParam], body: 'LoopRunRequest', ok: [201, ref('LoopTriggered')], notFound: true },
    ),
  },
  '/loops/{model}/events': {
    get: op(
      'listLoopEvents',
      "The audit trail of a model's loop: every decision with its evidence.",
      'loops',
      {
        params: [loopModelParam],
        ok: [200, ref('LoopEventList')],
        notFound: true,
      },
    ),
  },
  '/loop-runs/{id}': {
    get: op('getLoopRun', 'A loop run and its events.', 'loops', {
      params: [loopRunParam],
      ok: [200, ref('LoopRunDetail')],
      notFound: true,
    }),
  },
  '/loop-runs/{id}/approve': {
    post: op('approveLoopRun', 'Approve the promotion of a run awaiting approval.', 'loops', {
      params: [loopRunParam],
      ok: [200, ref('LoopRun')],
      notFound: true,
      errors: conflict,
    }),
  },
  '/loop-runs/{id}/reject': {
    post: op(
      'rejectLoopRun',
      'Reject a run in its canary or awaiting approval: traffic goes back.',
      'loops',
      {
        params: [loopRunParam],
        body: 'LoopRunRequest',
        ok: [200, ref('LoopRun')],
        notFound: true,
        errors: conflict,
      },
    ),
  },
};

const rangeParams = [
  query('from', { type: 'string' }, 'Start: ISO-8601 time or Unix ms (default: 24 hours before `to`).'),
  query('to', { type: 'string' }, 'End (exclusive): ISO-8601 time or Unix ms (default: now).'),
];

/** Live monitoring (src/monitor/routes.ts). */
const MONITOR_PATHS: OpenApiDocument['paths'] = {
  '/deployments/{name}/monitoring': {
    get: op(
      'getMonitorConfig',
      "The deployment's monitoring configuration (webhook secrets left out).",
      'monitoring',
      {
        params: [deploymentParam],
        ok: [200, ref('MonitorConfig')],
      },
    ),
    patch: op(
      'updateMonitorConfig',
      'Change monitoring settings: window, sample rate, task, sensitive column, reference, alert rules, webhooks.',
      'monitoring',
      {
        params: [deploymentParam],
        body: 'MonitorConfigUpdate',
        ok: [200, ref('MonitorConfig')],
        notFound: true,
      },
    ),
    delete: op('resetMonitorConfig', 'Return to the default monitoring configuration.', 'monitoring', {
      params: [deploymentParam],
      ok: [204],
    }),
  },
  '/deployments/{name}/monitoring/windows': {
    get: op(
      'listMonitorWindows',
      'Windows in a range, merged over replicas: traffic, latency, errors, drift against the reference, performance (realized and CBPE-estimated), bias.',
      'monitoring',
      {
        params: [
          deploymentParam,
          ...rangeParams,
          query('modelVersion', { type: 'string' }, 'Only windows of this model version.'),
          query('profiles', { type: 'boolean' }, 'Include the merged input and output profiles.'),
        ],
        ok: [200, ref('MonitorWindowList')],
      },
    ),
  },
  '/deployments/{name}/monitoring/report': {
    get: op(
      'getMonitorReport',
      'Configuration, windows and alerts of a range, as `mloop monitor report` prints them.',
      'monitoring',
      {
        params: [deploymentParam, ...rangeParams],
        ok: [200, ref('MonitorReport')],
      },
    ),
  },
  '/feedback': {
    post: op(
      'recordFeedback',
      'Ground truth for stored predictions, all or nothing; joined by prediction id.',
      'monitoring',
      {
        body: 'Feedback',
        ok: [201, ref('FeedbackAccepted')],
        notFound: true,
        errors: {
          409: 'Feedback for this prediction was already recorded (or appears twice in the request).',
        },
      },
    ),
  },
  '/alerts': {
    get: op('listAlerts', 'Alerts raised by monitoring rules, newest first.', 'monitoring', {
      params: [
        query('deployment', { type: 'string' }, 'Only alerts of this deployment.'),
        ...rangeParams,
        query(
          'maxResults',
          { type: 'integer', minimum: 1 },
          'At most this many (default 100, at most 1000).',
        ),
      ],
      ok: [200, ref('AlertList')],
    }),
  },
};

/** Pipeline runs recorded by `mloop repro` (src/pipeline/routes.ts). */
const PIPELINE_PATHS: OpenApiDocument['paths'] = {
  '/pipeline-runs': {
    get: op(
      'listPipelineRuns',
      'Recent pipeline runs, newest first, with their stages counted by outcome.',
      'pipelines',
      {
        params: [
          query('experimentId', { type: 'string' }, 'Only runs of this experiment.'),
          query('status', { type: 'string', enum: RUN_STATUSES }, 'Only runs in this state.'),
          query(
            'maxResults',
            { type: 'integer', minimum: 1 },
            'At most this many (default 50, at most 500).',
          ),
          query('pageToken', { type: 'string' }, 'The nextPageToken of the previous page.'),
        ],
        ok: [200, ref('PipelineRunList')],
      },
    ),
  },
  '/pipeline-runs/{id}': {
    get: op(
      'getPipelineRun',
      'One pipeline run: every stage with its upstream stages, status, cache use, duration, executions and log tail.',
      'pipelines',
      { params: [runIdParam], ok: [200, ref('PipelineRunDetail')], notFound: true },
    ),
  },
};

/** Datasets and their content (src/data/routes.ts). */
const DATASET_PATHS: OpenApiDocument['paths'] = {
  '/datasets': {
    get: op('listDatasets', 'List datasets with their latest version.', 'datasets', {
      ok: [200, ref('DatasetList')],
    }),
  },
  '/datasets/{name}/versions': {
    get: op('listDatasetVersions', 'List the versions of a dataset, newest first.', 'datasets', {
      params: [datasetNameParam],
      ok: [200, ref('DatasetVersionList')],
      notFound: true,
    }),
    post: op(
      'recordDatasetVersion',
      'Record a version whose content is already stored; the same content again returns its existing version.',
      'datasets',
      {
        params: [datasetNameParam],
        body: 'RecordDatasetVersion',
        ok: [201, ref('DatasetVersion')],
        alsoOk: [200, 'The content was already a version of this dataset; that version is returned.'],
      },
    ),
  },
  '/datasets/{name}/versions/{ref}': {
    get: op(
      'getDatasetVersion',
      'A version with its schema, profile and the runs that used it.',
      'datasets',
      {
        params: [datasetNameParam, datasetRefParam],
        ok: [200, ref('DatasetVersion')],
        notFound: true,
      },
    ),
  },
  '/datasets/{name}/versions/{ref}/validation': {
    get: op(
      'validateDatasetVersion',
      "A version's profile checked against the schema of another version (by default the one before it): missing and unexpected columns, types, missing shares, unseen categories, ranges.",
      'datasets',
      {
        params: [
          datasetNameParam,
          datasetRefParam,
          {
            name: 'against',
            in: 'query',
            required: false,
            description: 'The version whose schema applies; the previous version by default.',
            schema: { type: 'string' },
          },
        ],
        ok: [200, ref('DatasetValidation')],
        notFound: true,
      },
    ),
  },
  '/dataset-content/missing': {
    post: op('missingDatasetContent', 'Which of the given content hashes the store lacks.', 'datasets', {
      body: 'ContentHashes',
      ok: [200, ref('MissingContent')],
    }),
  },
  '/dataset-content/{hash}': {
    get: op('getDatasetContent', 'Download content by hash.', 'datasets', {
      params: [hashParam],
      ok: [200, 'bytes'],
      notFound: true,
    }),
    put: op(
      'putDatasetContent',
      'Upload content (Content-Type: application/octet-stream); refused unless the bytes hash to the path.',
      'datasets',
      {
        params: [hashParam],
        body: 'bytes',
        ok: [201, ref('ContentStored')],
        alsoOk: [200, 'The content was already stored; nothing was written.'],
      },
    ),
  },
};

/** The OpenAPI document of the native API, served at `/api/v1/openapi.json`. */
export const OPENAPI: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'mloop native API',
    version: VERSION,
    description:
      'Experiments, runs, metrics and artifacts in camelCase JSON. Errors are {error_code, message}. ' +
      'Metric values NaN, Infinity and -Infinity travel as the strings "NaN", "Infinity", "-Infinity". ' +
      'Request bodies must be sent with Content-Type: application/json. ' +
      'The MLflow REST API is served alongside under /api/2.0/mlflow.',
  },
  servers: [{ url: API_PREFIX }],
  paths: {
    '/openapi.json': {
      get: op('getOpenApi', 'This document.', 'meta', { ok: [200, { type: 'object' }] }),
    },
    '/experiments': {
      get: op('listExperiments', 'Search experiments.', 'experiments', {
        params: [
          query(
            'viewType',
            { type: 'string', enum: [...VIEW_TYPES] },
            'Lifecycle filter; ACTIVE_ONLY by default.',
          ),
          query('filter', { type: 'string' }, 'Search filter, e.g. "name LIKE \'churn%\'".'),
          {
            ...query('orderBy', { type: 'array', items: { type: 'string' } }, 'Repeatable, e.g. "name ASC".'),
            explode: true,
          },
          maxResults,
          pageToken,
        ],
        ok: [200, ref('ExperimentPage')],
      }),
      post: op('createExperiment', 'Create an experiment.', 'experiments', {
        body: 'CreateExperiment',
        ok: [201, ref('Experiment')],
      }),
    },
    '/experiments/by-name/{name}': {
      get: op('getExperimentByName', 'Get an experiment by name.', 'experiments', {
        params: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        ok: [200, ref('Experiment')],
        notFound: true,
      }),
    },
    '/experiments/{id}': {
      get: op('getExperiment', 'Get an experiment.', 'experiments', {
        params: [experimentIdParam],
        ok: [200, ref('Experiment')],
        notFound: true,
      }),
      patch: op('renameExperiment', 'Rename an active experiment.', 'experiments', {
        params: [experimentIdParam],
        body: 'RenameExperiment',
        ok: [200, ref('Experiment')],
        notFound: true,
      }),
      delete: op('deleteExperiment', 'Mark an experiment and its runs deleted.', 'experiments', {
        params: [experimentIdParam],
        ok: [204],
        notFound: true,
      }),
    },
    '/experiments/{id}/restore': {
      post: op('restoreExperiment', 'Restore a deleted experiment and its runs.', 'experiments', {
        params: [experimentIdParam],
        ok: [200, ref('Experiment')],
        notFound: true,
      }),
    },
    '/runs': {
      post: op('createRun', 'Start a run.', 'runs', {
        body: 'CreateRun',
        ok: [201, ref('Run')],
        notFound: true,
      }),
    },
    '/runs/search': {
      post: op('searchRuns', 'Search runs in experiments.', 'runs', {
        body: 'SearchRuns',
        ok: [200, ref('RunPage')],
      }),
    },
    '/runs/{id}': {
      get: op('getRun', 'Get a run with its params, latest metrics and tags.', 'runs', {
        params: [runIdParam],
        ok: [200, ref('Run')],
        notFound: true,
      }),
      patch: op(
        'updateRun',
        'Update status, end time or name of an active run; metrics, params and tags given are logged first, as by logBatch (so a run can be finished with its results in one request).',
        'runs',
        {
          params: [runIdParam],
          body: 'UpdateRun',
          ok: [200, ref('RunInfo')],
          notFound: true,
        },
      ),
      delete: op('deleteRun', 'Mark a run deleted.', 'runs', {
        params: [runIdParam],
        ok: [204],
        notFound: true,
      }),
    },
    '/runs/{id}/restore': {
      post: op('restoreRun', 'Restore a deleted run.', 'runs', {
        params: [runIdParam],
        ok: [200, ref('RunInfo')],
        notFound: true,
      }),
    },
    '/runs/{id}/batch': {
      post: op('logBatch', 'Log metrics, params (write-once) and tags; all or nothing.', 'runs', {
        params: [runIdParam],
        body: 'LogBatch',
        ok: [204],
        notFound: true,
      }),
    },
    '/runs/{id}/inputs': {
      post: op('logInputs', 'Record dataset and model inputs of a run.', 'runs', {
        params: [runIdParam],
        body: 'LogInputs',
        ok: [204],
        notFound: true,
      }),
    },
    '/runs/{id}/metrics/{key}': {
      get: op('getMetricHistory', 'A metric series, ordered by step then timestamp.', 'runs', {
        params: [
          runIdParam,
          {
            name: 'key',
            in: 'path',
            required: true,
            description: "Metric key; '/' may be sent as %2F.",
            schema: { type: 'string' },
          },
          maxResults,
          pageToken,
        ],
        ok: [200, ref('MetricPage')],
        notFound: true,
      }),
    },
    '/runs/{id}/artifacts': {
      get: op('listArtifacts', "List one directory of a run's artifacts.", 'runs', {
        params: [
          runIdParam,
          query(
            'path',
            { type: 'string' },
            "Directory relative to the run's artifact root; root by default.",
          ),
        ],
        ok: [200, ref('ArtifactListing')],
        notFound: true,
      }),
    },
    '/registered-models': {
      get: op('listRegisteredModels', 'Search registered models.', 'registry', {
        params: [
          query('filter', { type: 'string' }, 'e.g. "name LIKE \'churn%\'" or "tags.team = \'growth\'".'),
          {
            ...query('orderBy', { type: 'array', items: { type: 'string' } }, 'Repeatable, e.g. "name ASC".'),
            explode: true,
          },
          maxResults,
          pageToken,
        ],
        ok: [200, ref('RegisteredModelPage')],
      }),
      post: op('createRegisteredModel', 'Create a registered model.', 'registry', {
        body: 'CreateRegisteredModel',
        ok: [201, ref('RegisteredModel')],
      }),
    },
    '/registered-models/{name}': {
      get: op(
        'getRegisteredModel',
        'Get a registered model with its aliases and latest versions.',
        'registry',
        {
          params: [modelNameParam],
          ok: [200, ref('RegisteredModel')],
          notFound: true,
        },
      ),
      patch: op('updateRegisteredModel', 'Rename a registered model or change its description.', 'registry', {
        params: [modelNameParam],
        body: 'UpdateRegisteredModel',
        ok: [200, ref('RegisteredModel')],
        notFound: true,
      }),
      delete: op(
        'deleteRegisteredModel',
        'Delete a registered model that no alias points into.',
        'registry',
        {
          params: [modelNameParam],
          ok: [204],
          notFound: true,
        },
      ),
    },
    '/registered-models/{name}/versions': {
      get: op('listModelVersions', 'List the versions of a registered model, newest first.', 'registry', {
        params: [modelNameParam, maxResults, pageToken],
        ok: [200, ref('ModelVersionPage')],
        notFound: true,
      }),
      post: op(
        'createModelVersion',
        'Register a new version from a source inside the artifact store.',
        'registry',
        {
          params: [modelNameParam],
          body: 'CreateModelVersion',
          ok: [201, ref('ModelVersion')],
          notFound: true,
        },
      ),
    },
    '/registered-models/{name}/versions/{ref}': {
      get: op('getModelVersion', 'Get a version by number, @alias, "latest" or stage name.', 'registry', {
        params: [
          modelNameParam,
          {
            name: 'ref',
            in: 'path',
            required: true,
            description: 'e.g. 3, @champion, latest, Production.',
            schema: { type: 'string' },
          },
        ],
        ok: [200, ref('ModelVersion')],
        notFound: true,
      }),
    },
    '/registered-models/{name}/aliases/history': {
      get: op(
        'getAliasHistory',
        'Every move of the aliases of a model: who, when, from which version to which.',
        'registry',
        {
          params: [modelNameParam, query('alias', { type: 'string' }, 'Only this alias.')],
          ok: [200, ref('AliasHistory')],
          notFound: true,
        },
      ),
    },
    '/registered-models/{name}/aliases/{alias}': {
      put: op('setAlias', 'Point an alias at a version; the move is recorded.', 'registry', {
        params: [modelNameParam, aliasParam],
        body: 'SetAlias',
        ok: [200, ref('AliasEvent')],
        notFound: true,
      }),
      delete: op('deleteAlias', 'Delete an alias; the deletion is recorded.', 'registry', {
        params: [modelNameParam, aliasParam],
        ok: [200, ref('AliasEvent')],
        notFound: true,
      }),
    },
    '/lineage/model-versions/{name}/{ref}': {
      get: op(
        'getModelVersionLineage',
        'What made a version: run, experiment, datasets read, code commit.',
        'lineage',
        {
          params: [
            modelNameParam,
            {
              name: 'ref',
              in: 'path',
              required: true,
              description: 'Version number, @alias, latest or stage.',
              schema: { type: 'string' },
            },
          ],
          ok: [200, ref('LineageGraph')],
          notFound: true,
        },
      ),
    },
    '/whoami': {
      get: op('whoAmI', 'Who the request is authenticated as.', 'auth', { ok: [200, ref('WhoAmI')] }),
    },
    '/users': {
      get: op('listUsers', 'List users (admin).', 'auth', { ok: [200, ref('UserList')] }),
      post: op('createUser', 'Add a user (admin).', 'auth', { body: 'CreateUser', ok: [201, ref('User')] }),
    },
    '/users/{name}': {
      patch: op('updateUser', "Change a user's role or password (admin).", 'auth', {
        params: [userParam],
        body: 'UpdateUser',
        ok: [200, ref('User')],
        notFound: true,
      }),
      delete: op('deleteUser', 'Remove a user and their tokens (admin).', 'auth', {
        params: [userParam],
        ok: [204],
        notFound: true,
      }),
    },
    '/tokens': {
      get: op('listTokens', 'Your tokens (admins: ?user=NAME or ?all=true).', 'auth', {
        params: [
          query('user', { type: 'string' }, 'Whose tokens (admin).'),
          query('all', { type: 'string' }, '"true" for every user (admin).'),
        ],
        ok: [200, ref('TokenList')],
      }),
      post: op('createToken', 'Create an API token; the secret is shown once.', 'auth', {
        body: 'CreateToken',
        ok: [201, ref('CreatedToken')],
      }),
    },
    '/tokens/{id}': {
      delete: op('revokeToken', 'Revoke a token.', 'auth', {
        params: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        ok: [200, ref('Token')],
        notFound: true,
      }),
    },
    '/permissions': {
      get: op('listPermissions', 'Grants on one experiment or registered model (admin).', 'auth', {
        params: [resourceTypeParam, resourceIdParam],
        ok: [200, ref('PermissionList')],
      }),
      put: op(
        'grantPermission',
        'Grant a user READ, EDIT, MANAGE or NO_PERMISSIONS on a resource (admin).',
        'auth',
        {
          body: 'PermissionGrant',
          ok: [200, ref('PermissionGrant')],
          notFound: true,
        },
      ),
      delete: op('revokePermission', "Remove a user's grant on a resource (admin).", 'auth', {
        params: [resourceTypeParam, resourceIdParam, query('user', { type: 'string' }, 'The user.')],
        ok: [204],
      }),
    },
    '/audit': {
      get: op('listAudit', 'The audit log of writes, newest first (admin).', 'auth', {
        params: [
          query('since', { type: 'integer' }, 'Milliseconds since the epoch.'),
          query('user', { type: 'string' }, 'Only this actor.'),
          query('limit', { type: 'integer', minimum: 1 }, 'At most this many entries (default 100).'),
        ],
        ok: [200, ref('AuditList')],
      }),
    },
    '/session': {
      post: op(
        'login',
        'Sign in with a password; sets an HttpOnly session cookie and returns the CSRF token.',
        'auth',
        {
          body: 'Login',
          ok: [200, ref('Session')],
          errors: { 401: 'Wrong user name or password.' },
        },
      ),
      delete: op('logout', 'Sign out of the browser session.', 'auth', { ok: [204] }),
    },
    '/deployments': {
      get: op('listDeployments', 'List deployments with their routes and serving status.', 'deployments', {
        ok: [200, ref('DeploymentList')],
      }),
      post: op(
        'createDeployment',
        'Create a deployment: one route to a model reference, served at /v2/models/{name}.',
        'deployments',
        { body: 'CreateDeployment', ok: [201, ref('Deployment')], notFound: true },
      ),
    },
    '/deployments/{name}': {
      get: op('getDeployment', 'Get a deployment and what this server serves for it.', 'deployments', {
        params: [deploymentParam],
        ok: [200, ref('Deployment')],
        notFound: true,
      }),
      delete: op('deleteDeployment', 'Delete a deployment and its history; serving stops.', 'deployments', {
        params: [deploymentParam],
        ok: [204],
        notFound: true,
      }),
    },
    '/deployments/{name}/routes': {
      put: op(
        'setDeploymentRoutes',
        'Replace the weighted routes and shadow routes; recorded, and picked up without a restart.',
        'deployments',
        { params: [deploymentParam], body: 'SetRoutes', ok: [200, ref('Deployment')], notFound: true },
      ),
    },
    '/deployments/{name}/rollback': {
      post: op(
        'rollbackDeployment',
        'Return to the routes the current ones replaced; again goes one more step back.',
        'deployments',
        { params: [deploymentParam], ok: [200, ref('Deployment')], notFound: true },
      ),
    },
    '/deployments/{name}/events': {
      get: op('getDeploymentEvents', 'Every change of the routes: who, when, what.', 'deployments', {
        params: [deploymentParam],
        ok: [200, ref('DeploymentEvents')],
        notFound: true,
      }),
    },
    ...DATASET_PATHS,
    ...LOOP_PATHS,
    ...MONITOR_PATHS,
    ...PIPELINE_PATHS,
  },
  components: { schemas: SCHEMAS },
};
