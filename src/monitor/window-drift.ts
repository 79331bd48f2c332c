import type { DataProfile } from '../data/profile/profile.js';

/** Drift of one window against its reference, as monitoring reports and alerts on it. */
export interface WindowDrift {
  /** Share of tested columns that drifted; the dataset drifted when share ≥ shareThreshold. */
  share: number;
  shareThreshold: number;
  drifted: boolean;
  driftedColumns: string[];
  columns: Record<string, { method: string; score: number; threshold: number; drifted: boolean }>;
  /** Columns not tested, with why (not in the reference, no values in the window, …). */
  skipped: { column: string; reason: string }[];
}

/** Compares a window's input profile with the reference profile; the drift statistics live in monitor/drift/. */
export type DriftFn = (reference: DataProfile, current: DataProfile) => WindowDrift;
