import { encodeJsonNumber } from '../../core/json-number.js';
import type { ModelVersion, RegisteredModel } from '../../registry/types.js';
import type { LoggedModel } from '../../tracking/logged-model-service.js';
import type { Experiment, Metric, Run, RunInfo } from '../../tracking/types.js';

/** Domain objects in MLflow's protobuf-JSON shapes (snake_case, int64 as numbers, NaN/Inf as strings). */
export const number = encodeJsonNumber;

export const experiment = (e: Experiment) => ({
  experiment_id: e.experimentId,
  name: e.name,
  artifact_location: e.artifactLocation,
  lifecycle_stage: e.lifecycleStage,
  last_update_time: e.lastUpdateTime,
  creation_time: e.creationTime,
  tags: e.tags,
});

export const runInfo = (i: RunInfo) => ({
  run_id: i.runId,
  run_uuid: i.runId,
  run_name: i.runName,
  experiment_id: i.experimentId,
  user_id: i.userId,
  status: i.status,
  start_time: i.startTime,
  ...(i.endTime === undefined ? {} : { end_time: i.endTime }),
  artifact_uri: i.artifactUri,
  lifecycle_stage: i.lifecycleStage,
});

export const metric = (m: Metric) => ({
  key: m.key,
  value: number(m.value),
  timestamp: m.timestamp,
  step: m.step,
});

export const run = (r: Run) => ({
  info: runInfo(r.info),
  data: { metrics: r.data.metrics.map(metric), params: r.data.params, tags: r.data.tags },
  inputs: {
    dataset_inputs: r.inputs.datasetInputs.map((d) => ({
      tags: d.tags,
      dataset: {
        name: d.dataset.name,
        digest: d.dataset.digest,
        source_type: d.dataset.sourceType,
        source: d.dataset.source,
        ...(d.dataset.schema === undefined ? {} : { schema: d.dataset.schema }),
        ...(d.dataset.profile === undefined ? {} : { profile: d.dataset.profile }),
      },
    })),
    model_inputs: r.inputs.modelInputs.map((m) => ({ model_id: m.modelId })),
  },
  outputs: { model_outputs: r.outputs.modelOutputs.map((m) => ({ model_id: m.modelId, step: m.step })) },
});

export const loggedModel = (m: LoggedModel) => ({
  info: {
    model_id: m.modelId,
    experiment_id: m.experimentId,
    name: m.name,
    artifact_uri: m.artifactUri,
    creation_timestamp_ms: m.creationTimestamp,
    last_updated_timestamp_ms: m.lastUpdatedTimestamp,
    status: m.status,
    ...(m.statusMessage ? { status_message: m.statusMessage } : {}),
    ...(m.modelType ? { model_type: m.modelType } : {}),
    ...(m.sourceRunId ? { source_run_id: m.sourceRunId } : {}),
    tags: m.tags,
  },
  data: {
    params: m.params,
    metrics: m.metrics.map((x) => ({
      ...metric(x),
      ...(x.runId ? { run_id: x.runId } : {}),
      ...(x.datasetName ? { dataset_name: x.datasetName } : {}),
      ...(x.datasetDigest ? { dataset_digest: x.datasetDigest } : {}),
    })),
  },
});

export const modelVersion = (v: ModelVersion) => ({
  name: v.name,
  version: v.version,
  creation_timestamp: v.creationTimestamp,
  last_updated_timestamp: v.lastUpdatedTimestamp,
  ...(v.userId ? { user_id: v.userId } : {}),
  current_stage: v.currentStage,
  ...(v.description ? { description: v.description } : {}),
  source: v.source,
  ...(v.runId ? { run_id: v.runId } : {}),
  ...(v.runLink ? { run_link: v.runLink } : {}),
  ...(v.modelId ? { model_id: v.modelId } : {}),
  status: v.status,
  ...(v.statusMessage ? { status_message: v.statusMessage } : {}),
  tags: v.tags,
  aliases: v.aliases,
});

export const registeredModel = (m: RegisteredModel) => ({
  name: m.name,
  creation_timestamp: m.creationTimestamp,
  last_updated_timestamp: m.lastUpdatedTimestamp,
  ...(m.userId ? { user_id: m.userId } : {}),
  ...(m.description ? { description: m.description } : {}),
  latest_versions: m.latestVersions.map(modelVersion),
  tags: m.tags,
  aliases: m.aliases,
});
