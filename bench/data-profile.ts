/**
 * Profiling benchmark on the 3-million-row flights table (vega-datasets' flights-3m.parquet, 5 columns, 15 M values).
 *
 *   npm run build && node bench/data-profile.js   (or: node --import tsx bench/data-profile.ts)
 *
 * Prints: Parquet decode rate (hyparquet, for context); profiling throughput in values per second on one core
 * (profiling only, batches already in memory; CPU time and wall time), with PASS/MISS against 20 M values/s; and the
 * heap while streaming the file 1, 2 and 3 times through one profile (9 M rows), which must not grow with rows.
 */
import { join } from 'node:path';
import { ProfileBuilder, profileBatches } from '../src/data/profile/profile.js';
import { readBatches } from '../src/data/table/read.js';
import type { Batch } from '../src/data/table/types.js';

const FILE = join(import.meta.dirname, '../node_modules/vega-datasets/data/flights-3m.parquet');
const TARGET = 20e6;
const fmt = (n: number) => `${(n / 1e6).toFixed(1)} M`;
const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
const gc = (globalThis as { gc?: () => void }).gc;

async function main() {
  // 1. Decode (context only: this is hyparquet's speed, not the profiler's).
  const batches: Batch[] = [];
  let t = performance.now();
  for await (const b of readBatches(FILE)) batches.push(b);
  const decodeSeconds = (performance.now() - t) / 1000;
  const rows = batches.reduce((s, b) => s + b.numRows, 0);
  const values = rows * batches[0]!.columns.length;
  console.log(
    `flights-3m.parquet: ${rows.toLocaleString()} rows x ${batches[0]!.columns.length} columns = ${fmt(values)} values`,
  );
  console.log(
    `decode (hyparquet + ZSTD, to typed columns): ${decodeSeconds.toFixed(2)} s, ${fmt(values / decodeSeconds)} values/s`,
  );

  // 2. Profiling throughput, one thread; best of 5 by CPU time (the machine may be shared).
  let bestCpu = Number.POSITIVE_INFINITY;
  let bestWall = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const cpu0 = process.cpuUsage();
    t = performance.now();
    await profileBatches(batches);
    const wall = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpu0);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6);
    bestWall = Math.min(bestWall, wall);
  }
  const rate = values / bestCpu;
  console.log(
    `profile: ${fmt(rate)} values/s on one core (best CPU time ${bestCpu.toFixed(3)} s; best wall ${bestWall.toFixed(3)} s = ${fmt(values / bestWall)} values/s)` +
      ` — target >= ${fmt(TARGET)} values/s: ${rate >= TARGET ? 'PASS' : 'MISS'}`,
  );
  batches.length = 0;

  // 3. Memory while streaming: the same file 3 times through one profile.
  gc?.();
  const builder = new ProfileBuilder();
  const peaks: number[] = [];
  for (let pass = 1; pass <= 3; pass++) {
    let peak = 0;
    for await (const b of readBatches(FILE)) {
      builder.add(b);
      gc?.();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    peaks.push(peak);
    console.log(
      `stream pass ${pass}: ${(builder.rows / 1e6).toFixed(0)} M rows profiled, peak heap ${mb(peak)}`,
    );
  }
  const growth = (peaks[2]! - peaks[0]!) / peaks[0]!;
  console.log(
    `heap growth from 3 M to 9 M rows: ${(growth * 100).toFixed(1)}% — target: flat (< 10%): ${growth < 0.1 ? 'PASS' : 'MISS'}` +
      (gc ? '' : ' (run with --expose-gc for exact figures)'),
  );
  const profile = builder.build();
  console.log(
    `profile JSON: ${(JSON.stringify(profile).length / 1024).toFixed(0)} kB for ${profile.columns.length} columns`,
  );
}

await main();
