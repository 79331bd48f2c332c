import { readBatches } from '../table/read.js';
import type { Batch, ReadOptions, TableFormat } from '../table/types.js';
import { ColumnAccumulator, type ColumnProfile } from './column-profile.js';

export const PROFILE_VERSION = 1;

/**
 * The profile of a table: a plain JSON object, mergeable. `mergeProfiles(profile(A), profile(B))` is the profile of
 * the rows of A followed by those of B: exact fields equal (up to floating-point rounding for mean and variance),
 * sketch fields within their stated errors. Monitoring keeps one per time window.
 */
export interface DataProfile {
  version: typeof PROFILE_VERSION;
  rows: number;
  columns: ColumnProfile[];
}

/** Accumulates batches into a profile; memory is bounded by the sketches, not by the number of rows. */
export class ProfileBuilder {
  rows = 0;
  private readonly columns = new Map<string, ColumnAccumulator>();

  add(batch: Batch): void {
    const seen = new Set<string>();
    for (const column of batch.columns) {
      seen.add(column.name);
      let acc = this.columns.get(column.name);
      if (!acc) {
        acc = new ColumnAccumulator(column.name);
        // A column that appears only now was missing in every earlier row.
        acc.addMissing(this.rows);
        this.columns.set(column.name, acc);
      }
      acc.add(column);
    }
    for (const [name, acc] of this.columns) if (!seen.has(name)) acc.addMissing(batch.numRows);
    this.rows += batch.numRows;
  }

  build(): DataProfile {
    return {
      version: PROFILE_VERSION,
      rows: this.rows,
      columns: [...this.columns.values()].map((c) => c.toProfile()),
    };
  }
}

/** Profiles a stream of batches. `onBatch` sees each batch after it is counted (progress, validation). */
export async function profileBatches(
  batches: AsyncIterable<Batch> | Iterable<Batch>,
  onBatch?: (batch: Batch) => void,
): Promise<DataProfile> {
  const builder = new ProfileBuilder();
  for await (const batch of batches) {
    builder.add(batch);
    onBatch?.(batch);
  }
  return builder.build();
}

export function profileFile(
  file: string,
  opts: ReadOptions & { format?: TableFormat; onBatch?: (batch: Batch) => void } = {},
): Promise<DataProfile> {
  return profileBatches(readBatches(file, opts), opts.onBatch);
}

/** The profile of the union of two profiled tables (rows of `a`, then rows of `b`). A pure function. */
export function mergeProfiles(a: DataProfile, b: DataProfile): DataProfile {
  const names = [...a.columns.map((c) => c.name)];
  for (const c of b.columns) if (!names.includes(c.name)) names.push(c.name);
  const columns = names.map((name) => {
    const left = a.columns.find((c) => c.name === name);
    const right = b.columns.find((c) => c.name === name);
    const acc = left ? ColumnAccumulator.fromProfile(left) : missingColumn(name, a.rows);
    acc.mergeFrom(right ? ColumnAccumulator.fromProfile(right) : missingColumn(name, b.rows));
    return acc.toProfile();
  });
  return { version: PROFILE_VERSION, rows: a.rows + b.rows, columns };
}

function missingColumn(name: string, rows: number): ColumnAccumulator {
  const acc = new ColumnAccumulator(name);
  acc.addMissing(rows);
  return acc;
}
