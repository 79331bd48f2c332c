/** MLflow's limits (mlflow/utils/validation.py), so that what MLflow accepts, mloop accepts, and no more. */
export const LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  batchRequestBytes: 1_000_000,
  keyLength: 250,
  paramValueLength: 6000,
  runTagValueLength: 8000,
  experimentNameLength: 500,
  experimentTagValueLength: 5000,
  artifactLocationLength: 2048,
  runNameLength: 250,
  datasetName: 500,
  datasetDigest: 36,
  datasetSource: 65535,
  datasetSchema: 1_048_575,
  datasetProfile: 16_777_215,
  inputTagKey: 255,
  inputTagValue: 500,
  searchRunsMaxResults: 50_000,
  searchRunsDefault: 1000,
  searchExperimentsMaxResults: 50_000,
  searchExperimentsDefault: 1000,
  metricHistoryMaxResults: 25_000,
  bulkIntervalMaxRuns: 100,
  bulkIntervalMaxResults: 2500,
} as const;

/** ±Inf are stored as ±DBL_MAX, as MLflow does. */
export const DBL_MAX = 1.7976931348623157e308;
