/** The machine-readable account of a demo (`mloop demo --json`). */
export interface DemoSummary {
  /** True when the loop promoted a retrained model at least once. */
  ok: boolean;
  url: string;
  dir: string;
  seconds: number;
  data: {
    dataset: string;
    source: string;
    versions: { version: number; month: string; rows: number; lateRate: number }[];
    validation: {
      file: string;
      rows: number;
      anomalies: { column: string; rule: string; count: number }[];
    } | null;
  };
  model: {
    name: string;
    versions: { version: string; trainedOn: string; run: string; by: string }[];
    aliases: Record<string, string>;
  };
  /** The first model on its held-out January week. */
  baseline: { data: string; rows: number; metrics: Record<string, number> } | null;
  months: MonthSummary[];
  loopRuns: LoopRunSummary[];
  deployment: { name: string; routes: { model: string; weight: number }[] };
}

export interface MonthSummary {
  month: string;
  flights: number;
  lateRate: number;
  requests: number;
  failed: number;
  answeredBy: Record<string, number>;
  labels: number;
  /** The data version the month's labeled flights became. */
  dataVersion: number;
  windows: {
    modelVersion: string;
    rows: number;
    drift: {
      share: number;
      drifted: boolean;
      driftedColumns: string[];
      statistics: Record<string, number>;
    } | null;
    performance: Record<string, number> | null;
  }[];
}

export interface LoopRunSummary {
  id: string;
  trigger: string;
  state: string;
  champion?: string;
  challenger?: string;
  dataVersion?: number;
  gate: { blessed: boolean; numbers: Record<string, Record<string, number>> } | null;
  canary: Record<string, number> | null;
  reason?: string;
  events: string[];
}

/** The numeric fields of `o` among `keys`. */
export function pickNumbers<T extends Record<string, unknown>>(o: T, keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) if (typeof o[k] === 'number') out[k] = o[k] as number;
  return out;
}
