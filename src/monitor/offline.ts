import { type Progress, SILENT } from '../data/progress.js';
import { readBatches } from '../data/table/read.js';
import type { Batch } from '../data/table/types.js';
import { datasetDrift, driftInputsFromBatches } from './drift/index.js';
import { type DatasetDrift, type DatasetDriftOptions, DriftError, type DriftInput } from './drift/types.js';

export interface FileDriftReport extends DatasetDrift {
  reference: string;
  current: string;
  referenceRows: number;
  currentRows: number;
}

/**
 * Offline drift between two table files (CSV, TSV, JSONL, Parquet, Arrow IPC): each file is streamed once into
 * per-column drift inputs, then every column is tested. Columns named in `opts.columns` must exist in at least one
 * file; the error names the columns there are.
 */
export async function driftBetweenFiles(
  reference: string,
  current: string,
  opts: DatasetDriftOptions & { progress?: Progress } = {},
): Promise<FileDriftReport> {
  const progress = opts.progress ?? SILENT;
  const ref = await readInputs(reference, opts.columns, progress);
  const cur = await readInputs(current, opts.columns, progress);
  if (opts.columns) {
    const unknown = opts.columns.filter((c) => !ref.inputs.has(c) && !cur.inputs.has(c));
    if (unknown.length)
      throw new DriftError(
        'invalid-option',
        `columns: ${unknown.map((c) => JSON.stringify(c)).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} in neither file; the columns are ${[
          ...new Set([...ref.names, ...cur.names]),
        ]
          .map((c) => JSON.stringify(c))
          .join(', ')}.`,
      );
  }
  const { progress: _, ...driftOpts } = opts;
  const result = datasetDrift(ref.inputs, cur.inputs, driftOpts);
  return { reference, current, referenceRows: ref.rows, currentRows: cur.rows, ...result };
}

async function readInputs(
  file: string,
  columns: string[] | undefined,
  progress: Progress,
): Promise<{ inputs: Map<string, DriftInput>; rows: number; names: string[] }> {
  let rows = 0;
  const names = new Set<string>();
  async function* counted(): AsyncGenerator<Batch> {
    progress.phase(`reading ${file}`, undefined, 'rows');
    for await (const batch of readBatches(file)) {
      rows += batch.numRows;
      for (const c of batch.columns) names.add(c.name);
      progress.update(rows);
      yield batch;
    }
    progress.end();
  }
  const inputs = await driftInputsFromBatches(counted(), columns);
  return { inputs, rows, names: [...names] };
}
