import { LIMITS } from '../tracking/limits.js';
import { RUN_STATUSES, VIEW_TYPES } from '../tracking/types.js';

const LOOP_STATES = [
  'queued',
  'pending',
  'training',
  'gating',
  'canary',
  'awaiting_approval',
  'promoting',
  'rolling_back',
  'succeeded',
  'rejected',
  'rolled_back',
  'failed',
] as const;

/** The subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that mloop's document uses. */
export interface SchemaObject {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null';
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
const num: SchemaObject = { type: 'number' };
const numOrNull: SchemaObject = { oneOf: [num, { type: 'null' }] };
const strOrNull: SchemaObject = { oneOf: [str, { type: 'null' }] };
const metricValues: SchemaObject = {
  type: 'object',
  description: 'Metric name → value; null where undefined (e.g. ROC AUC with one class).',
};

const STAGE_STATUSES = [
  'up-to-date',
  'restored',
  'ran',
  'failed',
  'blocked',
  'interrupted',
  'not-run',
  'not-selected',
  'running',
] as const;

/** Pipeline runs as `mloop repro` records them (src/pipeline/routes.ts). */
const PIPELINE_SCHEMAS = {
  PipelineRunSummary: object(
    {
      runId: str,
      experimentId: str,
      status: { type: 'string', enum: RUN_STATUSES },
      startTime: millis('Milliseconds since the epoch.'),
      endTime: millis('Milliseconds since the epoch.'),
      userId: str,
      gitCommit: str,
      gitBranch: str,
      counts: {
        type: 'object',
        description: 'Stages by outcome: ran, restored, up-to-date, failed, blocked, interrupted, not-run, …',
      },
    },
    ['runId', 'experimentId', 'status', 'startTime', 'userId', 'counts'],
  ),
  PipelineRunList: object(
    {
      items: list(ref('PipelineRunSummary')),
      nextPageToken: { ...str, description: 'Pass back as pageToken for the next page; absent on the last.' },
    },
    ['items'],
  ),
  PipelineStage: object(
    {
      name: str,
      upstream: {
        ...list(str),
        description: 'Stages whose outputs this stage reads (the edges of the DAG).',
      },
      status: { type: 'string', enum: STAGE_STATUSES },
      durationMs: { type: 'integer' },
      attempts: { type: 'integer' },
      cmd: str,
      key: { ...str, description: 'The cache key of the stage: its command, params and deps by hash.' },
      run: { ...str, description: 'The tracking run of the execution that made the outputs.' },
      error: str,
      log: { ...list(str), description: 'Last lines of the log of a stage that executed in this run.' },
      attemptRuns: list(
        object(
          {
            runId: str,
            attempt: { type: 'integer' },
            status: { type: 'string', enum: RUN_STATUSES },
            how: str,
            startTime: millis('Milliseconds since the epoch.'),
            endTime: millis('Milliseconds since the epoch.'),
            error: str,
          },
          ['runId', 'attempt', 'status', 'startTime'],
        ),
      ),
      metrics: { type: 'object', description: 'Metric name → value of the last execution.' },
      outs: list(object({ path: str, hash: str }, ['path', 'hash'])),
    },
    ['name', 'upstream', 'status', 'durationMs', 'attempts', 'cmd', 'attemptRuns', 'metrics', 'outs'],
  ),
  PipelineRunDetail: {
    allOf: [
      ref('PipelineRunSummary'),
      object(
        {
          recorded: {
            type: 'boolean',
            description:
              'False when the run left no record (killed): stages come from their executions alone.',
          },
          stages: list(ref('PipelineStage')),
        },
        ['recorded', 'stages'],
      ),
    ],
  },
} satisfies Record<string, SchemaObject>;

/** Live monitoring (src/monitor/routes.ts). */
const MONITOR_SCHEMAS = {
  AlertRule: object(
    {
      name: str,
      kind: {
        type: 'string',
        enum: ['drift_share', 'feature_drift', 'performance', 'bias', 'error_rate', 'latency_p99'],
      },
      feature: { ...str, description: 'feature_drift: the input column.' },
      metric: {
        ...str,
        description: 'performance: accuracy, f1, roc_auc, mae, rmse, r2, …; bias: a Fairlearn metric.',
      },
      above: { ...num, description: 'Fires when the value is above (drift_share: at or above) this.' },
      below: { ...num, description: 'Fires when the value is below this.' },
      estimated: {
        type: 'boolean',
        description: 'performance: use the CBPE estimate while no labels arrived.',
      },
    },
    ['name', 'kind'],
    { closed: true },
  ),
  MonitorConfig: object(
    {
      windowMs: { type: 'integer', minimum: 1000, description: 'Window length in ms (default 60000).' },
      sampleRate: { ...num, description: 'Share of requests kept raw in the artifact store, 0 to 1.' },
      retentionMs: { type: 'integer', description: 'How long predictions wait for ground truth.' },
      task: { oneOf: [{ type: 'string', enum: ['classification', 'regression'] }, { type: 'null' }] },
      predictionOutput: strOrNull,
      probabilityOutput: strOrNull,
      positiveClass: strOrNull,
      sensitiveColumn: strOrNull,
      referenceDataset: {
        ...strOrNull,
        description: 'name@version overriding the training data found by lineage.',
      },
      minLabeledRows: {
        type: 'integer',
        description: 'Labels a window needs before performance and bias rules apply.',
      },
      cooldownMs: { type: 'integer', description: 'Quiet period of a rule after it fired.' },
      alerts: list(ref('AlertRule')),
      webhooks: list(object({ url: str }, ['url']), 20),
    },
    [
      'windowMs',
      'sampleRate',
      'retentionMs',
      'task',
      'predictionOutput',
      'probabilityOutput',
      'positiveClass',
      'sensitiveColumn',
      'referenceDataset',
      'minLabeledRows',
      'cooldownMs',
      'alerts',
      'webhooks',
    ],
  ),
  MonitorConfigUpdate: object(
    {
      windowMs: { type: 'integer', minimum: 1000 },
      sampleRate: num,
      retentionMs: { type: 'integer', minimum: 60000 },
      task: { oneOf: [{ type: 'string', enum: ['classification', 'regression'] }, { type: 'null' }] },
      predictionOutput: strOrNull,
      probabilityOutput: strOrNull,
      positiveClass: strOrNull,
      sensitiveColumn: strOrNull,
      referenceDataset: strOrNull,
      minLabeledRows: { type: 'integer', minimum: 1 },
      cooldownMs: { type: 'integer', minimum: 0 },
      alerts: list(ref('AlertRule'), 100),
      webhooks: list(
        object(
          {
            url: {
              ...str,
              description: 'http(s) URL; private and loopback addresses only if the operator allows them.',
            },
            secret: {
              ...str,
              description: 'HMAC-SHA256 key, at least 16 characters; kept when omitted for a known URL.',
            },
          },
          ['url'],
          { closed: true },
        ),
        20,
      ),
    },
    [],
    { closed: true, description: 'Fields to change; the others keep their values.' },
  ),
  MonitorWindow: object(
    {
      start: millis('Window start, ms since the epoch.'),
      end: millis('Window end (exclusive).'),
      model: str,
      modelVersion: str,
      shadow: { type: 'boolean' },
      replicas: { type: 'integer', description: 'Serving processes whose rows were merged.' },
      requests: { type: 'integer' },
      errors: { type: 'integer' },
      errorRate: num,
      rows: { type: 'integer' },
      latencyMs: {
        oneOf: [object({ mean: num, p50: num, p99: num }, ['mean', 'p50', 'p99']), { type: 'null' }],
      },
      inputs: { type: 'object', description: 'The merged input profile (with profiles=true).' },
      outputs: { type: 'object', description: 'The merged output profile (with profiles=true).' },
      performance: {
        oneOf: [
          object(
            {
              task: { type: 'string', enum: ['classification', 'regression'] },
              rows: { type: 'integer' },
              labeledRows: { type: 'integer' },
              metrics: { oneOf: [metricValues, { type: 'null' }] },
              estimated: { oneOf: [metricValues, { type: 'null' }] },
              bias: { oneOf: [{ type: 'object' }, { type: 'null' }] },
            },
            ['task', 'rows', 'labeledRows', 'metrics', 'estimated', 'bias'],
          ),
          { type: 'null' },
        ],
      },
      drift: {
        oneOf: [
          object(
            {
              share: num,
              shareThreshold: num,
              drifted: { type: 'boolean' },
              driftedColumns: list(str),
              columns: { type: 'object' },
              skipped: list({ type: 'object' }),
            },
            ['share', 'drifted', 'columns'],
          ),
          { type: 'null' },
        ],
      },
      reference: {
        oneOf: [
          object({ dataset: str, source: { type: 'string', enum: ['lineage', 'config'] } }, [
            'dataset',
            'source',
          ]),
          { type: 'null' },
        ],
      },
    },
    [
      'start',
      'end',
      'modelVersion',
      'shadow',
      'requests',
      'errors',
      'errorRate',
      'rows',
      'performance',
      'drift',
    ],
  ),
  MonitorWindowList: object({ items: list(ref('MonitorWindow')) }, ['items']),
  Alert: object(
    {
      id: str,
      deployment: str,
      rule: str,
      kind: str,
      windowStart: millis('Start of the window that broke the rule.'),
      windowEnd: millis('End of that window.'),
      value: numOrNull,
      bound: numOrNull,
      message: str,
      deliveries: list(
        object(
          {
            url: str,
            status: { type: 'string', enum: ['delivered', 'failed', 'refused'] },
            attempts: { type: 'integer' },
            httpStatus: { type: 'integer' },
            error: str,
          },
          ['url', 'status', 'attempts'],
        ),
      ),
      createdAt: millis('When the alert was raised.'),
    },
    ['id', 'deployment', 'rule', 'kind', 'windowStart', 'windowEnd', 'message', 'deliveries', 'createdAt'],
  ),
  AlertList: object({ items: list(ref('Alert')) }, ['items']),
  MonitorReport: object(
    {
      deployment: str,
      from: millis('Range start.'),
      to: millis('Range end.'),
      config: ref('MonitorConfig'),
      windows: list(ref('MonitorWindow')),
      alerts: list(ref('Alert')),
    },
    ['deployment', 'from', 'to', 'config', 'windows', 'alerts'],
  ),
  Feedback: {
    description:
      'Ground truth for one prediction ({predictionId, label} or {predictionId, value}; a list with one value per row for a multi-row request) or many ({items: [...]}).',
    type: 'object',
    properties: {
      predictionId: str,
      label: {},
      value: {},
      items: list(object({ predictionId: str, label: {}, value: {} }, ['predictionId']), 10000),
    },
    required: [],
  } as SchemaObject,
  FeedbackAccepted: object({ accepted: { type: 'integer' } }, ['accepted']),
} satisfies Record<string, SchemaObject>;

const lifecycle: SchemaObject = { type: 'string', enum: ['active', 'deleted'] };
const page = (item: string): SchemaObject => ({
  allOf: [ref('Page'), object({ items: list(ref(item)) }, ['items'])],
});

function nullable(): SchemaObject {
  return { type: 'null' };
}

const datasetVersionRequired = [
  'name',
  'version',
  'hash',
  'kind',
  'size',
  'files',
  'rows',
  'format',
  'sourcePath',
  'userId',
  'creationTime',
];

function datasetVersionFields(): Record<string, SchemaObject> {
  const orNull = (schema: SchemaObject): SchemaObject => ({ oneOf: [schema, nullable()] });
  return {
    name: str,
    version: { type: 'integer', minimum: 1 },
    hash: { ...str, description: 'SHA-256 of the file, or of the directory manifest.' },
    kind: { type: 'string', enum: ['file', 'dir'] },
    size: int64,
    files: { type: 'integer' },
    rows: orNull(int64),
    format: orNull(str),
    sourcePath: str,
    userId: orNull(str),
    creationTime: millis('Milliseconds since the epoch.'),
  };
}

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
      inputs: {
        ...ref('LogInputs'),
        description: "Dataset and model inputs, recorded with the run's creation.",
      },
    },
    [],
    { closed: true },
  ),
  UpdateRun: object(
    {
      status: { type: 'string', enum: RUN_STATUSES },
      endTime: int64,
      runName: str,
      metrics: list(ref('MetricInput'), LIMITS.metricsPerBatch),
      params: list(ref('Tag'), LIMITS.paramsPerBatch),
      tags: list(ref('Tag'), LIMITS.tagsPerBatch),
    },
    [],
    { closed: true },
  ),
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
  DatasetSummary: object(
    {
      name: str,
      latestVersion: { type: 'integer' },
      versions: { type: 'integer' },
      creationTime: millis('Milliseconds since the epoch.'),
      lastUpdateTime: millis('Milliseconds since the epoch.'),
    },
    ['name', 'latestVersion', 'versions', 'creationTime', 'lastUpdateTime'],
  ),
  DatasetList: object({ items: list(ref('DatasetSummary')) }, ['items']),
  DatasetVersionInfo: object(datasetVersionFields(), datasetVersionRequired),
  DatasetVersionList: object({ items: list(ref('DatasetVersionInfo')) }, ['items']),
  DatasetVersion: object(
    {
      ...datasetVersionFields(),
      schema: {
        description: 'Inferred schema (docs/data.md), or null.',
        oneOf: [{ type: 'object' }, nullable()],
      },
      profile: {
        description: 'Mergeable profile (docs/data.md), or null.',
        oneOf: [{ type: 'object' }, nullable()],
      },
      created: {
        type: 'boolean',
        description: 'Whether this request recorded the version (false: it existed).',
      },
      runs: list(
        object({ runId: str, experimentId: str, context: { oneOf: [str, nullable()] } }, [
          'runId',
          'experimentId',
          'context',
        ]),
      ),
    },
    [...datasetVersionRequired, 'schema', 'profile'],
  ),
  DatasetValidation: object(
    {
      version: { type: 'integer' },
      against: { oneOf: [{ type: 'integer' }, nullable()], description: 'The version whose schema applied.' },
      rows: { oneOf: [int64, nullable()] },
      anomalies: list(
        object(
          {
            rule: {
              type: 'string',
              enum: [
                'missing-column',
                'unexpected-column',
                'type-mismatch',
                'missing-values',
                'unseen-category',
                'out-of-range',
              ],
            },
            column: str,
            count: { type: 'integer', minimum: 0 },
            approximate: { ...str, description: 'Why the count is a bound or an estimate.' },
            expected: str,
            found: str,
            message: str,
          },
          ['rule', 'column', 'count', 'expected', 'found', 'message'],
        ),
      ),
      note: { ...str, description: 'Why nothing was validated (first version, not tabular data).' },
    },
    ['version', 'against', 'rows', 'anomalies'],
  ),
  RecordDatasetVersion: object(
    {
      hash: { ...str, description: 'SHA-256 of the file, or of the directory manifest.' },
      kind: { type: 'string', enum: ['file', 'dir'] },
      size: int64,
      files: { type: 'integer', minimum: 0 },
      rows: int64,
      format: { type: 'string', enum: ['csv', 'tsv', 'jsonl', 'parquet', 'arrow', 'mixed'] },
      schema: { type: 'object' },
      profile: { type: 'object' },
      sourcePath: str,
      userId: str,
    },
    ['hash', 'kind', 'size', 'files', 'sourcePath'],
    { closed: true },
  ),
  ContentHashes: object({ hashes: { ...list(str, 10_000), description: 'SHA-256 digests.' } }, ['hashes'], {
    closed: true,
  }),
  MissingContent: object({ missing: list(str) }, ['missing']),
  ContentStored: object(
    {
      hash: str,
      size: { ...int64, description: 'Bytes stored; -1 when the content was already there.' },
      stored: { type: 'boolean' },
    },
    ['hash', 'size', 'stored'],
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
  RegisteredModel: object(
    {
      name: str,
      creationTimestamp: millis('Milliseconds since the epoch.'),
      lastUpdatedTimestamp: millis('Milliseconds since the epoch.'),
      userId: str,
      description: str,
      latestVersions: { ...list(ref('ModelVersion')), description: 'The newest version in each stage.' },
      tags: list(ref('Tag')),
      aliases: list(object({ alias: str, version: str }, ['alias', 'version'])),
    },
    ['name', 'creationTimestamp', 'lastUpdatedTimestamp', 'latestVersions', 'tags', 'aliases'],
  ),
  RegisteredModelPage: page('RegisteredModel'),
  ModelVersion: object(
    {
      name: str,
      version: { ...str, description: 'A positive integer, as a string.' },
      creationTimestamp: millis('Milliseconds since the epoch.'),
      lastUpdatedTimestamp: millis('Milliseconds since the epoch.'),
      userId: str,
      currentStage: { type: 'string', enum: ['None', 'Staging', 'Production', 'Archived'] },
      description: str,
      source: { ...str, description: 'The source as given: runs:/…, models:/…, mlflow-artifacts:/….' },
      storageLocation: {
        ...str,
        description: 'Where the files are inside the artifact store (mlflow-artifacts:/…).',
      },
      runId: str,
      runLink: str,
      modelId: str,
      status: { type: 'string', enum: ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'] },
      statusMessage: str,
      tags: list(ref('Tag')),
      aliases: list(str),
    },
    [
      'name',
      'version',
      'creationTimestamp',
      'lastUpdatedTimestamp',
      'currentStage',
      'source',
      'storageLocation',
      'status',
      'tags',
      'aliases',
    ],
  ),
  ModelVersionPage: page('ModelVersion'),
  AliasEvent: object(
    {
      name: str,
      alias: str,
      seq: { type: 'integer', description: '1 for the first move of this alias, then 2, 3, ….' },
      fromVersion: { ...str, description: 'Absent when the alias was new.' },
      toVersion: { ...str, description: 'Absent when the alias was deleted.' },
      actor: str,
      timestamp: millis('Milliseconds since the epoch.'),
    },
    ['name', 'alias', 'seq', 'actor', 'timestamp'],
  ),
  AliasHistory: object({ items: list(ref('AliasEvent')) }, ['items']),
  LineageGraph: object(
    {
      root: str,
      nodes: list(
        object(
          {
            id: str,
            kind: {
              type: 'string',
              enum: [
                'model_version',
                'registered_model',
                'logged_model',
                'run',
                'experiment',
                'dataset',
                'commit',
                'loop_run',
                'trigger',
              ],
            },
            label: str,
            attributes: { type: 'object' },
          },
          ['id', 'kind', 'label', 'attributes'],
        ),
      ),
      edges: list(
        object(
          {
            from: str,
            to: str,
            relation: {
              type: 'string',
              enum: [
                'version_of',
                'produced_by',
                'packaged_as',
                'in_experiment',
                'read',
                'at_commit',
                'trained_by',
                'triggered_by',
              ],
            },
          },
          ['from', 'to', 'relation'],
        ),
      ),
    },
    ['root', 'nodes', 'edges'],
  ),
  CreateRegisteredModel: object({ name: str, description: str, tags: list(ref('Tag')) }, ['name'], {
    closed: true,
  }),
  UpdateRegisteredModel: object({ name: { ...str, description: 'A new name.' }, description: str }, [], {
    closed: true,
  }),
  CreateModelVersion: object(
    {
      source: {
        ...str,
        description:
          'runs:/<run_id>/<path>, models:/<model_id>, models:/<name>/<version>, models:/<name>@<alias> or mlflow-artifacts:/<path>.',
      },
      runId: str,
      description: str,
      tags: list(ref('Tag')),
    },
    ['source'],
    { closed: true },
  ),
  SetAlias: object(
    { version: { ...str, description: 'The version the alias should point to.' } },
    ['version'],
    { closed: true },
  ),
  User: object(
    {
      name: str,
      role: { type: 'string', enum: ['viewer', 'editor', 'admin'] },
      hasPassword: { type: 'boolean' },
      createdAt: millis('Milliseconds since the epoch.'),
    },
    ['name', 'role', 'hasPassword', 'createdAt'],
  ),
  UserList: object({ items: list(ref('User')) }, ['items']),
  CreateUser: object(
    {
      name: str,
      role: { type: 'string', enum: ['viewer', 'editor', 'admin'] },
      password: { ...str, description: 'At least 12 characters; omit for a token-only user.' },
    },
    ['name', 'role'],
    { closed: true },
  ),
  UpdateUser: object({ role: { type: 'string', enum: ['viewer', 'editor', 'admin'] }, password: str }, [], {
    closed: true,
  }),
  Token: object(
    {
      id: str,
      user: str,
      name: str,
      createdAt: millis('Milliseconds since the epoch.'),
      expiresAt: millis('Milliseconds since the epoch.'),
      revokedAt: millis('Milliseconds since the epoch.'),
      lastUsedAt: millis('Milliseconds since the epoch.'),
    },
    ['id', 'user', 'name', 'createdAt'],
  ),
  CreatedToken: {
    allOf: [
      ref('Token'),
      object({ token: { ...str, description: 'The secret, shown this once; only its hash is stored.' } }, [
        'token',
      ]),
    ],
  },
  TokenList: object({ items: list(ref('Token')) }, ['items']),
  CreateToken: object(
    {
      name: str,
      expiresInDays: { type: 'integer', minimum: 1 },
      user: { ...str, description: 'Admins only: create for another user.' },
    },
    [],
    { closed: true },
  ),
  PermissionGrant: object(
    {
      resourceType: { type: 'string', enum: ['experiment', 'registered_model'] },
      resourceId: str,
      user: str,
      permission: { type: 'string', enum: ['NO_PERMISSIONS', 'READ', 'EDIT', 'MANAGE'] },
    },
    ['resourceType', 'resourceId', 'user', 'permission'],
  ),
  PermissionList: object({ items: list(ref('PermissionGrant')) }, ['items']),
  AuditEntry: object(
    {
      id: { type: 'integer' },
      timestamp: millis('Milliseconds since the epoch.'),
      actor: str,
      method: str,
      path: str,
      status: { type: 'integer' },
      resource: str,
      ip: str,
    },
    ['id', 'timestamp', 'actor', 'method', 'path', 'status'],
  ),
  AuditList: object({ items: list(ref('AuditEntry')) }, ['items']),
  WhoAmI: object({ user: str, role: { type: 'string', enum: ['viewer', 'editor', 'admin'] }, via: str }, [
    'user',
    'role',
    'via',
  ]),
  Login: object({ user: str, password: str }, ['user', 'password'], { closed: true }),
  Session: object(
    {
      user: str,
      role: str,
      csrfToken: {
        ...str,
        description: 'Send as x-csrf-token with every write made with the session cookie.',
      },
    },
    ['user', 'role', 'csrfToken'],
  ),
  Route: object(
    {
      model: {
        ...str,
        description: 'models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/latest.',
      },
      weight: { type: 'integer', minimum: 0, description: 'Relative weight; traffic share = weight / sum.' },
    },
    ['model', 'weight'],
    { closed: true },
  ),
  ShadowRoute: object(
    {
      model: { ...str, description: 'models:/… reference of the shadow version.' },
      percent: { type: 'integer', minimum: 0, description: 'Share of requests mirrored to it, 0 to 100.' },
    },
    ['model', 'percent'],
    { closed: true },
  ),
  Batching: object(
    {
      maxBatchSize: {
        type: 'integer',
        minimum: 1,
        description: 'Rows per runtime call; 1 turns batching off.',
      },
      maxQueueDelayMs: {
        type: 'integer',
        minimum: 0,
        description: 'Wait for a fuller batch; 0 is opportunistic.',
      },
      maxQueueSize: { type: 'integer', minimum: 1, description: 'Requests allowed to wait before 429.' },
      timeoutMs: { type: 'integer', minimum: 1, description: 'From arrival to answer, queued or running.' },
    },
    [],
    { closed: true },
  ),
  DeploymentStatus: object(
    {
      state: { type: 'string', enum: ['loading', 'ready', 'degraded', 'failed', 'not_served'] },
      routes: list(
        object(
          {
            model: str,
            shadow: { type: 'boolean' },
            version: { ...str, description: 'The version answering; absent until one loaded.' },
            state: { type: 'string', enum: ['loading', 'ready', 'failed'] },
            message: { ...str, description: 'Why the last load failed; the version shown keeps answering.' },
          },
          ['model', 'shadow', 'state'],
        ),
      ),
    },
    ['state', 'routes'],
    { description: "What this server process serves for the deployment ('not_served' when it serves none)." },
  ),
  Deployment: object(
    {
      name: str,
      model: { ...str, description: 'The registered model it was created for.' },
      routes: list(ref('Route')),
      shadows: list(ref('ShadowRoute')),
      stickyHeader: str,
      batching: ref('Batching'),
      revision: { type: 'integer', description: 'Sequence number of the event that set the current routes.' },
      creationTimestamp: millis('Milliseconds since the epoch.'),
      lastUpdatedTimestamp: millis('Milliseconds since the epoch.'),
      status: ref('DeploymentStatus'),
    },
    [
      'name',
      'model',
      'routes',
      'shadows',
      'batching',
      'revision',
      'creationTimestamp',
      'lastUpdatedTimestamp',
      'status',
    ],
  ),
  DeploymentList: object({ items: list(ref('Deployment')) }, ['items']),
  DeploymentEvent: object(
    {
      name: str,
      seq: { type: 'integer' },
      kind: { type: 'string', enum: ['created', 'routes', 'rollback'] },
      routes: list(ref('Route')),
      shadows: list(ref('ShadowRoute')),
      previousSeq: { type: 'integer', description: 'The event whose routes this one replaced.' },
      actor: str,
      timestamp: millis('Milliseconds since the epoch.'),
    },
    ['name', 'seq', 'kind', 'routes', 'shadows', 'actor', 'timestamp'],
  ),
  DeploymentEvents: object({ items: list(ref('DeploymentEvent')) }, ['items']),
  CreateDeployment: object(
    {
      name: { ...str, description: "Served at /v2/models/<name>: letters, digits, '_', '.', '-'." },
      model: {
        ...str,
        description: 'models:/<name>@<alias>, models:/<name>/<version> or models:/<name>/latest.',
      },
      stickyHeader: { ...str, description: 'Requests with the same value of this header keep one route.' },
      batching: ref('Batching'),
    },
    ['name', 'model'],
    { closed: true },
  ),
  SetRoutes: object({ routes: list(ref('Route')), shadows: list(ref('ShadowRoute')) }, ['routes'], {
    closed: true,
  }),
  ApplyLoop: object(
    {
      policy: {
        type: 'object',
        description:
          'The `loop:` object of mloop.yaml (model, deployment, train, data, triggers, cooldown, gate, rollout, approval); see docs/loop.md.',
      },
      workdir: { ...str, description: 'Absolute directory the commands run in (where mloop.yaml is).' },
    },
    ['policy', 'workdir'],
    { closed: true },
  ),
  LoopRunRequest: object(
    { reason: { ...str, description: 'Why, recorded in the run and its first event.' } },
    [],
    { closed: true },
  ),
  LoopRun: object(
    {
      id: str,
      model: str,
      state: { type: 'string', enum: LOOP_STATES },
      trigger: object({ kind: str, evidence: {} }, ['kind']),
      policy: {
        type: 'object',
        description: 'The resolved policy the run follows (as it was when it started).',
      },
      dataVersion: { type: 'integer' },
      championVersion: str,
      challengerVersion: str,
      routesBefore: list(ref('Route')),
      canary: {
        type: 'object',
        description: 'Canary bookkeeping: start, counters carried over restarts, last health.',
      },
      stepStartedAt: millis('When the current step started.'),
      reason: str,
      actor: str,
      creationTimestamp: millis('Milliseconds since the epoch.'),
      lastUpdatedTimestamp: millis('Milliseconds since the epoch.'),
      finishedTimestamp: millis('Milliseconds since the epoch.'),
    },
    ['id', 'model', 'state', 'trigger', 'policy', 'actor', 'creationTimestamp', 'lastUpdatedTimestamp'],
  ),
  LoopRunList: object({ items: list(ref('LoopRun')) }, ['items']),
  LoopEvent: object(
    {
      runId: str,
      seq: { type: 'integer' },
      model: str,
      kind: {
        ...str,
        description: 'e.g. triggered, queued, training_started, gate_rejected, rollback_decided, promoted.',
      },
      state: { type: 'string', enum: LOOP_STATES },
      message: str,
      evidence: {
        description: 'What the decision was based on: trigger evidence, gate numbers, canary metrics.',
      },
      actor: str,
      timestamp: millis('Milliseconds since the epoch.'),
    },
    ['runId', 'seq', 'model', 'kind', 'state', 'message', 'actor', 'timestamp'],
  ),
  LoopEventList: object({ items: list(ref('LoopEvent')) }, ['items']),
  LoopRunDetail: object({ run: ref('LoopRun'), events: list(ref('LoopEvent')) }, ['run', 'events']),
  LoopTriggered: object(
    {
      run: ref('LoopRun'),
      outcome: {
        type: 'string',
        enum: ['started', 'queued', 'coalesced'],
        description:
          'queued: another run is in flight; coalesced: one is already queued and records this firing.',
      },
    },
    ['run', 'outcome'],
  ),
  LoopStatus: object(
    {
      model: str,
      source: { type: 'object', description: 'The policy as applied.' },
      policy: { type: 'object', description: 'The policy as the server resolved it.' },
      revision: { type: 'integer' },
      dataVersion: { type: 'integer' },
      actor: str,
      creationTimestamp: millis('Milliseconds since the epoch.'),
      lastUpdatedTimestamp: millis('Milliseconds since the epoch.'),
      active: ref('LoopRun'),
      queued: ref('LoopRun'),
      last: ref('LoopRun'),
    },
    ['model', 'source', 'policy', 'revision', 'actor', 'creationTimestamp', 'lastUpdatedTimestamp'],
  ),
  LoopStatusList: object({ items: list(ref('LoopStatus')) }, ['items']),
  ...MONITOR_SCHEMAS,
  ...PIPELINE_SCHEMAS,
} satisfies Record<string, SchemaObject>;

export type SchemaName = keyof typeof SCHEMAS;
