import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { profileWindow, type WindowDelta, type WindowJob } from './window-profile.js';

/** One replica's row of a window: the key of `monitor_windows`. */
export interface WindowKey {
  deployment: string;
  model_version: string;
  shadow: number;
  window_start: number;
  replica: string;
}

/** A window's share of a flush, ready to be merged into its stored row. */
export interface WindowWrite {
  key: WindowKey;
  model: string;
  windowMs: number;
  job: WindowJob;
  now: number;
}

/**
 * What became of a write. A failure says how far it got: with `delta` the rows were profiled (carry the profiles to
 * the next flush), without it they were not (carry the rows). Returned rather than thrown, so that the profiles
 * built in a worker thread cross back to the caller with the error.
 */
export type WindowWriteOutcome = { ok: true } | { ok: false; error: string; delta?: WindowDelta };

/**
 * Merges the job into this replica's row of the window: read the row, profile and merge, write the row back. No
 * other writer has this row (its key holds the replica's id, and a replica's flushes run one at a time), so the read
 * and the write need no transaction. This is the heavy part of monitoring (sketch updates for every value, JSON of
 * the profiles, and on SQLite a synchronous read and write), so it runs in the monitoring worker, on the worker's own
 * connection; on the serving thread only when no worker can reach the store.
 */
export async function writeWindow(db: Kysely<Database>, w: WindowWrite): Promise<WindowWriteOutcome> {
  let delta: WindowDelta | undefined;
  try {
    const { key } = w;
    const row = await db
      .selectFrom('monitor_windows')
      .select(['requests', 'errors', 'inputs', 'outputs', 'latency'])
      .where('deployment', '=', key.deployment)
      .where('window_start', '=', key.window_start)
      .where('model_version', '=', key.model_version)
      .where('shadow', '=', key.shadow)
      .where('replica', '=', key.replica)
      .executeTakeFirst();
    const stored = row
      ? {
          inputs: row.inputs,
          outputs: row.outputs,
          latency: row.latency,
          requests: Number(row.requests),
          errors: Number(row.errors),
        }
      : undefined;
    const result = profileWindow(stored ? { ...w.job, stored } : w.job);
    delta = result.delta;
    const values = { model: w.model, window_ms: w.windowMs, ...result.row, updated_at: w.now };
    await db
      .insertInto('monitor_windows')
      .values({ ...key, ...values })
      .onConflict((oc) =>
        oc.columns(['deployment', 'window_start', 'model_version', 'shadow', 'replica']).doUpdateSet(values),
      )
      .execute();
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error)?.message ?? String(err), ...(delta ? { delta } : {}) };
  }
}
