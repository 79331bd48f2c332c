import { LIMITS } from '../tracking/limits.js';
import { RUN_STATUSES, VIEW_TYPES } from '../tracking/types.js';

/** The subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that mloop's document uses. */
export interface SchemaObject {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  format?: 'int64' | 'double';
  enum?: readonly (string | number)[];
  pattern?: string;
  minimum?: number;
  maxItems?: number;
  properties?: Record<string, SchemaObject>;
  required?: readonly string[];
  additionalProperties?: boolean;
  items?: SchemaObject;
  oneOf?: SchemaObject[];
  allOf?: SchemaObject[];
}

const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` });
const str: SchemaObject = { type: 'string' };
const int64: SchemaObject = { type: 'integer', format: 'int64' };
const millis = (description: string): SchemaObject => ({ ...int64, description });
const list = (items: SchemaObject, maxItems?: number): SchemaObject => ({
  type: 'array',
  items,
  ...(maxItems === undefined ? {} : { maxItems }),
});
const object = (
  properties: Record<string, SchemaObject>,
  required: readonly string[],
  opts: { closed?: boolean; description?: string } = {},
): SchemaObject => ({
  type: 'object',
  ...(opts.description ? { description: opts.description } : {}),
  properties,
  required,
  ...(opts.closed ? { additionalProperties: false } : {}),
});
const lifecycle: SchemaObject = { type: 'string', enum: ['active', 'deleted'] };
const page = (item: string): SchemaObject => ({
  allOf: [ref('Page'), object({ items: list(ref(item)) }, ['items'])],
});

export const SCHEMAS = {
  Error: object({ error_code: str, message: str }, ['error_code', 'message'], {
    description: 'Every error: a stable code (MLflow ErrorCode names) and a message that says how to fix it.',
  }),
  Tag: object({ key: str, value: str }, ['key', 'value']),
  JsonNumber: {
    description: 'A number; NaN and ±Infinity are sent as strings.',
    oneOf: [
      { type: 'number', format: 'double' },
      { type: 'string', enum: ['NaN', 'Infinity', '-Infinity'] },
    ],
  },
  Page: object(
    { items: list({}), nextPageToken: { ...str, description: 'Present when more items follow.' } },
    ['items'],
    { description: 'One page of a listing; pass nextPageToken back as pageToken for the next one.' },
  ),
  Experiment: object(
    {
      experimentId: str,
      name: str,
      artifactLocation: str,
      lifecycleStage: lifecycle,
      creationTime: millis('Milliseconds since the epoch.'),
      lastUpdateTime: millis('Milliseconds since the epoch.'),
      tags: list(ref('Tag')),
    },
    ['experimentId', 'name', 'artifactLocation', 'lifecycleStage', 'creationTime', 'lastUpdateTime', 'tags'],
  ),
  ExperimentPage: page('Experiment'),
  RunInfo: object(
    {
      runId: str,
      runName: str,
      experimentId: str,
      userId: str,
      status: { type: 'string', enum: RUN_STATUSES },
      startTime: millis('Milliseconds since the epoch.'),
      endTime: millis('Milliseconds since the epoch; absent while running.'),
      artifactUri: str,
      lifecycleStage: lifecycle,
    },
    ['runId', 'runName', 'experimentId', 'userId', 'status', 'startTime', 'artifactUri', 'lifecycleStage'],
  ),
  Metric: object({ key: str, value: ref('JsonNumber'), timestamp: int64, step: int64 }, [
    'key',
    'value',
    'timestamp',
    'step',
  ]),
  MetricPage: page('Metric'),
  Dataset: object({ name: str, digest: str, sourceType: str, source: str, schema: str, profile: str }, [
    'name',
    'digest',
    'sourceType',
    'source',
  ]),
  DatasetInput: object({ tags: list(ref('Tag')), dataset: ref('Dataset') }, ['tags', 'dataset']),
  Run: object(
    {
      info: ref('RunInfo'),
      data: object(
        {
          metrics: { ...list(ref('Metric')), description: 'The latest value of each metric.' },
          params: list(ref('Tag')),
          tags: list(ref('Tag')),
        },
        ['metrics', 'params', 'tags'],
      ),
      inputs: object(
        {
          datasetInputs: list(ref('DatasetInput')),
          modelInputs: list(object({ modelId: str }, ['modelId'])),
        },
        ['datasetInputs', 'modelInputs'],
      ),
      outputs: object({ modelOutputs: list(object({ modelId: str, step: int64 }, ['modelId', 'step'])) }, [
        'modelOutputs',
      ]),
    },
    ['info', 'data', 'inputs', 'outputs'],
  ),
  RunPage: page('Run'),
  ArtifactEntry: object(
    {
      path: { ...str, description: "Relative to the run's artifact root." },
      isDir: { type: 'boolean' },
      size: { ...int64, description: 'Bytes; absent for directories.' },
    },
    ['path', 'isDir'],
  ),
  ArtifactListing: object({ rootUri: str, files: list(ref('ArtifactEntry')) }, ['rootUri', 'files']),
  CreateExperiment: object(
    {
      name: str,
      artifactLocation: {
        ...str,
        description: "Under 'mlflow-artifacts:/'; chosen by the server by default.",
      },
      tags: list(ref('Tag')),
    },
    ['name'],
    { closed: true },
  ),
  RenameExperiment: object({ name: str }, ['name'], { closed: true }),
  CreateRun: object(
    {
      experimentId: { ...str, description: 'Defaults to "0" (Default).' },
      runName: { ...str, description: 'A random readable name by default.' },
      startTime: millis('Defaults to now.'),
      userId: str,
      tags: list(ref('Tag')),
    },
    [],
    { closed: true },
  ),
  UpdateRun: object({ status: { type: 'string', enum: RUN_STATUSES }, endTime: int64, runName: str }, [], {
    closed: true,
  }),
  MetricInput: object({ key: str, value: ref('JsonNumber'), timestamp: int64, step: int64 }, [
    'key',
    'value',
    'timestamp',
  ]),
  LogBatch: object(
    {
      metrics: list(ref('MetricInput'), LIMITS.metricsPerBatch),
      params: list(ref('Tag'), LIMITS.paramsPerBatch),
      tags: list(ref('Tag'), LIMITS.tagsPerBatch),
    },
    [],
    { closed: true },
  ),
  LogInputs: object(
    {
      datasets: list(ref('DatasetInput')),
      models: list(object({ modelId: str }, ['modelId'])),
    },
    [],
    { closed: true },
  ),
  SearchRuns: object(
    {
      experimentIds: { ...list(str), description: 'At least one experiment id.' },
      filter: { ...str, description: 'e.g. "metrics.rmse < 0.5 and params.model = \'gbdt\'".' },
      orderBy: { ...list(str), description: 'e.g. ["metrics.rmse ASC", "start_time DESC"].' },
      maxResults: { type: 'integer', minimum: 1 },
      pageToken: str,
      viewType: { type: 'string', enum: VIEW_TYPES },
    },
    ['experimentIds'],
    { closed: true },
  ),
  AliasEvent: object(
    {
      name: str,
      alias: str,
      seq: { type: 'integer', description: 'Position of this move in the alias history, from 1.' },
      fromVersion: { ...str, description: 'Absent when the alias was created by this move.' },
      toVersion: { ...str, description: 'Absent when the alias was deleted by this move.' },
      actor: str,
      timestamp: millis('Milliseconds since the epoch.'),
    },
    ['name', 'alias', 'seq', 'actor', 'timestamp'],
  ),
  AliasHistory: object({ events: list(ref('AliasEvent')) }, ['events']),
  LineageNode: object(
    {
      id: { ...str, description: 'kind:identity, e.g. "run:<id>" or "model_version:<name>/<version>".' },
      kind: {
        type: 'string',
        enum: ['model_version', 'registered_model', 'logged_model', 'run', 'experiment', 'dataset', 'commit'],
      },
      label: str,
      attributes: { type: 'object', description: 'String attributes to show beside the node.' },
    },
    ['id', 'kind', 'label', 'attributes'],
  ),
  LineageEdge: object(
    {
      from: str,
      to: str,
      relation: {
        type: 'string',
        enum: ['version_of', 'produced_by', 'packaged_as', 'in_experiment', 'read', 'at_commit'],
      },
    },
    ['from', 'to', 'relation'],
  ),
  LineageGraph: object({ root: str, nodes: list(ref('LineageNode')), edges: list(ref('LineageEdge')) }, [
    'root',
    'nodes',
    'edges',
  ]),
} satisfies Record<string, SchemaObject>;

export type SchemaName = keyof typeof SCHEMAS;
