import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addDataset } from '../data/workspace/add.js';
import { validateAgainst } from '../data/workspace/validate.js';
import type { LoopRun } from '../loop/types.js';
import type { WindowReport } from '../monitor/report.js';
import type { MloopClient } from '../sdk/client.js';
import { evaluateAndLog } from '../training/evaluate-run.js';
import { trainAndLog } from '../training/train-run.js';
import { flightsFile, lateRate, loadFlights, type Sample, sample, toCsv } from './flights.js';
import { EventFeed, runSummary, TERMINAL } from './loop-feed.js';
import { count, fixed, MONTHS, type Narrator, percent } from './narrator.js';
import { DATASET, DEPLOYMENT, EXPERIMENT, loopPolicy, MODEL, mloopYaml } from './policy.js';
import { type DemoSummary, type MonthSummary, pickNumbers } from './summary.js';
import { replay, sendLabels } from './traffic.js';
import { closedWindows, nextWindow, waitReady } from './windows.js';

export interface StorySettings {
  /** January rows the first model trains on (days 1–24), and rows of every later month's data version. */
  trainRows: number;
  /** Rows of the labeled week held out for evaluation (January 25–31; days 24+ of later months). */
  holdoutRows: number;
  /** Flights replayed as live traffic per month. */
  trafficRows: number;
  /** Rows per inference request. */
  batch: number;
  /** Monitoring window length; each replayed month fills one window. */
  windowMs: number;
  trees: number;
  /** Months replayed after January. */
  months: number[];
  /** How long a loop run may take before the story gives up on it. */
  loopTimeoutMs: number;
  /** Monitoring: windows count as closed this long after their end (one process, flushing every `flushMs`). */
  closeGraceMs: number;
  flushMs: number;
  /** The loop controller's tick. */
  tickMs: number;
}

export const DEFAULT_SETTINGS: StorySettings = {
  trainRows: 30_000,
  holdoutRows: 5_000,
  trafficRows: 6_000,
  batch: 100,
  windowMs: 5_000,
  trees: 100,
  months: [2, 3, 4, 5, 6],
  loopTimeoutMs: 150_000,
  closeGraceMs: 1_500,
  flushMs: 500,
  tickMs: 300,
};

/** Replayed months (windows) after a loop run during which drift may not start another. */
const COOLDOWN_WINDOWS = 3;
/** The features a careless change to the training command keeps: the congestion features are gone. */
const CARELESS_FEATURES = ['hour', 'weekday', 'distance'];

export interface StoryContext {
  client: MloopClient;
  serverUrl: string;
  dir: string;
  narrator: Narrator;
  settings: StorySettings;
}

/**
 * The whole lifecycle on real data: version and validate the data, train, evaluate, register, deploy, then replay
 * the following months as live traffic with delayed labels while monitoring and the loop controller do their work;
 * finally a careless change to the training shows the gate protecting production.
 */
