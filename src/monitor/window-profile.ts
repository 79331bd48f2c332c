import { type DataProfile, mergeProfiles, ProfileBuilder } from '../data/profile/profile.js';
import type { Batch } from '../data/table/types.js';

/** What one window gathered since the last flush, as profiles: the unit that is merged into the stored row. */
export interface WindowDelta {
  inputs: DataProfile;
  outputs: DataProfile;
  latency: DataProfile;
  requests: number;
  errors: number;
}

/** The stored row of a window as read from the store (JSON texts), before this flush. */
export interface StoredWindow {
  inputs: string;
  outputs: string;
  latency: string | null;
  requests: number;
  errors: number;
}

/** One window's share of a flush: its rows as column batches, and what a failed earlier flush left to write. */
export interface WindowJob {
  inputs: Batch | null;
  outputs: Batch | null;
  latency: Float64Array;
  requests: number;
  errors: number;
  carried?: WindowDelta;
  stored?: StoredWindow;
}

/** The delta of the job (kept to retry a failed write) and the row to write: the stored row merged with it. */
export interface WindowResult {
  delta: WindowDelta;
  row: { inputs: string; outputs: string; latency: string; requests: number; errors: number };
}

/**
 * Builds a window's profiles from its rows and merges them into its stored row. This is the heavy part of
 * monitoring (sketch updates for every value, then JSON), so it runs in the profiling worker, off the event loop
 * that answers requests; `profileWindow` is also the fallback when no worker can be started.
 */
export function profileWindow(job: WindowJob): WindowResult {
  const profile = (batch: Batch | null) => {
    const b = new ProfileBuilder();
    if (batch && batch.numRows > 0) b.add(batch);
    return b.build();
  };
  const latency = new ProfileBuilder();
  if (job.latency.length)
    latency.add({
      columns: [{ name: 'latency_ms', type: 'float', values: job.latency }],
      numRows: job.latency.length,
      rowOffset: 0,
    });
  const fresh: WindowDelta = {
    inputs: profile(job.inputs),
    outputs: profile(job.outputs),
    latency: latency.build(),
    requests: job.requests,
    errors: job.errors,
  };
  const delta = job.carried ? mergeDelta(job.carried, fresh) : fresh;
  const s = job.stored;
  const merged = s
    ? mergeDelta(
        {
          inputs: JSON.parse(s.inputs) as DataProfile,
          outputs: JSON.parse(s.outputs) as DataProfile,
          latency: s.latency ? (JSON.parse(s.latency) as DataProfile) : new ProfileBuilder().build(),
          requests: s.requests,
          errors: s.errors,
        },
        delta,
      )
    : delta;
  return {
    delta,
    row: {
      inputs: JSON.stringify(merged.inputs),
      outputs: JSON.stringify(merged.outputs),
      latency: JSON.stringify(merged.latency),
      requests: merged.requests,
      errors: merged.errors,
    },
  };
}

export function mergeDelta(a: WindowDelta, b: WindowDelta): WindowDelta {
  return {
    inputs: mergeProfiles(a.inputs, b.inputs),
    outputs: mergeProfiles(a.outputs, b.outputs),
    latency: mergeProfiles(a.latency, b.latency),
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
  };
}
