import { show } from '../../core/errors.js';
import { type Binned, shares } from './binning.js';
import {
  DEFAULT_THRESHOLDS,
  isDrifted,
  NUMERIC_ONLY,
  P_VALUE_METHODS,
  runMethod,
  verdictRule,
} from './methods.js';
import { distinctValues, missingOf, type Pair, type Prepared, prepare, sizeOf } from './prepare.js';
import {
  type ColumnDrift,
  type ColumnDriftOptions,
  DRIFT_METHODS,
  DriftError,
  type DriftInput,
  type DriftMethod,
} from './types.js';

/** Evidently switches from p-value tests to distances above this many reference values. */
export const SMALL_REFERENCE_MAX = 1000;
export const DEFAULT_MAX_CATEGORIES = 10_000;
/** Charts show at most this many bins; a categorical column's rarest values are merged into one "other" bin. */
export const CHART_MAX_BINS = 30;

/**
 * Evidently's default test (`_get_default_stattest`): by column kind, the number of reference values (missing ones
 * not counted) and the number of distinct values of both sides together.
 */
export function defaultMethod(
  kind: 'numeric' | 'categorical',
  referenceSize: number,
  distinct: number,
): DriftMethod {
  if (referenceSize <= SMALL_REFERENCE_MAX) {
    if (kind === 'numeric' && distinct > 5) return 'ks';
    return distinct > 2 ? 'chisquare' : 'z';
  }
  if (kind === 'numeric' && distinct > 5) return 'wasserstein';
  return 'jensenshannon';
}

export function checkMethod(method: unknown, field = 'method'): DriftMethod {
  if (typeof method !== 'string' || !DRIFT_METHODS.includes(method as DriftMethod))
    throw new DriftError(
      'invalid-option',
      `${field} is ${show(method)}; expected one of ${DRIFT_METHODS.join(', ')}.`,
    );
  return method as DriftMethod;
}

export function checkThreshold(method: DriftMethod, threshold: unknown, field = 'threshold'): number {
  if (typeof threshold !== 'number' || !Number.isFinite(threshold))
    throw new DriftError('invalid-option', `${field} is ${show(threshold)}; expected a finite number.`);
  if (P_VALUE_METHODS.has(method) && !(threshold > 0 && threshold < 1))
    throw new DriftError(
      'invalid-option',
      `${field} is ${threshold}, but ${method} compares a p-value with it; use a significance level between 0 and 1 (exclusive), e.g. 0.05.`,
    );
  if (!P_VALUE_METHODS.has(method) && threshold < 0)
    throw new DriftError(
      'invalid-option',
      `${field} is ${threshold}, but ${method} is a distance (≥ 0); use a threshold ≥ 0, e.g. 0.1.`,
    );
  return threshold;
}

/** Tests one column for drift between a reference and a current sample. Throws `DriftError` when it cannot. */
export function columnDrift(
  column: string,
  reference: DriftInput,
  current: DriftInput,
  opts: ColumnDriftOptions = {},
): ColumnDrift {
  const ref = prepare(column, 'reference', reference);
  const cur = prepare(column, 'current', current);
  return driftOfPrepared(column, ref, cur, opts);
}

export function driftOfPrepared(
  column: string,
  ref: Prepared,
  cur: Prepared,
  opts: ColumnDriftOptions,
): ColumnDrift {
  if (opts.method !== undefined) checkMethod(opts.method);
  const maxCategories = opts.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  if (!(typeof maxCategories === 'number' && maxCategories >= 1))
    throw new DriftError(
      'invalid-option',
      `maxCategories is ${show(opts.maxCategories)}; expected a number ≥ 1 (Infinity for no limit).`,
    );
  const refSize = sizeOf(ref);
  const curSize = sizeOf(cur);
  if (refSize === 0)
    throw new DriftError(
      'empty-reference',
      `column "${column}" has no non-missing values in the reference (${missingOf(ref)} missing); there is nothing to compare against.`,
    );
  if (curSize === 0)
    throw new DriftError(
      'empty-current',
      `column "${column}" has no non-missing values in the current data (${missingOf(cur)} missing); there is nothing to test.`,
    );
  if (ref.kind !== cur.kind)
    throw new DriftError(
      'type-mismatch',
      `column "${column}" is ${ref.kind} in the reference but ${cur.kind} in the current data; both sides must hold the same kind of values.`,
    );
  const pair = { ref, cur } as Pair;
  const distinct = distinctValues(pair);
  if (ref.kind === 'categorical' && distinct > maxCategories)
    throw new DriftError(
      'too-many-categories',
      `column "${column}" has ${distinct.toLocaleString('en-US')} distinct values (more than maxCategories = ${maxCategories.toLocaleString('en-US')}); it looks like an identifier or free text. Raise maxCategories to test it anyway.`,
    );
  const method = opts.method ?? defaultMethod(ref.kind, refSize, distinct);
  if (ref.kind === 'categorical' && NUMERIC_ONLY.has(method))
    throw new DriftError(
      'method-not-applicable',
      `method ${method} needs numbers, but column "${column}" is categorical; use one of ${DRIFT_METHODS.filter((m) => !NUMERIC_ONLY.has(m)).join(', ')}.`,
    );
  const threshold =
    opts.threshold === undefined ? DEFAULT_THRESHOLDS[method] : checkThreshold(method, opts.threshold);
  const result = runMethod(method, pair);
  const drifted = isDrifted(method, result.statistic, result.pValue, threshold);
  const approximate = [
    ref.approximate && `reference: ${ref.approximate}`,
    cur.approximate && `current: ${cur.approximate}`,
  ]
    .filter(Boolean)
    .join('; ');
  return {
    column,
    kind: ref.kind,
    method,
    statistic: result.statistic,
    ...(result.pValue === undefined ? {} : { pValue: result.pValue }),
    threshold,
    drifted,
    convention: `${result.convention}; ${verdictRule(method)}${opts.method === undefined ? ' (default test for this column, as Evidently picks it)' : ''}`,
    referenceSize: refSize,
    currentSize: curSize,
    referenceMissing: missingOf(ref),
    currentMissing: missingOf(cur),
    distinctValues: distinct,
    ...(approximate ? { approximate } : {}),
    distribution: chartOf(result.chart),
  };
}

/** Shares per bin for charts; categorical bins beyond CHART_MAX_BINS merged into "other (N values)". */
function chartOf(bins: Binned): ColumnDrift['distribution'] {
  const ref = shares(bins.reference);
  const cur = shares(bins.current);
  if (bins.edges || bins.labels.length <= CHART_MAX_BINS)
    return {
      bins: bins.labels,
      reference: Array.from(ref),
      current: Array.from(cur),
      ...(bins.edges ? { edges: bins.edges } : {}),
    };
  const order = bins.labels.map((_, i) => i).sort((a, b) => ref[b]! + cur[b]! - (ref[a]! + cur[a]!));
  const kept = order.slice(0, CHART_MAX_BINS - 1);
  const rest = order.slice(CHART_MAX_BINS - 1);
  let restRef = 0;
  let restCur = 0;
  for (const i of rest) {
    restRef += ref[i]!;
    restCur += cur[i]!;
  }
  return {
    bins: [...kept.map((i) => bins.labels[i]!), `other (${rest.length} values)`],
    reference: [...kept.map((i) => ref[i]!), restRef],
    current: [...kept.map((i) => cur[i]!), restCur],
  };
}
