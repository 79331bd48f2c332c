import { sql } from 'kysely';
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
    const seriesId = await this.seriesId(info.runId, key);
    if (seriesId === undefined) return { metrics: [] };
    let query = this.store.db
      .selectFrom('metric_points')
      .select(['value', 'timestamp', 'step', 'is_nan'])
      .where('series_id', '=', seriesId)
      .orderBy('step')
      .orderBy('timestamp')
      .orderBy('value');
    if (maxResults !== undefined) query = query.limit(maxResults + 1).offset(offset);
    const rows = await query.execute();
    const page = maxResults !== undefined ? rows.slice(0, maxResults) : rows;
    const metrics = page.map((r) => ({
      key,
      value: storedValue(r),
      timestamp: r.timestamp,
      step: r.step,
    }));
    return maxResults !== undefined && rows.length > maxResults
      ? { metrics, nextPageToken: encodePageToken(offset + maxResults) }
      : { metrics };
  }

  /** The integer id a run's metric is stored under; none until the first point of it is logged. */
  private async seriesId(runId: string, key: string): Promise<number | undefined> {
    const row = await this.store.db
      .selectFrom('metric_series')
      .select('series_id')
      .where('run_id', '=', runId)
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.series_id;
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
      const seriesId = await this.seriesId(runId, key);
      if (seriesId === undefined) continue;
      const chosen = await this.sampledSteps(seriesId, maxResults, startStep, endStep);
      for (let i = 0; i < chosen.length; i += 1000) {
        const rows = await this.store.db
          .selectFrom('metric_points')
          .select(['value', 'timestamp', 'step', 'is_nan'])
          .where('series_id', '=', seriesId)
          .where('step', 'in', chosen.slice(i, i + 1000))
          .orderBy('step')
          .orderBy('timestamp')
          .execute();
        for (const r of rows)
          out.push({ runId, key, value: storedValue(r), timestamp: r.timestamp, step: r.step });
      }
    }
    return out;
  }

  /**
   * The steps a chart of at most `max` steps shows. With at most `max` distinct steps, all of them (as MLflow).
   * With more, MLflow ranks every step in memory, which for a million points takes seconds; here the targets
   * are spread evenly over the step *range* and each is resolved to the first logged step at or after it by an
   * index seek, so the cost depends on `max`, not on the length of the series. For evenly spaced steps (the
   * usual 0, 1, 2, … or 0, 10, 20, …) the result is the same steps MLflow picks; first and last are always kept.
   */
  private async sampledSteps(
    seriesId: number,
    max: number,
    startStep: number | undefined,
    endStep: number | undefined,
  ): Promise<number[]> {
    const series = () => {
      let q = this.store.db.selectFrom('metric_points').where('series_id', '=', seriesId);
      if (startStep !== undefined && endStep !== undefined)
        q = q.where('step', '>=', startStep).where('step', '<=', endStep);
      return q;
    };
    const head = await series()
      .select('step')
      .groupBy('step')
      .orderBy('step')
      .limit(max + 1)
      .execute();
    if (head.length <= max) return head.map((r) => r.step);
    const last = await series()
      .select((eb) => eb.fn.max('step').as('step'))
      .executeTakeFirstOrThrow();
    const targets = stepTargets(head[0]!.step, Number(last.step), max);
    const found = new Set<number>();
    for (let i = 0; i < targets.length; i += 1000) {
      const values = targets.slice(i, i + 1000).map((t) => sql`(cast(${t} as bigint))`);
      const { rows } = await sql<{ step: number | string }>`
        select (select min(m.step) from metric_points m
                where m.series_id = ${seriesId} and m.step >= t.column1) as step
        from (values ${sql.join(values)}) as t`.execute(this.store.db);
      for (const r of rows) found.add(Number(r.step));
    }
    return [...found].sort((a, b) => a - b);
  }
}

/** `max` step values spread evenly from `first` to `last`, both included. */
export function stepTargets(first: number, last: number, max: number): number[] {
  if (max === 1) return [last];
  const out: number[] = [];
  for (let i = 0; i < max; i++) out.push(first + Math.round((i * (last - first)) / (max - 1)));
  return out;
}
