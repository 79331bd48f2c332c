import { endianness } from 'node:os';

/**
 * Metric points are stored as chunks: one row per series per logged batch, holding that batch's points of the
 * series as three little-endian float64 planes (steps, then timestamps, then values). A row per point cost the
 * database a B-tree insert per point (about 2 µs each on SQLite, most of a log-batch request); a chunk costs one
 * insert per series per batch, whatever its length. Time-series stores (Prometheus, Gorilla) chunk for the same
 * reason. Steps and timestamps are integers below 2^53 (the validators refuse others), which a float64 holds
 * exactly. Values are stored as MLflow stores them (±Inf clamped to ±DBL_MAX) except that NaN is kept as NaN, so
 * the chunk needs no is_nan plane.
 *
 * MLflow's rule that an identical point logged twice is kept once, and get-history's order (step, timestamp,
 * value), are applied when a series is read (`readSeries`), not when it is written.
 */

if (endianness() !== 'LE') throw new Error('mloop stores metric chunks as little-endian float64 arrays');

/** Points a chunk holds at most: a longer batch of one series is split. */
export const MAX_CHUNK_POINTS = 4096;

export interface MetricChunkRow {
  series_id: number;
  min_step: number;
  max_step: number;
  points: number;
  data: Buffer;
}

/** A series read back: parallel columns in get-history order, identical points removed. */
export interface SeriesPoints {
  readonly steps: Float64Array;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  readonly length: number;
}

/** The fields of a point a chunk stores; `is_nan` set means NaN, whatever `value` says. */
export interface ChunkPoint {
  step: number;
  timestamp: number;
  value: number;
  is_nan: number;
}

/** One chunk per series (per MAX_CHUNK_POINTS points of it) for a batch of points, each row given its series id. */
export function encodeChunks<T extends ChunkPoint>(
  rows: readonly T[],
  seriesOf: (row: T) => number,
): MetricChunkRow[] {
  const ids = new Int32Array(rows.length);
  const counts = new Map<number, number>();
  for (let i = 0; i < rows.length; i++) {
    const id = seriesOf(rows[i]!);
    ids[i] = id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const planes = new Map<number, { data: Float64Array; n: number; size: number }>();
  for (const [id, size] of counts) planes.set(id, { data: new Float64Array(size * 3), n: 0, size });
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const p = planes.get(ids[i]!)!;
    p.data[p.n] = r.step;
    p.data[p.size + p.n] = r.timestamp;
    p.data[2 * p.size + p.n] = r.is_nan ? Number.NaN : r.value;
    p.n++;
  }
  const out: MetricChunkRow[] = [];
  for (const [id, p] of planes) {
    for (let from = 0; from < p.size; from += MAX_CHUNK_POINTS) {
      out.push(chunkRow(id, p.data, p.size, from, Math.min(p.size, from + MAX_CHUNK_POINTS)));
    }
  }
  return out;
}

/** The chunk of points [from, to) of a series' planes (each `size` long). */
function chunkRow(
  seriesId: number,
  planes: Float64Array,
  size: number,
  from: number,
  to: number,
): MetricChunkRow {
  const n = to - from;
  let data: Float64Array;
  if (from === 0 && to === size) data = planes;
  else {
    data = new Float64Array(n * 3);
    for (let plane = 0; plane < 3; plane++)
      data.set(planes.subarray(plane * size + from, plane * size + to), plane * n);
  }
  let min = data[0]!;
  let max = data[0]!;
  for (let i = 1; i < n; i++) {
    const s = data[i]!;
    if (s < min) min = s;
    else if (s > max) max = s;
  }
  return {
    series_id: seriesId,
    min_step: min,
    max_step: max,
    points: n,
    data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  };
}

/**
 * A series that adds at most this many points in a batch appends them to its chunk of highest steps while that
 * chunk holds fewer than APPEND_TARGET_POINTS, instead of writing a chunk of its own. MLflow clients log a metric a
 * point per call (`log_metric(key, value, step)` in a training loop): a chunk per call made reading a 10,000-step
 * series 7–50 times slower than reading one logged in batches (`bench/metric-history.ts`). Rewriting a chunk of at
 * most 256 points writes at most 6 KB per call.
 */
export const APPEND_MAX_POINTS = 64;
export const APPEND_TARGET_POINTS = 256;

/** A stored chunk as the append path reads it. */
export interface StoredChunk {
  chunk_id: number;
  min_step: number;
  max_step: number;
  points: number;
  data: Uint8Array;
}

/** A chunk small enough to go into its series' last chunk: the writer looks that chunk up only for these. */
export const appendable = (c: MetricChunkRow): boolean => c.points <= APPEND_MAX_POINTS;

/** A batch's chunks as the rows to insert and the stored chunks to rewrite (each stored chunk at most once). */
export interface ChunkWrites {
  inserts: MetricChunkRow[];
  appends: (MetricChunkRow & { chunk_id: number })[];
}

/**
 * Decides, for each of a batch's chunks, whether it gets a row of its own or goes into its series' last stored
 * chunk (`lastOf`, asked only for appendable chunks). The dialects do only the reading and writing.
 */
