import { invalid, show } from '../core/errors.js';
import { optionalInt, requireInt } from '../core/validate.js';
import type { MetricTable } from '../store/schema.js';
import { DBL_MAX } from './limits.js';
import { validateKey } from './validation.js';

const SPECIAL: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

/** Metric values arrive as JSON numbers or as protobuf-JSON's "NaN"/"Infinity"/"-Infinity" strings. */
export function metricValue(value: unknown, field: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value in SPECIAL) return SPECIAL[value]!;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  if (value === undefined || value === null)
    throw invalid(`Missing value for required parameter '${field}'.`);
  throw invalid(
    `Invalid value ${show(value)} for parameter '${field}' supplied: expected a number (or "NaN", "Infinity", "-Infinity").`,
  );
}

/**
 * One stored point: NaN keeps value 0 with is_nan set, ±Inf is clamped to ±DBL_MAX (MLflow's storage rules).
 * `knownKeys` holds keys already validated in the same batch, so a batch of 1000 points over 10 keys checks 10 keys;
 * well-typed fields skip the general validators (which accept the same values), keeping the ingest loop lean.
 */
export function toMetricRow(
  runId: string,
  raw: { key?: unknown; value?: unknown; timestamp?: unknown; step?: unknown },
  field: string,
  knownKeys?: Set<string>,
): MetricTable {
  let key: string;
  if (typeof raw.key === 'string' && knownKeys?.has(raw.key)) key = raw.key;
  else {
    key = validateKey(raw.key, `${field}.key`);
    knownKeys?.add(key);
  }
  const v = typeof raw.value === 'number' ? raw.value : metricValue(raw.value, `${field}.value`);
  const timestamp =
    typeof raw.timestamp === 'number' && Number.isSafeInteger(raw.timestamp) && raw.timestamp >= 0
      ? raw.timestamp
      : requireInt(raw.timestamp, `${field}.timestamp`, { min: 0 });
  const step =
    typeof raw.step === 'number' && Number.isSafeInteger(raw.step)
      ? raw.step
      : (optionalInt(raw.step, `${field}.step`) ?? 0);
  const isNan = Number.isNaN(v);
  const value = isNan
    ? 0
    : v === Number.POSITIVE_INFINITY
      ? DBL_MAX
      : v === Number.NEGATIVE_INFINITY
        ? -DBL_MAX
        : v;
  return { run_id: runId, key, value, timestamp, step, is_nan: isNan ? 1 : 0 };
}

export const storedValue = (row: { value: number; is_nan: number }): number =>
  row.is_nan ? Number.NaN : row.value;
