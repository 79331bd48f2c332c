/**
 * The mloop side of bench/drift.ts, run in its own process so its peak RSS is its own: reads flights-3m.parquet,
 * splits January (reference) from February-June (current), gathers drift inputs and runs `datasetDrift` with the
 * default tests, as Evidently's DataDriftPreset does. Prints one JSON line like bench/drift_evidently.py.
 *
 *   node --import tsx bench/drift-mloop.ts FLIGHTS_PARQUET [small]   (small: the first 1,000 rows of each side)
 */
import { readBatches } from '../src/data/table/read.js';
import type { Batch, Column } from '../src/data/table/types.js';
import { datasetDrift, driftInputsFromBatches } from '../src/monitor/drift/index.js';

const FEATURES = ['delay', 'distance', 'origin', 'destination'];
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
};

/** The rows of `batch` whose `keep` flag is set. */
function filterBatch(batch: Batch, keep: Uint8Array, kept: number): Batch {
  const pickF = (values: Float64Array) => {
    const out = new Float64Array(kept);
    for (let i = 0, k = 0; i < values.length; i++) if (keep[i]) out[k++] = values[i]!;
    return out;
  };
  const columns = batch.columns.map((c): Column => {
    switch (c.type) {
      case 'null':
        return { ...c, length: kept };
      case 'string': {
        const codes = new Int32Array(kept);
        for (let i = 0, k = 0; i < c.codes.length; i++) if (keep[i]) codes[k++] = c.codes[i]!;
        return { ...c, codes };
      }
      case 'bool': {
        const values = new Uint8Array(kept);
        for (let i = 0, k = 0; i < c.values.length; i++) if (keep[i]) values[k++] = c.values[i]!;
        return { ...c, values };
      }
      default:
        return { ...c, values: pickF(c.values) };
    }
  });
  return { columns, numRows: kept, rowOffset: 0 };
}

const reference: Batch[] = [];
const current: Batch[] = [];
for await (const batch of readBatches(process.argv[2]!)) {
  const date = batch.columns.find((c) => c.name === 'date');
  if (date?.type !== 'timestamp') throw new Error('flights-3m.parquet: no timestamp column "date"');
  const isRef = new Uint8Array(batch.numRows);
  const isCur = new Uint8Array(batch.numRows);
  let nRef = 0;
  let nCur = 0;
  for (let i = 0; i < batch.numRows; i++) {
    const month = new Date(date.values[i]!).getUTCMonth() + 1;
    if (month === 1) {
      isRef[i] = 1;
      nRef++;
    } else if (month >= 2 && month <= 6) {
      isCur[i] = 1;
      nCur++;
    }
  }
  reference.push(filterBatch(batch, isRef, nRef));
  current.push(filterBatch(batch, isCur, nCur));
}
if (process.argv[3] === 'small') {
  // The first 1,000 rows of each side: a small reference, so the p-value tests (KS, chi-square) are the defaults.
  for (const side of [reference, current]) {
    const head: Batch[] = [];
    let left = 1000;
    for (const b of side) {
      if (left === 0) break;
      const take = Math.min(left, b.numRows);
      const keep = new Uint8Array(b.numRows).fill(1, 0, take);
      head.push(filterBatch(b, keep, take));
      left -= take;
    }
    side.splice(0, side.length, ...head);
  }
}
const tRead = performance.now();
const cpuRead = cpuSeconds(cpu0);

const cpu1 = process.cpuUsage();
const refInputs = await driftInputsFromBatches(reference, FEATURES);
const curInputs = await driftInputsFromBatches(current, FEATURES);
const drift = datasetDrift(refInputs, curInputs);
const tDrift = performance.now();
const cpuDrift = cpuSeconds(cpu1);

console.log(
  JSON.stringify({
    rows: [reference.reduce((s, b) => s + b.numRows, 0), current.reduce((s, b) => s + b.numRows, 0)],
    readSeconds: (tRead - t0) / 1000,
    readCpuSeconds: cpuRead,
    driftSeconds: (tDrift - tRead) / 1000,
    driftCpuSeconds: cpuDrift,
    maxRssKb: process.resourceUsage().maxRSS,
    columns: Object.fromEntries(
      drift.columns.map((c) => [
        c.column,
        { score: c.pValue ?? c.statistic, method: c.method, threshold: c.threshold },
      ]),
    ),
    share: drift.share,
    driftedColumns: drift.driftedColumns,
  }),
);
