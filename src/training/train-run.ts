import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { invalid, show } from '../core/errors.js';
import type { StatCache } from '../data/hash/stat-cache.js';
import { type Progress, SILENT } from '../data/progress.js';
import {
  evaluate,
  type Frame,
  type LearnerName,
  learnPackageFiles,
  PARAMS,
  resolveParams,
  type TrainedModel,
  type TrainProgress,
  train,
} from '../learn/index.js';
import type { MloopClient } from '../sdk/client.js';
import { MloopApiError } from '../sdk/errors.js';
import { resolveData } from './data-source.js';
import { flatMetrics } from './metrics.js';
import { experimentId, failRun, logFiles, logMetrics, logParams } from './run-log.js';
import { readFrame } from './table-frame.js';
import { checkTarget, type TaskChoice } from './target-check.js';

/** The learners by their command-line names; `linear` is accepted for `ridge` (the learners' own name). */
export const LEARNER_CHOICES: Record<string, LearnerName> = {
  ridge: 'linear',
  linear: 'linear',
  logistic: 'logistic',
  gbdt: 'gbdt',
};

export const MODEL_ARTIFACT_PATH = 'model';

export interface TrainRequest {
  data: string;
  target: string;
  learner: string;
  task?: TaskChoice;
  params?: Record<string, string>;
  features?: string[];
  sensitive?: string;
  seed?: number;
  experiment?: string;
  runName?: string;
  out?: string;
  register?: string;
}

export interface TrainResult {
  runId: string;
  experimentId: string;
  modelUri: string;
  /** The registered version, with `--register`. */
  registered?: { name: string; version: string; uri: string };
  /** Metrics on the training data (`training_*`). */
  metrics: Record<string, number>;
  data: { label: string; hash: string; rows: number; version?: string; untracked?: string };
  learner: LearnerName;
  task: TrainedModel['task'];
  features: string[];
  iterations: number;
  seconds: number;
  out?: string;
}

export interface TrainHooks {
  cache?: StatCache;
  /** Reading and downloading the data. */
  progress?: Progress;
  /** Training iterations (every 10th for gbdt and logistic). */
  onIteration?: (p: TrainProgress) => void;
  /** Train on this thread (tests); a worker thread otherwise. */
  inline?: boolean;
}

/**
 * `mloop train`: read the data, train in a worker, and record it all as a run — params, per-iteration losses,
 * metrics on the training data (with fairness for a sensitive column), the dataset version as the run's input,
 * and the model package under `model/` — then optionally write the package to a directory and register it.
 * Bad input (unknown learner or parameter, a bad target) fails before a run is created.
 */
