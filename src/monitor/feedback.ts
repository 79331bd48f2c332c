import { invalid, MloopError, notFound, show } from '../core/errors.js';
import { uuidv7Time } from '../core/ids.js';
import { optionalArray, requireObject, requireString } from '../core/validate.js';
import type { Store } from '../store/open-store.js';
import { DEFAULT_CONFIG } from './config.js';
import type { MonitorConfigStore } from './config-store.js';
import type { StoredOutput } from './prediction-output.js';

export interface FeedbackItem {
  predictionId: string;
  /** One ground-truth value per row of the prediction (a scalar for a one-row request). */
  truth: (string | number)[];
}

export interface FeedbackResult {
  accepted: number;
  /** Windows (deployment, start) whose labels changed: their performance and bias rules are evaluated again. */
  windows: { deployment: string; windowStart: number }[];
}

export const MAX_FEEDBACK_ITEMS = 10_000;

/** `{predictionId, label|value}` or `{items: [...]}` → items; errors name the item, the field and the value. */
export function parseFeedback(body: Record<string, unknown>): FeedbackItem[] {
  if ('items' in body) {
    const extra = Object.keys(body).find((k) => k !== 'items');
    if (extra !== undefined)
      throw invalid(
        `Unknown field ${show(extra)} beside 'items': send one prediction's fields or a list of items.`,
      );
    const items = optionalArray(body.items, 'items', { max: MAX_FEEDBACK_ITEMS });
    if (items.length === 0) throw invalid(`'items' is empty: send at least one {predictionId, label|value}.`);
    return items.map((item, i) => parseItem(requireObject(item, `items[${i}]`), `items[${i}].`));
  }
  return [parseItem(body, '')];
}

function parseItem(o: Record<string, unknown>, prefix: string): FeedbackItem {
  const extra = Object.keys(o).find((k) => !['predictionId', 'label', 'value'].includes(k));
  if (extra !== undefined)
    throw invalid(`Unknown field ${show(`${prefix}${extra}`)}: expected predictionId and label (or value).`);
  const predictionId = requireString(o.predictionId, `${prefix}predictionId`, { max: 64 });
  if ('label' in o && 'value' in o)
    throw invalid(
      `${prefix}label and ${prefix}value are both given: send 'label' (classes) or 'value' (regression).`,
    );
  const field = 'label' in o ? 'label' : 'value';
  const raw = o[field];
  if (raw === undefined)
    throw invalid(`Missing value for required parameter '${prefix}label' (or '${prefix}value').`);
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw invalid(`${prefix}${field} is an empty list.`);
  for (const v of list)
    if (!(typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))))
      throw invalid(
        `Invalid ${prefix}${field} ${show(raw)}: expected a class (string or number) or a finite number, or a list of them (one per row of the request).`,
      );
  return { predictionId, truth: list as (string | number)[] };
}

/**
 * Joins ground truth to stored predictions, all or nothing: every item is checked first (unknown or expired id,
 * feedback already given, wrong type or count), then all labels are written in one transaction. A label is written
 * only where none is set, so two concurrent deliveries of the same feedback cannot both succeed.
 */
export async function recordFeedback(
  store: Store,
  configs: MonitorConfigStore,
  items: readonly FeedbackItem[],
  now = Date.now(),
): Promise<FeedbackResult> {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.predictionId))
      throw new MloopError(
        'RESOURCE_CONFLICT',
        `Feedback for prediction ${show(item.predictionId)} appears twice in the request.`,
      );
    seen.add(item.predictionId);
  }
  const ids = [...seen];
  const rows: {
    prediction_id: string;
    deployment: string;
    timestamp: number;
    window_start: number;
    output: string;
    label: string | null;
  }[] = [];
  for (let i = 0; i < ids.length; i += 500)
    rows.push(
      ...(await store.db
        .selectFrom('monitor_predictions')
        .select(['prediction_id', 'deployment', 'timestamp', 'window_start', 'output', 'label'])
        .where('prediction_id', 'in', ids.slice(i, i + 500))
        .where('shadow', '=', 0)
        .execute()),
    );
  const byId = new Map(rows.map((r) => [r.prediction_id, r]));
  const windows = new Map<string, { deployment: string; windowStart: number }>();
  for (const item of items) {
    const row = byId.get(item.predictionId);
    if (!row) {
      const made = uuidv7Time(item.predictionId);
      const horizon = now - (await shortestRetention(configs));
      if (made !== undefined && made < horizon)
        throw notFound(
          `Prediction ${show(item.predictionId)} expired: it was made at ${new Date(made).toISOString()}, and predictions are kept for ground truth only for the deployment's retentionMs. Nothing was recorded.`,
        );
      throw notFound(
        `Unknown prediction ${show(item.predictionId)}: no prediction with that id is stored (ids come from the x-mloop-prediction-id header or parameters.prediction_id of the answer). Nothing was recorded.`,
      );
    }
    const config = await configs.get(row.deployment);
    if (Number(row.timestamp) < now - config.retentionMs)
      throw notFound(
        `Prediction ${show(item.predictionId)} expired: it is older than the retention period of deployment ${show(row.deployment)} (${config.retentionMs} ms). Nothing was recorded.`,
      );
    if (row.label !== null)
      throw new MloopError(
        'RESOURCE_CONFLICT',
        `Prediction ${show(item.predictionId)} already has feedback (${row.label}); feedback is recorded once. Nothing was recorded.`,
      );
    checkTruth(item, JSON.parse(row.output) as StoredOutput);
    windows.set(`${row.deployment}\u0000${row.window_start}`, {
      deployment: row.deployment,
      windowStart: Number(row.window_start),
    });
  }
  await store.db.transaction().execute(async (tx) => {
    for (const item of items) {
      const res = await tx
        .updateTable('monitor_predictions')
        .set({ label: JSON.stringify(item.truth), label_time: now })
        .where('prediction_id', '=', item.predictionId)
        .where('label', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0)
        throw new MloopError(
          'RESOURCE_CONFLICT',
          `Prediction ${show(item.predictionId)} received feedback concurrently; feedback is recorded once. Nothing was recorded.`,
        );
    }
  });
  return { accepted: items.length, windows: [...windows.values()] };
}

/** The shortest retention of any deployment: an id older than it may have been purged. */
async function shortestRetention(configs: MonitorConfigStore): Promise<number> {
  let shortest = DEFAULT_CONFIG.retentionMs;
  for (const d of await configs.list()) shortest = Math.min(shortest, (await configs.get(d)).retentionMs);
  return shortest;
}

function checkTruth(item: FeedbackItem, output: StoredOutput): void {
  const id = show(item.predictionId);
  if (item.truth.length !== output.y.length)
    throw invalid(
      `Feedback for prediction ${id} has ${item.truth.length} value(s); the request had ${output.y.length} row(s): send one per row.`,
    );
  if (output.task === 'regression') {
    const bad = item.truth.find((v) => typeof v !== 'number');
    if (bad !== undefined)
      throw invalid(
        `Invalid value ${show(bad)} for prediction ${id}: the model is a regressor, so the ground truth is a number.`,
      );
    return;
  }
  const classes = output.classes;
  for (const v of item.truth) {
    if (classes) {
      if (!classes.some((c) => c === v))
        throw invalid(
          `Invalid label ${show(v)} for prediction ${id}: expected one of the model's classes ${show(classes)} (same type: ${typeof classes[0]}).`,
        );
    } else if (typeof v !== typeof output.y[0])
      throw invalid(
        `Invalid label ${show(v)} for prediction ${id}: the model predicts ${typeof output.y[0]} labels such as ${show(output.y[0])}.`,
      );
  }
}
