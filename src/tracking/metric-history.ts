import { invalid } from '../core/errors.js';
import { optionalArray, optionalInt, optionalString } from '../core/validate.js';
import { readSeries, type SeriesPoints } from '../store/metric-chunks.js';
import type { Store } from '../store/open-store.js';
import { LIMITS } from './limits.js';
import { sampleSeries } from './metric-sampling.js';
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
    const series = await this.points(seriesId);
    const end = maxResults !== undefined ? Math.min(series.length, offset + maxResults) : series.length;
    const metrics: Metric[] = [];
    for (let i = Math.min(offset, end); i < end; i++) metrics.push(pointAt(key, series, i));
    return maxResults !== undefined && series.length > end
      ? { metrics, nextPageToken: encodePageToken(end) }
      : { metrics };
  }

  /** A series' points in get-history order, from its chunks. */
  private async points(seriesId: number): Promise<SeriesPoints> {
    const query = this.store.db
      .selectFrom('metric_chunks')
      .select(['data', 'points'])
      .where('series_id', '=', seriesId);
    return readSeries(await query.execute());
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
      const range =
        startStep !== undefined && endStep !== undefined ? { min: startStep, max: endStep } : undefined;
      const series = await sampleSeries(this.store, seriesId, maxResults, range);
      for (let i = 0; i < series.length; i++) out.push({ runId, ...pointAt(key, series, i) });
    }
    return out;
  }
}

/** Point `i` of a series as the API returns it (NaN from the stored NaN, the clamped ±DBL_MAX as stored). */
function pointAt(key: string, series: SeriesPoints, i: number): Metric {
  return { key, value: series.values[i]!, timestamp: series.timestamps[i]!, step: series.steps[i]! };
}
