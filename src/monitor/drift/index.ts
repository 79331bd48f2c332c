/**
 * Statistical drift tests between a reference and a current sample, per column and per dataset, with Evidently's
 * default test selection and thresholds and scipy-exact statistics. See docs/monitoring.md.
 */
export { columnDrift, DEFAULT_MAX_CATEGORIES, defaultMethod, SMALL_REFERENCE_MAX } from './column-drift.js';
export { DEFAULT_SHARE_THRESHOLD, datasetDrift } from './dataset-drift.js';
export { driftInputFromProfile, driftInputsFromBatches, OTHER_VALUES } from './inputs.js';
export { DEFAULT_THRESHOLDS, P_VALUE_METHODS } from './methods.js';
export {
  type ColumnDrift,
  type ColumnDriftOptions,
  type DatasetDrift,
  type DatasetDriftOptions,
  DRIFT_METHODS,
  DriftError,
  type DriftErrorCode,
  type DriftInput,
  type DriftMethod,
} from './types.js';
