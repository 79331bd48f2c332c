import type { StatCache } from '../data/hash/stat-cache.js';
import { hashOne } from './fingerprint.js';
import { type Dag, topoOrder } from './graph.js';
import { type HashedPath, readLock } from './lock.js';
import { producedPaths } from './spec.js';
import { type Reason, staleness } from './staleness.js';

export interface StageStatusReport {
  stage: string;
  stale: boolean;
  reasons: Reason[];
}

/** Which stages `repro` would run, and why, from the working tree and mloop.lock (nothing is run or written). */
export async function pipelineStatus(
  root: string,
  dag: Dag,
  statCache?: StatCache,
): Promise<StageStatusReport[]> {
  const lock = readLock(root);
  const stale = new Set<string>();
  const out: StageStatusReport[] = [];
  for (const name of topoOrder(dag)) {
    const stage = dag.stages.get(name)!;
    const hash = async (paths: string[]) => {
      const m = new Map<string, HashedPath | undefined>();
      for (const p of paths) m.set(p, await hashOne(root, p, statCache));
      return m;
    };
    const ups = [...dag.upstream.get(name)!].filter((u) => stale.has(u));
    const reasons = staleness(
      stage,
      lock.stages[name],
      await hash(stage.deps),
      await hash(producedPaths(stage)),
      ups,
    );
    if (reasons.length) stale.add(name);
    out.push({ stage: name, stale: reasons.length > 0, reasons });
  }
  return out;
}
