import { show } from '../../core/errors.js';
import { checkMethod, driftOfPrepared } from './column-drift.js';
import { prepare } from './prepare.js';
import {
  type ColumnDrift,
  type DatasetDrift,
  type DatasetDriftOptions,
  DriftError,
  type DriftInput,
} from './types.js';

/** Evidently's default `drift_share`. */
export const DEFAULT_SHARE_THRESHOLD = 0.5;

/** Reasons a column is skipped rather than failing the whole dataset. */
const SKIP_REASONS = new Set([
  'missing-column',
  'empty-reference',
  'empty-current',
  'type-mismatch',
  'method-not-applicable',
  'too-many-categories',
  'timestamp-column',
]);

/**
 * Tests every column of either side and decides dataset drift as Evidently does: drifted when the share of drifted
 * columns among the tested ones is ≥ `shareThreshold` (default 0.5). Columns that cannot be tested are listed in
 * `skipped` with the reason; invalid options throw `DriftError`.
 */
export function datasetDrift(
  reference: Map<string, DriftInput>,
  current: Map<string, DriftInput>,
  opts: DatasetDriftOptions = {},
): DatasetDrift {
  const shareThreshold = opts.shareThreshold ?? DEFAULT_SHARE_THRESHOLD;
  if (!(typeof shareThreshold === 'number' && shareThreshold >= 0 && shareThreshold <= 1))
    throw new DriftError(
      'invalid-option',
      `shareThreshold is ${show(opts.shareThreshold)}; expected a share between 0 and 1, e.g. 0.5.`,
    );
  if (opts.method !== undefined) checkMethod(opts.method);
  for (const [column, method] of Object.entries(opts.methods ?? {}))
    checkMethod(method, `methods[${JSON.stringify(column)}]`);
  // Thresholds are checked against each column's method as it is tested (a p-value level must lie in (0, 1)).
  if (opts.threshold !== undefined) checkFinite(opts.threshold, 'threshold');
  for (const [column, t] of Object.entries(opts.thresholds ?? {}))
    checkFinite(t, `thresholds[${JSON.stringify(column)}]`);

  const named = opts.columns ? new Set(opts.columns) : undefined;
  const names = [...new Set(opts.columns ?? [...reference.keys(), ...current.keys()])];
  const columns: ColumnDrift[] = [];
  const skipped: DatasetDrift['skipped'] = [];
  for (const column of names) {
    const r = reference.get(column);
    const c = current.get(column);
    if (!r || !c) {
      skipped.push({
        column,
        code: 'missing-column',
        reason:
          !r && !c
            ? `column "${column}" is in neither the reference nor the current data.`
            : `column "${column}" is only in the ${r ? 'reference' : 'current'} data.`,
      });
      continue;
    }
    try {
      const ref = prepare(column, 'reference', r);
      const cur = prepare(column, 'current', c);
      const timestamp =
        (ref.kind === 'numeric' && ref.timestamp) || (cur.kind === 'numeric' && cur.timestamp);
      if (timestamp && !named?.has(column))
        throw new DriftError(
          'timestamp-column',
          `column "${column}" holds timestamps, which move with time rather than drift; name it in columns to test it anyway.`,
        );
      const method = opts.methods?.[column] ?? opts.method;
      const threshold = opts.thresholds?.[column] ?? opts.threshold;
      columns.push(
        driftOfPrepared(column, ref, cur, {
          ...(method ? { method } : {}),
          ...(threshold === undefined ? {} : { threshold }),
          ...(opts.maxCategories === undefined ? {} : { maxCategories: opts.maxCategories }),
        }),
      );
    } catch (err) {
      if (err instanceof DriftError && err.reason === 'invalid-option')
        throw new DriftError('invalid-option', `column "${column}": ${err.message}`);
      if (!(err instanceof DriftError) || !SKIP_REASONS.has(err.reason)) throw err;
      // A method named for this very column that does not fit it is the caller's error, not a skip.
      if (err.reason === 'method-not-applicable' && opts.methods?.[column]) throw err;
      skipped.push({ column, code: err.reason, reason: err.message });
    }
  }
  const driftedColumns = columns.filter((c) => c.drifted).length;
  const share = columns.length ? driftedColumns / columns.length : 0;
  return {
    columns,
    driftedColumns,
    share,
    shareThreshold,
    drifted: columns.length > 0 && share >= shareThreshold,
    skipped,
  };
}

function checkFinite(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new DriftError('invalid-option', `${field} is ${show(value)}; expected a finite number.`);
}