export async function trainAndLog(
  client: MloopClient,
  req: TrainRequest,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const learner = LEARNER_CHOICES[req.learner];
  if (!learner) throw invalid(`Unknown learner ${show(req.learner)}; valid learners: ridge, logistic, gbdt.`);
  resolveParams(learner, PARAMS[learner], req.params);
  if (learner === 'linear' && req.task === 'classification')
    throw invalid('The ridge learner is regression only; for classification use --learner logistic or gbdt.');
  if (learner === 'logistic' && req.task === 'regression')
    throw invalid('The logistic learner is classification only; for regression use --learner ridge or gbdt.');
  if (req.out && existsSync(req.out) && readdirSync(req.out).length > 0)
    throw invalid(
      `--out ${show(req.out)} exists and is not empty; choose a new directory for the model package.`,
    );
  if (req.sensitive && (learner === 'linear' || req.task === 'regression'))
    throw invalid(
      `--sensitive reports fairness of a binary classifier; a regression model has none. Drop --sensitive, or evaluate slices with 'mloop evaluate --slice ${req.sensitive}'.`,
    );
  if (req.features?.includes(req.target))
    throw invalid(`--features includes the target ${show(req.target)}; remove it.`);

  const progress = hooks.progress ?? SILENT;
  const data = await resolveData(req.data, client, {
    ...(hooks.cache ? { cache: hooks.cache } : {}),
    progress,
  });
  let frame: Frame;
  try {
    progress.phase(`reading ${data.label}`, undefined, 'rows');
    const columns = req.features
      ? [...new Set([...req.features, req.target, ...(req.sensitive ? [req.sensitive] : [])])]
      : undefined;
    frame = await readFrame(data.files, {
      source: data.label,
      ...(columns ? { columns } : {}),
      onRows: (n) => progress.update(n),
    });
    progress.end();
  } finally {
    await data.cleanup();
  }
  checkTarget(frame, req.target, { task: req.task, learner: req.learner, source: data.label });
  if (req.sensitive && !frame.columns[req.sensitive])
    throw invalid(
      `--sensitive column ${show(req.sensitive)} is not in ${data.label}; its columns are: ${Object.keys(frame.columns).join(', ')}.`,
    );
  const features =
    req.features ?? Object.keys(frame.columns).filter((c) => c !== req.target && c !== req.sensitive);
  const spec = {
    learner,
    target: req.target,
    features,
    ...(req.task
      ? { task: req.task === 'regression' ? ('regression' as const) : ('multiclass' as const) }
      : {}),
    params: req.params ?? {},
    seed: req.seed ?? 0,
  };

  const expId = await experimentId(client, req.experiment);
  const run = await client.createRun({
    ...(expId ? { experimentId: expId } : {}),
    ...(req.runName ? { runName: req.runName } : {}),
    tags: [
      { key: 'mloop.command', value: 'train' },
      { key: 'mloop.learner', value: learner },
      { key: 'mloop.data', value: data.label },
      { key: 'mloop.data.sha256', value: data.hash },
    ],
  });
  const runId = run.info.runId;
  try {
    if (data.version) await client.logDatasetInput(runId, data.version, 'training');
    const model = await train(frame, spec, {
      ...(hooks.onIteration ? { onProgress: hooks.onIteration } : {}),
      ...(hooks.inline ? { inline: true } : {}),
    });
    await logParams(client, runId, {
      learner: req.learner,
      target: req.target,
      task: model.task,
      features: features.join(','),
      seed: model.seed,
      ...(req.sensitive ? { sensitive: req.sensitive } : {}),
      ...model.params,
    });
    const metrics: Record<string, number> = {
      ...flatMetrics(evaluate(model, frame, req.sensitive ? { sensitive: req.sensitive } : {}), 'training_'),
      training_rows: model.training.nTrainRows,
      training_seconds: model.training.seconds,
    };
    const now = Date.now();
    await logMetrics(client, runId, [
      ...model.training.history.flatMap((h) => [
        { key: 'train_loss', value: h.train, step: h.iteration, timestamp: now },
        ...(h.validation === undefined
          ? []
          : [{ key: 'validation_loss', value: h.validation, step: h.iteration, timestamp: now }]),
      ]),
      ...Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: now })),
    ]);
    const files = learnPackageFiles(model, { runId, inputExample: inputExample(frame, model, 5) });
    await logFiles(client, run.info.artifactUri, MODEL_ARTIFACT_PATH, files);
    if (req.out) await writePackage(req.out, files);
    const modelUri = `runs:/${runId}/${MODEL_ARTIFACT_PATH}`;
    let registered: TrainResult['registered'];
    if (req.register) {
      await client.createRegisteredModel({ name: req.register }).catch((err: unknown) => {
        if (!(err instanceof MloopApiError && err.code === 'RESOURCE_ALREADY_EXISTS')) throw err;
      });
      const version = await client.createModelVersion(req.register, { source: modelUri, runId });
      registered = {
        name: version.name,
        version: version.version,
        uri: `models:/${version.name}/${version.version}`,
      };
    }
    await client.finishRun(runId);
    return {
      runId,
      experimentId: run.info.experimentId,
      modelUri,
      ...(registered ? { registered } : {}),
      metrics,
      data: {
        label: data.label,
        hash: data.hash,
        rows: frame.nRows,
        ...(data.version ? { version: `${data.version.name}@${data.version.version}` } : {}),
        ...(data.untrackedReason ? { untracked: data.untrackedReason } : {}),
      },
      learner,
      task: model.task,
      features,
      iterations: model.training.iterations,
      seconds: model.training.seconds,
      ...(req.out ? { out: req.out } : {}),
    };
  } catch (err) {
    await failRun(client, runId, err);
    throw err;
  }
}

/** The first rows of the feature columns, as the package's input example (MLflow's pandas "split" orient). */
function inputExample(
  frame: Frame,
  model: TrainedModel,
  rows: number,
): { columns: string[]; data: unknown[][] } {
  const columns = model.features.map((f) => f.name);
  const data: unknown[][] = [];
  for (let i = 0; i < Math.min(rows, frame.nRows); i++) {
    data.push(
      columns.map((name) => {
        const c = frame.columns[name]!;
        if (c.kind === 'numeric') return Number.isNaN(c.values[i]!) ? null : c.values[i];
        const code = c.codes[i]!;
        return code < 0 ? null : c.dictionary[code];
      }),
    );
  }
  return { columns, data };
}

async function writePackage(dir: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  for (const [path, bytes] of files) {
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, bytes);
  }
}
