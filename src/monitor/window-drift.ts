import type { DataProfile } from '../data/profile/profile.js';
import { type DriftInput, datasetDrift, driftInputFromProfile } from './drift/index.js';

/** Drift of one window against its reference, as monitoring reports and alerts on it. */
export interface WindowDrift {
  /** Share of tested columns that drifted; the dataset drifted when share ≥ shareThreshold. */
  share: number;
  shareThreshold: number;
  drifted: boolean;
  driftedColumns: string[];
  /** `score` is the p-value of a p-value test, else the distance; `statistic` is the test statistic itself. */
  columns: Record<
    string,
    { method: string; score: number; statistic: number; threshold: number; drifted: boolean }
  >;
  /** Columns not tested, with why (not in the reference, no values in the window, …). */
  skipped: { column: string; reason: string }[];
}

/** Compares a window's input profile with the reference profile; the drift statistics live in monitor/drift/. */
export type DriftFn = (reference: DataProfile, current: DataProfile) => WindowDrift;

/**
 * The default drift of a window: `datasetDrift` (Evidently's default test per column, dataset drift at share ≥ 0.5)
 * over the window's input columns, both sides rebuilt from their profiles' sketches. A reference column the window
 * does not have, or one without values on either side, is skipped with the reason.
 */
export function profileDrift(reference: DataProfile, current: DataProfile): WindowDrift {
  const inputs = (p: DataProfile) => {
    const m = new Map<string, DriftInput>();
    for (const c of p.columns) if (c.count - c.missing > 0) m.set(c.name, driftInputFromProfile(c));
    return m;
  };
  const d = datasetDrift(inputs(reference), inputs(current), {
    columns: current.columns.map((c) => c.name),
  });
  return {
    share: d.share,
    shareThreshold: d.shareThreshold,
    drifted: d.drifted,
    driftedColumns: d.columns.filter((c) => c.drifted).map((c) => c.column),
    columns: Object.fromEntries(
      d.columns.map((c) => [
        c.column,
        {
          method: c.method,
          score: c.pValue ?? c.statistic,
          statistic: c.statistic,
          threshold: c.threshold,
          drifted: c.drifted,
        },
      ]),
    ),
    skipped: d.skipped,
  };
}
