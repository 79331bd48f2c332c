import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { invalid, show } from '../core/errors.js';
import type { StatCache } from '../data/hash/stat-cache.js';
import { type Progress, SILENT } from '../data/progress.js';
import {
  BLESSING_ARTIFACT,
  BLESSING_TAGS,
  type BlessingRecord,
  blessingRecord,
  decide,
  type EvaluationReport,
  evaluate,
  type Frame,
} from '../learn/index.js';
import type { MloopClient } from '../sdk/client.js';
import { MloopApiError } from '../sdk/errors.js';
import { resolveData } from './data-source.js';
import { defaultMetric, flatMetrics, gateRules } from './metrics.js';
import { type LoadedModel, loadModel, parseModelsUri } from './model-ref.js';
import { experimentId, failRun, logMetrics } from './run-log.js';
import { type FeatureKind, readFrame } from './table-frame.js';
import { checkNoMissing } from './target-check.js';

export interface EvaluateRequest {
  model: string;
  data: string;
  /** The column holding the truth; the model's own target column by default. */
  target?: string;
  sensitive?: string;
  slice?: string;
  out?: string;
  /** Log to this run instead of a new evaluation run. */
  run?: string;
  experiment?: string;
  runName?: string;
  champion?: string;
  minImprovement?: number;
  /** The metric compared with the champion; by task: roc_auc, accuracy, rmse. */
  metric?: string;
  bounds?: string[];
}

export interface EvaluateResult {
  runId: string;
  model: string;
  data: { label: string; hash: string; rows: number; version?: string };
  metrics: Record<string, number>;
  report: EvaluationReport;
  /** With --champion or --bound: the decision, as stored in the run's blessing/blessing.json. */
  blessing?: BlessingRecord;
  /** Why there was nothing to compare with, when --champion named no existing version. */
  championNote?: string;
  out?: string;
}

/**
 * `mloop evaluate`: score a model on labelled data, log the metrics (and the full report as
 * `evaluation/report.json`) to a new evaluation run or `--run`, write the flat metrics to `--out`, and with a
 * champion or bounds apply the gate on the same data and store the blessing on the run (docs/learners.md, Gate).
 */