export async function runStory(ctx: StoryContext): Promise<DemoSummary> {
  const { client, narrator: say, settings: cfg, dir } = ctx;
  const started = Date.now();
  const summary: DemoSummary = {
    ok: false,
    url: ctx.serverUrl,
    dir,
    seconds: 0,
    data: { dataset: DATASET, source: 'vega-datasets flights-3m.parquet', versions: [], validation: null },
    model: { name: MODEL, versions: [], aliases: {} },
    baseline: null,
    months: [],
    loopRuns: [],
    deployment: { name: DEPLOYMENT, routes: [] },
  };
  await mkdir(join(dir, 'data'), { recursive: true });
  const dataFile = join(dir, 'data', 'flights.csv');
  const freshFile = join(dir, 'data', 'fresh.csv');

  // 1. Data
  say.step('Data: every US domestic flight of January–June 2001 (vega-datasets flights-3m)');
  let t = Date.now();
  const table = await loadFlights(flightsFile(), say.progress);
  say.say(
    `read ${count(table.rows)} flights in ${secs(t)}; added congestion features origin_late_share and dest_late_share`,
  );
  const jan = sample(table, 1, cfg.trainRows, { toDay: 24 });
  const janHoldout = sample(table, 1, cfg.holdoutRows, { fromDay: 25 });
  await writeFile(dataFile, toCsv(jan));
  await writeFile(freshFile, toCsv(janHoldout));
  const v1 = await addDataset(client, dataFile, { name: DATASET, gitignore: false, progress: say.progress });
  summary.data.versions.push({
    version: v1.version.version,
    month: 'January 1–24',
    rows: jan.rows,
    lateRate: lateRate(jan),
  });
  say.say(
    `versioned ${count(jan.rows)} flights of January 1–24 as ${DATASET}@${v1.version.version} (${percent(lateRate(jan))} arrived > 15 min late)`,
  );
  const validation = await validateAgainst(freshFile, `${DATASET}@${v1.version.version}`, {
    withClient: (action) => action(client),
  });
  summary.data.validation = {
    file: 'data/fresh.csv',
    rows: validation.rows,
    anomalies: validation.anomalies.map((a) => ({ column: a.column, rule: a.rule, count: a.count })),
  };
  say.outcome(
    `validated January 25–31 (${count(validation.rows)} rows) against its schema: ${
      validation.anomalies.length === 0
        ? 'no anomalies'
        : validation.anomalies.map((a) => `${a.column}: ${a.count} ${a.rule}`).join('; ')
    }`,
    validation.anomalies.length === 0,
  );

  // 2. Train and evaluate
  say.step('Train a gradient-boosted tree model on January 1–24');
  t = Date.now();
  const trained = await trainAndLog(
    client,
    {
      data: `${DATASET}@${v1.version.version}`,
      target: 'delayed',
      learner: 'gbdt',
      params: { trees: String(cfg.trees) },
      experiment: EXPERIMENT,
      runName: 'january',
      register: MODEL,
    },
    { progress: say.progress, ...(say.onIteration ? { onIteration: say.onIteration } : {}) },
  );
  const v = trained.registered!.version;
  say.say(
    `${trained.iterations} trees on ${count(trained.data.rows)} rows in ${secs(t)} (run ${trained.runId.slice(0, 8)}); registered ${MODEL} v${v}`,
  );
  const evaluation = await evaluateAndLog(client, {
    model: `models:/${MODEL}/${v}`,
    data: freshFile,
    target: 'delayed',
    experiment: EXPERIMENT,
    runName: 'january holdout',
  });
  const baselineAuc = evaluation.metrics.roc_auc!;
  summary.baseline = {
    data: 'January 25–31',
    rows: evaluation.data.rows,
    metrics: pickNumbers(evaluation.metrics, ['roc_auc', 'accuracy', 'f1', 'log_loss']),
  };
  say.outcome(
    `held-out week January 25–31: ROC AUC ${fixed(baselineAuc)}, accuracy ${fixed(evaluation.metrics.accuracy)}, F1 ${fixed(evaluation.metrics.f1)}`,
    true,
  );
  summary.model.versions.push({
    version: v,
    trainedOn: `${DATASET}@${v1.version.version}`,
    run: trained.runId,
    by: 'mloop demo',
  });

  // 3. Register and deploy
  say.step('Register the champion and deploy it');
  await client.setAlias(MODEL, 'champion', v);
  await client.createDeployment({ name: DEPLOYMENT, model: `models:/${MODEL}@champion` });
  await waitReady(ctx.serverUrl, DEPLOYMENT);
  await client.updateMonitorConfig(DEPLOYMENT, {
    windowMs: cfg.windowMs,
    minLabeledRows: 100,
    alerts: [
      { name: 'congestion drift', kind: 'feature_drift', feature: 'origin_late_share' },
      { name: 'dataset drift', kind: 'drift_share', above: 0.5 },
      { name: 'auc decay', kind: 'performance', metric: 'roc_auc', below: aucBound(baselineAuc) },
    ],
  });
  say.say(
    `${MODEL}@champion → v${v}; deployment ${DEPLOYMENT} serves it at ${ctx.serverUrl}/v2/models/${DEPLOYMENT}/infer (Open Inference Protocol) and /invocations`,
  );
  say.say(
    `monitoring: one window per replayed month (${cfg.windowMs / 1000} s), reference = ${DATASET}@${v1.version.version} through lineage, alerts on drift and ROC AUC < ${fixed(aucBound(baselineAuc))}`,
  );

  // 4. The loop
  say.step('Close the loop: retrain, gate, canary, promote');
  const policy = loopPolicy({
    aucBound: aucBound(baselineAuc),
    trees: cfg.trees,
    cooldownMs: COOLDOWN_WINDOWS * cfg.windowMs,
  });
  await writeFile(join(dir, 'mloop.yaml'), mloopYaml(policy));
  await client.applyLoop(policy, dir);
  say.say(
    `policy applied (mloop.yaml): retrain on ${DATASET}@latest when origin_late_share drifts or live ROC AUC < ${fixed(aucBound(baselineAuc))} over ≥ 5,000 labels`,
  );
  say.say(
    'gate: the challenger must beat the champion by ≥ 0.005 ROC AUC on the freshest labeled week; canary 25%',
  );

  // 5. Replay the months
  say.step(
    `Replay ${MONTHS[cfg.months[0]!]}–${MONTHS[cfg.months.at(-1)!]} as live traffic; labels arrive after each month`,
  );
  const events = new EventFeed(client, say);
  // A run may start whenever the controller reads a closed window, so one is looked for on both sides of a month.
  const followActive = async (month: number) => {
    const run = await events.activeRun();
    if (run) await followRun(ctx, table, month, run, events);
  };
  for (const month of cfg.months) {
    await followActive(month);
    summary.months.push(await replayMonth(ctx, table, month, summary, events));
    await followActive(month);
  }

  // 6. A careless change
  say.step('A careless change: the training command loses the congestion features');
  const careless = loopPolicy({
    aucBound: aucBound(baselineAuc),
    trees: cfg.trees,
    cooldownMs: COOLDOWN_WINDOWS * cfg.windowMs,
    features: CARELESS_FEATURES,
  });
  await client.applyLoop(careless, dir);
  say.say(`training now uses only ${CARELESS_FEATURES.join(', ')}; starting a loop run by hand`);
  const manual = await client.startLoopRun(MODEL, 'demo: a change to the training command');
  await followRun(ctx, table, cfg.months.at(-1)!, manual.run, events);
  await client.applyLoop(policy, dir);
  say.say('the original policy is applied again');

  // 7. Summary: every loop run the controller recorded, oldest first
  const { items: runs } = await client.listLoopRuns(MODEL);
  for (const r of [...runs].sort((a, b) => a.creationTimestamp - b.creationTimestamp)) {
    const { run, events: runEvents } = await client.getLoopRun(r.id);
    summary.loopRuns.push(runSummary(run, runEvents));
  }
  const model = await client.getRegisteredModel(MODEL);
  summary.model.aliases = Object.fromEntries((model.aliases ?? []).map((a) => [a.alias, a.version]));
  for (const r of summary.loopRuns)
    if (r.challenger)
      summary.model.versions.push({
        version: r.challenger,
        trainedOn: r.dataVersion ? `${DATASET}@${r.dataVersion}` : `${DATASET}@latest`,
        run: r.id,
        by: `loop run ${r.id.slice(0, 8)}, ${r.trigger}`,
      });
  summary.deployment.routes = (await client.getDeployment(DEPLOYMENT)).routes;
  summary.ok = summary.loopRuns.some((r) => r.state === 'succeeded');
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

async function replayMonth(
  ctx: StoryContext,
  table: Awaited<ReturnType<typeof loadFlights>>,
  month: number,
  summary: DemoSummary,
  events: EventFeed,
): Promise<MonthSummary> {
  const { client, narrator: say, settings: cfg, dir } = ctx;
  const name = MONTHS[month]!;
  // The warehouse loads the month's labeled flights (days 1–23) as the newest data version, and its last week as
  // the fresh evaluation data; then the month's traffic is replayed and its ground truth follows the answers.
  const data = sample(table, month, cfg.trainRows, { toDay: 23 });
  const fresh = sample(table, month, cfg.holdoutRows, { fromDay: 24 });
  await writeFile(join(dir, 'data', 'flights.csv'), toCsv(data));
  await writeFile(join(dir, 'data', 'fresh.csv'), toCsv(fresh));
  const added = await addDataset(client, join(dir, 'data', 'flights.csv'), {
    name: DATASET,
    gitignore: false,
  });
  summary.data.versions.push({
    version: added.version.version,
    month: `${name} 1–23`,
    rows: data.rows,
    lateRate: lateRate(data),
  });
  say.say(
    `${DATASET}@${added.version.version}: ${name} 1–23 (${count(data.rows)} labeled flights) is the newest data`,
  );
  const traffic = sample(table, month, cfg.trafficRows, { offset: 0.37, shuffle: true });
  const start = await nextWindow(cfg.windowMs);
  const sent = await replay(ctx.serverUrl, DEPLOYMENT, traffic, { batch: cfg.batch, concurrency: 6 });
  const labels = await sendLabels(client, traffic, sent.answered);
  // Traffic slower than a window (a busy machine) spills into the next ones: the month is every window it touched.
  const last = Math.floor(Date.now() / cfg.windowMs) * cfg.windowMs;
  const windows = await closedWindows(client, start, last, cfg.windowMs);
  const m = monthSummary(name, traffic, sent, labels, windows, added.version.version);
  say.say(
    `${name}: ${count(traffic.rows)} flights in ${sent.answered.length + sent.failed} requests (${sent.seconds.toFixed(1)} s, answered by ${versionsText(sent.byVersion)}), ${count(labels)} labels; ${percent(lateRate(traffic))} late`,
  );
  const bound = aucBound(summary.baseline?.metrics.roc_auc ?? 0);
  for (const w of windows) {
    const drift = w.drift;
    const auc = w.performance?.metrics?.roc_auc as number | undefined;
    const late = drift?.columns.origin_late_share;
    const columns = drift
      ? `${drift.driftedColumns.length} of ${Object.keys(drift.columns).length} columns drifted${drift.driftedColumns.length ? ` (${drift.driftedColumns.join(', ')})` : ''}`
      : 'no drift result';
    say.outcome(
      `v${w.modelVersion} window to ${new Date(w.end).toISOString().slice(11, 19)}: ${columns}; origin_late_share ${late ? `${late.method} ${fixed(late.statistic)} (threshold ${late.threshold})` : '–'}; ROC AUC ${fixed(auc)} on ${count(w.performance?.labeledRows ?? 0)} labels`,
      !late?.drifted && !(auc !== undefined && auc < bound),
    );
  }
  // Give the controller the window's close grace and two ticks to read it before the story moves on.
  const seen = last + cfg.windowMs + cfg.closeGraceMs + 2 * cfg.tickMs + 100;
  await new Promise((r) => setTimeout(r, Math.max(0, seen - Date.now())));
  await events.print();
  return m;
}

/** Keeps live traffic flowing (the canary needs requests) until the run ends, narrating its events. */
async function followRun(
  ctx: StoryContext,
  table: Awaited<ReturnType<typeof loadFlights>>,
  month: number,
  run: LoopRun,
  events: EventFeed,
): Promise<void> {
  const { client, settings: cfg } = ctx;
  const deadline = Date.now() + cfg.loopTimeoutMs;
  let pass = 0;
  let current = run;
  while (!TERMINAL.has(current.state)) {
    if (Date.now() > deadline)
      throw new Error(
        `loop run ${run.id} did not finish within ${cfg.loopTimeoutMs / 1000} s (state ${current.state})`,
      );
    if (current.state === 'canary') {
      const traffic = sample(table, month, cfg.trafficRows / 2, {
        offset: 0.11 + 0.13 * (pass++ % 6),
        shuffle: true,
      });
      const sent = await replay(ctx.serverUrl, DEPLOYMENT, traffic, { batch: cfg.batch, concurrency: 6 });
      await sendLabels(client, traffic, sent.answered);
    } else {
      await new Promise((r) => setTimeout(r, 250));
    }
    await events.print();
    current = (await client.getLoopRun(run.id)).run;
  }
  await events.print();
}

function monthSummary(
  name: string,
  traffic: Sample,
  sent: Awaited<ReturnType<typeof replay>>,
  labels: number,
  windows: WindowReport[],
  dataVersion: number,
): MonthSummary {
  return {
    month: name,
    flights: traffic.rows,
    lateRate: lateRate(traffic),
    requests: sent.answered.length + sent.failed,
    failed: sent.failed,
    answeredBy: sent.byVersion,
    labels,
    dataVersion,
    windows: windows.map((w) => ({
      modelVersion: w.modelVersion,
      rows: w.rows,
      drift: w.drift
        ? {
            share: w.drift.share,
            drifted: w.drift.drifted,
            driftedColumns: w.drift.driftedColumns,
            statistics: Object.fromEntries(Object.entries(w.drift.columns).map(([c, d]) => [c, d.statistic])),
          }
        : null,
      performance: w.performance?.metrics
        ? {
            labels: w.performance.labeledRows,
            ...pickNumbers(w.performance.metrics as Record<string, unknown>, ['roc_auc', 'accuracy', 'f1']),
          }
        : null,
    })),
  };
}

/** The live ROC AUC below which the model counts as decayed: 0.03 under its held-out January figure. */
const aucBound = (baseline: number) => Math.round((baseline - 0.03) * 1000) / 1000;

const secs = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const versionsText = (by: Record<string, number>) =>
  Object.entries(by)
    .map(([v, n]) => `v${v}: ${count(n)}`)
    .join(', ') || 'none';
