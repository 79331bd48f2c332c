import { invalid } from '../core/errors.js';
import { optionalArray, optionalInt, optionalString } from '../core/validate.js';
import type { Store } from '../store/open-store.js';
import { LIMITS } from './limits.js';
import { storedValue } from './metric-values.js';
import type { RunService } from './run-service.js';
import { decodePageToken, encodePageToken } from './search/page-token.js';
import type { Metric } from './types.js';
import { validateKey, validateRunId } from './validation.js';

export class MetricHistoryService {
  constructor(
    private readonly store: Store,
    private readonly runs: RunService,
  ) {}

  /** A metric's full series ordered by step then time; paginated only when max_results is given, as in MLflow. */
  async history(input: { runId: unknown; key: unknown; maxResults?: unknown; pageToken?: unknown }): Promise<{
    metrics: Metric[];
    nextPageToken?: string;
  }> {
    const key = validateKey(input.key, 'metric_key');
    const info = await this.runs.getInfo(input.runId);
    const maxResults = optionalInt(input.maxResults, 'max_results', {
      min: 1,
      max: LIMITS.metricHistoryMaxResults,
    });
    const offset = decodePageToken(optionalString(input.pageToken, 'page_token'));
    let query = this.store.db
      .selectFrom('metrics')
      .select(['key', 'value', 'timestamp', 'step', 'is_nan'])
      .where('run_id', '=', info.runId)
      .where('key', '=', key)
      .orderBy('step')
      .orderBy('timestamp')
      .orderBy('value');
    if (maxResults !== undefined) query = query.limit(maxResults + 1).offset(offset);
    const rows = await query.execute();
    const page = maxResults !== undefined ? rows.slice(0, maxResults) : rows;
    const metrics = page.map((r) => ({
      key: r.key,
      value: storedValue(r),
      timestamp: r.timestamp,
      step: r.step,
    }));
    return maxResults !== undefined && rows.length > maxResults
      ? { metrics, nextPageToken: encodePageToken(offset + maxResults) }
      : { metrics };
  }

  /**
   * Down-samples several runs' series to at most max_results steps each, always keeping the first and last step
   * (MLflow's get-history-bulk-interval), so a chart of a million points moves only a few thousand.
   */
  async bulkInterval(input: {
    runIds: unknown;
    key: unknown;
    startStep?: unknown;
    endStep?: unknown;
    maxResults?: unknown;
  }): Promise<(Metric & { runId: string })[]> {
    const runIds = optionalArray(input.runIds, 'run_ids', { max: LIMITS.bulkIntervalMaxRuns }).map((id, i) =>
      validateRunId(id, `run_ids[${i}]`),
    );
    if (runIds.length === 0) throw invalid(`Missing value for required parameter 'run_ids'.`);
    const key = validateKey(input.key, 'metric_key');
    const maxResults =
      optionalInt(input.maxResults, 'max_results', { min: 1, max: LIMITS.bulkIntervalMaxResults }) ??
      LIMITS.bulkIntervalMaxResults;
    const startStep = optionalInt(input.startStep, 'start_step');
    const endStep = optionalInt(input.endStep, 'end_step');
    if ((startStep === undefined) !== (endStep === undefined)) {
      throw invalid(
        `'start_step' and 'end_step' must be given together (got start_step=${startStep}, end_step=${endStep}).`,
      );
    }
    if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
      throw invalid(`'start_step' (${startStep}) must not be greater than 'end_step' (${endStep}).`);
    }
    const out: (Metric & { runId: string })[] = [];
    for (const runId of runIds) {
      await this.runs.getInfo(runId);
      let steps = this.store.db
        .selectFrom('metrics')
        .select('step')
        .distinct()
        .where('run_id', '=', runId)
        .where('key', '=', key);
      if (startStep !== undefined && endStep !== undefined)
        steps = steps.where('step', '>=', startStep).where('step', '<=', endStep);
      const all = (await steps.orderBy('step').execute()).map((r) => r.step);
      const chosen = sampleSteps(all, maxResults);
      for (let i = 0; i < chosen.length; i += 1000) {
        const rows = await this.store.db
          .selectFrom('metrics')
          .select(['key', 'value', 'timestamp', 'step', 'is_nan'])
          .where('run_id', '=', runId)
          .where('key', '=', key)
          .where('step', 'in', chosen.slice(i, i + 1000))
          .orderBy('step')
          .orderBy('timestamp')
          .execute();
        for (const r of rows)
          out.push({ runId, key: r.key, value: storedValue(r), timestamp: r.timestamp, step: r.step });
      }
    }
    return out;
  }
}

/** Evenly spaced steps from a sorted list, always including its first and last. */
export function sampleSteps(steps: readonly number[], max: number): number[] {
  if (steps.length <= max) return [...steps];
  if (max === 1) return [steps[steps.length - 1]!];
  const out = new Set<number>();
  for (let i = 0; i < max; i++) out.add(steps[Math.round((i * (steps.length - 1)) / (max - 1))]!);
  return [...out];
}