export async function evaluateAndLog(
  client: MloopClient,
  req: EvaluateRequest,
  hooks: { cache?: StatCache; progress?: Progress } = {},
): Promise<EvaluateResult> {
  if (req.minImprovement !== undefined && !req.champion)
    throw invalid('--min-improvement compares with a champion; pass --champion models:/NAME@champion too.');
  const challenger = await loadModel(req.model, client);
  const model = challenger.model;
  const targetColumn = req.target ?? model.target;
  if (model.features.some((f) => f.name === targetColumn))
    throw invalid(
      `--target ${show(targetColumn)} is one of the model's features; name the column that holds the truth.`,
    );
  const champion = req.champion ? await loadChampion(client, req.champion) : undefined;
  const metric = req.metric ?? defaultMetric(model.task);
  const rules = gateRules({
    bounds: req.bounds ?? [],
    champion: champion !== undefined,
    metric,
    ...(req.minImprovement === undefined ? {} : { minImprovement: req.minImprovement }),
  });

  const progress = hooks.progress ?? SILENT;
  const data = await resolveData(req.data, client, {
    ...(hooks.cache ? { cache: hooks.cache } : {}),
    progress,
  });
  let frame: Frame;
  try {
    const models = [model, ...(champion?.loaded ? [champion.loaded.model] : [])];
    const kinds: Record<string, FeatureKind> = {};
    for (const m of models) for (const f of m.features) kinds[f.name] ??= f.kind;
    const columns = [
      ...new Set([
        ...Object.keys(kinds),
        targetColumn,
        ...(req.sensitive ? [req.sensitive] : []),
        ...(req.slice ? [req.slice] : []),
      ]),
    ];
    kinds[targetColumn] ??= typeof model.classes?.[0] === 'string' ? 'categorical' : 'numeric';
    progress.phase(`reading ${data.label}`, undefined, 'rows');
    frame = await readFrame(data.files, {
      source: data.label,
      columns,
      kinds,
      onRows: (n) => progress.update(n),
    });
    progress.end();
  } finally {
    await data.cleanup();
  }
  checkNoMissing(frame, targetColumn, data.label, 'evaluating');
  if (targetColumn !== model.target) {
    // The truth is under another name here: present it under the model's target name.
    const { [targetColumn]: truth, ...rest } = frame.columns;
    frame = { nRows: frame.nRows, columns: { ...rest, [model.target]: truth! } };
  }
  const options = {
    ...(req.sensitive ? { sensitive: req.sensitive } : {}),
    ...(req.slice ? { slice: req.slice } : {}),
  };
  const report = evaluate(model, frame, options);
  const metrics = flatMetrics(report);

  const runId = req.run ?? (await newEvaluationRun(client, req, challenger, data.label));
  try {
    if (data.version) await client.logDatasetInput(runId, data.version, 'evaluation');
    await logMetrics(
      client,
      runId,
      Object.entries(metrics).map(([key, value]) => ({ key, value })),
    );
    const run = await client.getRun(runId);
    await client.putArtifact(run.info.artifactUri, 'evaluation/report.json', json(report));
    await client.setTags(runId, {
      'mloop.evaluation.model': challenger.uri,
      'mloop.evaluation.data': data.label,
    });
    let blessing: BlessingRecord | undefined;
    if (rules.length > 0) {
      const championMetrics = champion?.loaded
        ? flatMetrics(evaluate(champion.loaded.model, frame, options))
        : null;
      const decision = decide(championMetrics, metrics, rules);
      blessing = blessingRecord(decision, {
        challengerModel: challenger.uri,
        championModel: champion?.loaded?.uri ?? null,
        evaluationData: `${data.label} (sha256:${data.hash})`,
        rules,
      });
      await client.putArtifact(run.info.artifactUri, BLESSING_ARTIFACT, json(blessing));
      await client.setTags(runId, {
        [BLESSING_TAGS.blessed]: String(blessing.blessed),
        [BLESSING_TAGS.record]: BLESSING_ARTIFACT,
      });
    }
    if (!req.run) await client.finishRun(runId);
    if (req.out) {
      await mkdir(dirname(req.out), { recursive: true });
      await writeFile(req.out, `${JSON.stringify(metrics, finite, 2)}\n`);
    }
    return {
      runId,
      model: challenger.uri,
      data: {
        label: data.label,
        hash: data.hash,
        rows: frame.nRows,
        ...(data.version ? { version: `${data.version.name}@${data.version.version}` } : {}),
      },
      metrics,
      report,
      ...(blessing ? { blessing } : {}),
      ...(champion?.note ? { championNote: champion.note } : {}),
      ...(req.out ? { out: req.out } : {}),
    };
  } catch (err) {
    if (!req.run) await failRun(client, runId, err);
    throw err;
  }
}

async function newEvaluationRun(
  client: MloopClient,
  req: EvaluateRequest,
  challenger: LoadedModel,
  dataLabel: string,
): Promise<string> {
  let expId = await experimentId(client, req.experiment);
  if (expId === undefined && challenger.runId) {
    // By default the evaluation goes beside the run that trained the model.
    expId = await client
      .getRun(challenger.runId)
      .then((r) => r.info.experimentId)
      .catch(() => undefined);
  }
  const run = await client.createRun({
    ...(expId ? { experimentId: expId } : {}),
    runName: req.runName ?? `evaluate ${challenger.model.learner} on ${dataLabel}`.slice(0, 250),
    tags: [
      { key: 'mloop.command', value: 'evaluate' },
      ...(challenger.runId ? [{ key: 'mloop.evaluation.model_run', value: challenger.runId }] : []),
    ],
  });
  return run.info.runId;
}

/**
 * The champion to compare with. A registered model or alias that does not exist yet means there is no champion
 * (the first model of a name): the change rules are then skipped and marked "no champion", as in TFX and MLflow.
 */
async function loadChampion(
  client: MloopClient,
  ref: string,
): Promise<{ loaded?: LoadedModel; note?: string }> {
  if (ref.startsWith('models:/')) {
    const { name, version } = parseModelsUri(ref);
    try {
      await client.getModelVersion(name, version);
    } catch (err) {
      if (err instanceof MloopApiError && err.status === 404)
        return { note: `no champion: ${err.message} The change rules are skipped.` };
      throw err;
    }
  }
  return { loaded: await loadModel(ref, client) };
}

const finite = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);

const json = (value: unknown): Uint8Array =>
  new TextEncoder().encode(`${JSON.stringify(value, finite, 2)}\n`);
