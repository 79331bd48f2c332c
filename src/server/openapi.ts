import { VIEW_TYPES } from '../tracking/types.js';
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
  content: { 'application/json': { schema: SchemaObject } };
}

export interface OperationObject {
  operationId: string;
  summary: string;
  tags: string[];
  parameters?: ParameterObject[];
  requestBody?: MediaObject & { required: true };
  responses: Record<string, { description: string } & Partial<MediaObject>>;
}

export type HttpVerb = 'get' | 'post' | 'patch' | 'delete';

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  paths: Record<string, Partial<Record<HttpVerb, OperationObject>>>;
  components: { schemas: Record<SchemaName, SchemaObject> };
}

/** Where the native API is mounted; the document's paths are relative to it. */
export const API_PREFIX = '/api/v1';

const ref = (name: SchemaName): SchemaObject => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: SchemaObject): MediaObject => ({ content: { 'application/json': { schema } } });
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
const query = (name: string, schema: SchemaObject, description: string): ParameterObject => ({
  name,
  in: 'query',
  description,
  schema,
});
const maxResults = query('maxResults', { type: 'integer', minimum: 1 }, 'Largest number of items on a page.');
const pageToken = query(
  'pageToken',
  { type: 'string' },
  'The nextPageToken of the previous page, unchanged.',
);

function op(
  operationId: string,
  summary: string,
  tag: 'experiments' | 'runs' | 'registry' | 'meta',
  spec: {
    params?: ParameterObject[];
    body?: SchemaName;
    ok: [status: 200 | 201 | 204, schema?: SchemaObject];
    notFound?: boolean;
  },
): OperationObject {
  const [status, schema] = spec.ok;
  const responses: OperationObject['responses'] = {
    [status]: schema ? { description: 'Success.', ...json(schema) } : { description: 'Success, no content.' },
  };
  if (spec.params?.length || spec.body) {
    responses['400'] = error('Invalid input; the message names the field, the value and what is valid.');
  }
  if (spec.notFound) responses['404'] = error('The resource does not exist.');
  return {
    operationId,
    summary,
    tags: [tag],
    ...(spec.params ? { parameters: spec.params } : {}),
    ...(spec.body ? { requestBody: { required: true as const, ...json(ref(spec.body)) } } : {}),
    responses,
  };
}

/** The OpenAPI document of the native API, served at `/api/v1/openapi.json`. */
export const OPENAPI: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'mloop native API',
    version: VERSION,
    description:
      'Experiments, runs, metrics, artifacts, alias history and lineage in camelCase JSON. ' +
      'Errors are {error_code, message}. ' +
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
      patch: op('updateRun', 'Update status, end time or name of an active run.', 'runs', {
        params: [runIdParam],
        body: 'UpdateRun',
        ok: [200, ref('RunInfo')],
        notFound: true,
      }),
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
    '/registered-models/{name}/aliases/history': {
      get: op('getAliasHistory', "Every move of a registered model's aliases, oldest first.", 'registry', {
        params: [
          modelNameParam,
          query('alias', { type: 'string' }, 'Only the moves of this alias; all aliases by default.'),
        ],
        ok: [200, ref('AliasHistory')],
        notFound: true,
      }),
    },
    '/lineage/model-versions/{name}/{version}': {
      get: op(
        'getModelVersionLineage',
        'What made a model version: its run, experiment, datasets read, logged model and code commit.',
        'registry',
        {
          params: [
            modelNameParam,
            {
              name: 'version',
              in: 'path',
              required: true,
              description: 'A version number, @alias, "latest" or a stage name.',
              schema: { type: 'string' },
            },
          ],
          ok: [200, ref('LineageGraph')],
          notFound: true,
        },
      ),
    },
  },
  components: { schemas: SCHEMAS },
};
