import type { Store } from '../store/open-store.js';
import type { MonitorConfig } from './config.js';
import type { PerformanceReport } from './performance.js';
import type { ReferenceCache } from './reference.js';
import type { DriftFn, WindowDrift } from './window-drift.js';
import {
  type MergedWindow,
  readLabeled,
  readWindows,
  type WindowRange,
  windowPerformance,
} from './windows.js';

export interface WindowReport extends Omit<MergedWindow, 'inputs' | 'outputs'> {
  inputs?: MergedWindow['inputs'];
  outputs?: MergedWindow['outputs'];
  performance: PerformanceReport | null;
  drift: WindowDrift | null;
  /** The dataset version the window's inputs were compared with; null when none was found. */
  reference: { dataset: string; source: 'lineage' | 'config' } | null;
}

export interface ReportDeps {
  store: Store;
  references: ReferenceCache;
  drift?: DriftFn;
}

/** Every window of a deployment in a range: merged profiles, drift against the reference, performance and bias. */
export async function windowReports(
  deps: ReportDeps,
  deployment: string,
  config: MonitorConfig,
  range: WindowRange,
  opts: { profiles?: boolean } = {},
): Promise<WindowReport[]> {
  const [windows, labeled] = await Promise.all([
    readWindows(deps.store, deployment, range),
    readLabeled(deps.store, deployment, range, config),
  ]);
  const out: WindowReport[] = [];
  for (const w of windows) {
    const reference = await deps.references.get(w.model, w.modelVersion, config).catch(() => undefined);
    const drift =
      reference && deps.drift && w.inputs.rows > 0 ? deps.drift(reference.profile, w.inputs) : null;
    const { inputs, outputs, ...rest } = w;
    out.push({
      ...rest,
      ...(opts.profiles ? { inputs, outputs } : {}),
      performance: windowPerformance(w, labeled, config),
      drift,
      reference: reference ? { dataset: reference.dataset, source: reference.source } : null,
    });
  }
  return out;
}
