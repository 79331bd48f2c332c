import { encodeJsonNumber, type JsonNumber } from '../core/json-number.js';
import type { Metric, Page, Run } from './types.js';

/** Domain objects as the native API sends them: the same camelCase shapes, NaN/±Infinity as strings. */
export type MetricJson = Omit<Metric, 'value'> & { value: JsonNumber };
export type RunJson = Omit<Run, 'data'> & { data: Omit<Run['data'], 'metrics'> & { metrics: MetricJson[] } };

export const metricJson = (m: Metric): MetricJson => ({ ...m, value: encodeJsonNumber(m.value) });

export const runJson = (r: Run): RunJson => ({
  ...r,
  data: { ...r.data, metrics: r.data.metrics.map(metricJson) },
});

export const pageJson = <T>(items: T[], nextPageToken: string | undefined): Page<T> =>
  nextPageToken ? { items, nextPageToken } : { items };