export function planChunkWrites(
  chunks: readonly MetricChunkRow[],
  lastOf: (seriesId: number) => StoredChunk | undefined,
): ChunkWrites {
  const out: ChunkWrites = { inserts: [], appends: [] };
  // An UPDATE … FROM applies one source row per target row: a stored chunk takes one append per batch.
  const rewritten = new Set<number>();
  for (const c of chunks) {
    const last = appendable(c) ? lastOf(c.series_id) : undefined;
    if (
      last &&
      !rewritten.has(last.chunk_id) &&
      last.points < APPEND_TARGET_POINTS &&
      last.points + c.points <= MAX_CHUNK_POINTS
    ) {
      rewritten.add(last.chunk_id);
      out.appends.push({ ...appendChunk(last, c), chunk_id: last.chunk_id });
    } else out.inserts.push(c);
  }
  return out;
}

/** `last`'s points followed by `add`'s, as one chunk (a chunk's points are in any order; reading sorts them). */
export function appendChunk(last: StoredChunk, add: MetricChunkRow): MetricChunkRow {
  const a = chunkPlanes(last.data, last.points);
  const b = chunkPlanes(add.data, add.points);
  const n = last.points + add.points;
  const out = new Float64Array(n * 3);
  for (let plane = 0; plane < 3; plane++) {
    out.set(a.subarray(plane * last.points, (plane + 1) * last.points), plane * n);
    out.set(b.subarray(plane * add.points, (plane + 1) * add.points), plane * n + last.points);
  }
  return {
    series_id: add.series_id,
    min_step: Math.min(Number(last.min_step), add.min_step),
    max_step: Math.max(Number(last.max_step), add.max_step),
    points: n,
    data: Buffer.from(out.buffer, out.byteOffset, out.byteLength),
  };
}

/** The float64 planes of a stored chunk (copied when the driver's buffer is not 8-byte aligned). */
export function chunkPlanes(data: Uint8Array, points: number): Float64Array {
  if (data.byteLength !== points * 24) {
    throw new Error(
      `metric chunk holds ${data.byteLength} bytes, expected ${points * 24} for ${points} points`,
    );
  }
  if (data.byteOffset % 8 === 0) return new Float64Array(data.buffer, data.byteOffset, points * 3);
  return new Float64Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/**
 * The points of a series from its chunks (in any order), sorted by step, timestamp and value (NaN sorting as the
 * stored 0 it replaces, after a real 0), with identical points kept once. `stepRange` keeps only steps inside it.
 */
export function readSeries(
  chunks: readonly { data: Uint8Array; points: number }[],
  stepRange?: { min: number; max: number },
): SeriesPoints {
  let total = 0;
  for (const c of chunks) total += c.points;
  const steps = new Float64Array(total);
  const timestamps = new Float64Array(total);
  const values = new Float64Array(total);
  let n = 0;
  for (const c of chunks) {
    const planes = chunkPlanes(c.data, c.points);
    const k = c.points;
    if (!stepRange) {
      steps.set(planes.subarray(0, k), n);
      timestamps.set(planes.subarray(k, 2 * k), n);
      values.set(planes.subarray(2 * k), n);
      n += k;
      continue;
    }
    for (let i = 0; i < k; i++) {
      const step = planes[i]!;
      if (step < stepRange.min || step > stepRange.max) continue;
      steps[n] = step;
      timestamps[n] = planes[k + i]!;
      values[n] = planes[2 * k + i]!;
      n++;
    }
  }
  // The usual series was logged in order without repeats: one pass proves it and the columns are returned as read.
  let sorted = true;
  let ties = false;
  for (let i = 1; i < n; i++) {
    const d = steps[i]! - steps[i - 1]!;
    if (d > 0) continue;
    if (d < 0 || compare(steps, timestamps, values, i - 1, i) > 0) {
      sorted = false;
      break;
    }
    if (timestamps[i] === timestamps[i - 1]) ties = true;
  }
  if (sorted && !ties) {
    return {
      steps: steps.subarray(0, n),
      timestamps: timestamps.subarray(0, n),
      values: values.subarray(0, n),
      length: n,
    };
  }
  let order: Uint32Array | undefined;
  if (!sorted) {
    order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => compare(steps, timestamps, values, a, b));
  }
  const outSteps = new Float64Array(n);
  const outTimes = new Float64Array(n);
  const outValues = new Float64Array(n);
  let m = 0;
  for (let j = 0; j < n; j++) {
    const i = order ? order[j]! : j;
    if (
      m > 0 &&
      outSteps[m - 1] === steps[i] &&
      outTimes[m - 1] === timestamps[i] &&
      sameValue(outValues[m - 1]!, values[i]!)
    ) {
      continue;
    }
    outSteps[m] = steps[i]!;
    outTimes[m] = timestamps[i]!;
    outValues[m] = values[i]!;
    m++;
  }
  return {
    steps: outSteps.subarray(0, m),
    timestamps: outTimes.subarray(0, m),
    values: outValues.subarray(0, m),
    length: m,
  };
}

/** Equal as stored values: NaN equals NaN (one stored NaN point), and 0 equals -0 as the databases compare. */
function sameValue(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function compare(
  steps: Float64Array,
  times: Float64Array,
  values: Float64Array,
  a: number,
  b: number,
): number {
  if (steps[a] !== steps[b]) return steps[a]! - steps[b]!;
  if (times[a] !== times[b]) return times[a]! - times[b]!;
  const va = values[a]!;
  const vb = values[b]!;
  const na = Number.isNaN(va);
  const nb = Number.isNaN(vb);
  const sa = na ? 0 : va;
  const sb = nb ? 0 : vb;
  if (sa !== sb) return sa < sb ? -1 : 1;
  return (na ? 1 : 0) - (nb ? 1 : 0);
}
