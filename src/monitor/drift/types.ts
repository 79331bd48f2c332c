import { MloopError } from '../../core/errors.js';

/** The drift tests. p-value tests: `ks`, `chisquare`, `z`; the others are distances or divergences. */
export type DriftMethod =
  | 'ks'
  | 'chisquare'
  | 'z'
  | 'wasserstein'
  | 'jensenshannon'
  | 'psi'
  | 'kl_div'
  | 'hellinger'
  | 'linf';

export const DRIFT_METHODS: readonly DriftMethod[] = [
  'ks',
  'chisquare',
  'z',
  'wasserstein',
  'jensenshannon',
  'psi',
  'kl_div',
  'hellinger',
  'linf',
];

/**
 * One column of one side. Inputs are read, never modified; a numeric input's sorted form is cached by its `values`
 * array, so do not change the array after passing it in.
 */
export type DriftInput =
  | {
      kind: 'numeric';
      /** NaN = missing (ignored); ±Infinity is treated as missing too, as Evidently does. */
      values: Float64Array;
      /**
       * Optional count of each value (non-negative integers, same length as `values`): a weighted or pre-aggregated
       * sample, e.g. the items of a quantile sketch. Without it every value counts once.
       */
      weights?: Float64Array;
      /**
       * The column holds integers and no missing values (a pandas int64 column). Only used by Sturges binning, which,
       * like numpy, never makes integer bins narrower than 1.
       */
      integer?: boolean;
      /** A timestamp column (ms since the epoch): `datasetDrift` leaves it out unless it is named in `columns`. */
      timestamp?: boolean;
      /** Set when the input was rebuilt from a profile's sketches rather than read from rows. */
      approximate?: string;
    }
  | {
      kind: 'categorical';
      /** value → count (non-negative integers). */
      counts: Map<string, number>;
      /** Rows where the value was missing (reported, not tested). */
      missing?: number;
      approximate?: string;
    };

export interface ColumnDrift {
  column: string;
  kind: 'numeric' | 'categorical';
  method: DriftMethod;
  /** KS D, chi-square statistic, z statistic, or the distance itself. */
  statistic: number;
  /** Present for the p-value tests (`ks`, `chisquare`, `z`): drift when the p-value is below the threshold. */
  pValue?: number;
  threshold: number;
  drifted: boolean;
  /** e.g. "PSI, natural log, 10 quantile bins of the reference, eps 1e-4" */
  convention: string;
  /** Non-missing values tested on each side. */
  referenceSize: number;
  currentSize: number;
  /** Missing values (NaN, ±Infinity, or a categorical input's `missing`) on each side. */
  referenceMissing: number;
  currentMissing: number;
  /** Distinct non-missing values over both sides (what the default method selection looks at). */
  distinctValues: number;
  /** Present when one side was rebuilt from a profile's sketches: what was approximated. */
  approximate?: string;
  /** For charts: shares (each side sums to 1) per bin; numeric bins also carry their edges. */
  distribution: { bins: string[]; reference: number[]; current: number[]; edges?: number[] };
}

export interface DatasetDrift {
  columns: ColumnDrift[];
  driftedColumns: number;
  /** driftedColumns / columns.length (0 when no column could be tested). */
  share: number;
  shareThreshold: number;
  /** share ≥ shareThreshold, and at least one column was tested. */
  drifted: boolean;
  /** Columns that could not be tested: the message, and its stable code (e.g. 'empty-current'). */
  skipped: { column: string; reason: string; code?: DriftErrorCode }[];
}

export interface ColumnDriftOptions {
  method?: DriftMethod;
  threshold?: number;
  /**
   * Categorical columns with more distinct values than this (both sides together) are refused as likely identifiers
   * or free text. Default 10,000; `Infinity` to test any cardinality.
   */
  maxCategories?: number;
}

export interface DatasetDriftOptions {
  /** One method for every column (columns it does not apply to are skipped with a reason). */
  method?: DriftMethod;
  /** Per-column methods; they win over `method`. */
  methods?: Record<string, DriftMethod>;
  /** One threshold for every column (default: each method's own). */
  threshold?: number;
  /** Per-column thresholds; they win over `threshold`. */
  thresholds?: Record<string, number>;
  /** Dataset drift when the share of drifted columns is ≥ this. Default 0.5. */
  shareThreshold?: number;
  /** Test only these columns (and include timestamp columns named here). Default: every column of either side. */
  columns?: string[];
  maxCategories?: number;
}

export type DriftErrorCode =
  | 'missing-column'
  | 'empty-reference'
  | 'empty-current'
  | 'type-mismatch'
  | 'method-not-applicable'
  | 'too-many-categories'
  | 'timestamp-column'
  | 'invalid-option'
  | 'invalid-input';

/**
 * A column that cannot be tested, or an invalid option or input. `datasetDrift` turns the column-level reasons into
 * `skipped` entries; `invalid-option` and `invalid-input` are always thrown.
 */
export class DriftError extends MloopError {
  constructor(
    readonly reason: DriftErrorCode,
    message: string,
  ) {
    super('INVALID_PARAMETER_VALUE', message);
  }
}
