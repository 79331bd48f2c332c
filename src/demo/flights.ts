import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Progress } from '../data/progress.js';
import { readBatches } from '../data/table/read.js';
import type { Column } from '../data/table/types.js';

/**
 * The demo's real data: vega-datasets' flights-3m.parquet, every US domestic flight of January–June 2001 (3 million
 * rows: departure time, arrival delay in minutes, distance, origin and destination airports). The task is the
 * airline's: will this flight arrive more than 15 minutes late?
 *
 * Besides the columns of the file, each flight gets two congestion features, computed from the table itself the way
 * an operations desk reads its board: among the flights that left its origin airport (`origin_late_share`) or its
 * destination airport (`dest_late_share`) between three hours and one hour before it departed, the share that
 * arrived more than 15 minutes late. They make the model useful, and they move with the weather and the season.
 */
export const FEATURES = [
  'hour',
  'weekday',
  'distance',
  'origin',
  'destination',
  'origin_late_share',
  'dest_late_share',
] as const;
export type Feature = (typeof FEATURES)[number];
export const TARGET = 'delayed';
export const NUMERIC: ReadonlySet<string> = new Set([
  'hour',
  'distance',
  'origin_late_share',
  'dest_late_share',
]);
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** The congestion window: flights that departed in [t − 3 h, t − 1 h), whose delay is known an hour ahead. */
const LATE_WINDOW_MS = [3 * 3600_000, 3600_000] as const;
/** Fewer earlier flights than this in the window: the share is missing rather than noise. */
const MIN_FLIGHTS = 3;
const LATE_MINUTES = 15;

export interface FlightTable {
  readonly rows: number;
  readonly time: Float64Array;
  readonly delay: Float64Array;
  readonly distance: Float64Array;
  readonly origin: Int32Array;
  readonly destination: Int32Array;
  readonly airports: readonly string[];
  readonly originLate: Float64Array;
  readonly destLate: Float64Array;
  /** Row indices of each month (1–12), in time order. */
  readonly months: ReadonlyMap<number, Uint32Array>;
}

/** The rows of a sample, column by column, as the demo writes them and sends them to the model. */
export interface Sample {
  readonly rows: number;
  readonly columns: Record<Feature, Float64Array | string[]>;
  readonly delayed: Uint8Array;
  /** Departure time of each row (ms), for the narration. */
  readonly time: Float64Array;
}

/** Where npm put flights-3m.parquet (vega-datasets is a dependency of mloop). */
export function flightsFile(): string {
  const require = createRequire(import.meta.url);
  // The package exports only its JS entry (build/index.js); the data folder sits beside build/.
  return join(dirname(require.resolve('vega-datasets')), '..', 'data', 'flights-3m.parquet');
}

/** Reads the table and computes the congestion features: one pass over the file, one over each airport's flights. */
export async function loadFlights(path: string, progress: Progress): Promise<FlightTable> {
  const parts: {
    time: Float64Array;
    delay: Float64Array;
    distance: Float64Array;
    o: Int32Array;
    d: Int32Array;
  }[] = [];
  const ids = new Map<string, number>();
  const airports: string[] = [];
  const globalCodes = (column: Column | undefined, name: string): Int32Array => {
    if (column?.type !== 'string') throw new Error(`${path}: column "${name}" is missing or not text`);
    const map = column.dictionary.map((s) => {
      let id = ids.get(s);
      if (id === undefined) {
        id = airports.length;
        ids.set(s, id);
        airports.push(s);
      }
      return id;
    });
    return Int32Array.from(column.codes, (c) => (c < 0 ? -1 : map[c]!));
  };
  const numbers = (column: Column | undefined, name: string): Float64Array => {
    if (!column || column.type === 'string' || column.type === 'bool' || column.type === 'null')
      throw new Error(`${path}: column "${name}" is missing or not numeric`);
    return Float64Array.from(column.values);
  };
  let rows = 0;
  progress.phase('reading flights-3m.parquet', 3_000_000, 'rows');
  for await (const batch of readBatches(path)) {
    const col = (name: string) => batch.columns.find((c) => c.name === name);
    parts.push({
      time: numbers(col('date'), 'date'),
      delay: numbers(col('delay'), 'delay'),
      distance: numbers(col('distance'), 'distance'),
      o: globalCodes(col('origin'), 'origin'),
      d: globalCodes(col('destination'), 'destination'),
    });
    rows += batch.numRows;
    progress.update(rows);
  }
  progress.end();
  const join2 = <T extends Float64Array | Int32Array>(
    make: (n: number) => T,
    pick: (p: (typeof parts)[0]) => T,
  ) => {
    const out = make(rows);
    let at = 0;
    for (const p of parts) {
      out.set(pick(p), at);
      at += pick(p).length;
    }
    return out;
  };
  const time = join2(
    (n) => new Float64Array(n),
    (p) => p.time,
  );
  const delay = join2(
    (n) => new Float64Array(n),
    (p) => p.delay,
  );
  const distance = join2(
    (n) => new Float64Array(n),
    (p) => p.distance,
  );
  const origin = join2(
    (n) => new Int32Array(n),
    (p) => p.o,
  );
  const destination = join2(
    (n) => new Int32Array(n),
    (p) => p.d,
  );
  const order = timeOrder(time);
  return {
    rows,
    time,
    delay,
    distance,
    origin,
    destination,
    airports,
    originLate: lateShare(order, time, delay, origin, airports.length),
    destLate: lateShare(order, time, delay, destination, airports.length),
    months: monthIndex(order, time),
  };
}

function timeOrder(time: Float64Array): Uint32Array {
  const order = Uint32Array.from({ length: time.length }, (_, i) => i);
  for (let i = 1; i < time.length; i++)
    if (time[i]! < time[i - 1]!) return order.sort((a, b) => time[a]! - time[b]!);
  return order;
}

/**
 * For every flight, the share of late flights among those of the same airport (`key`) that departed in the
 * congestion window before it: two pointers over each airport's flights in time order, O(rows).
 */
function lateShare(
  order: Uint32Array,
  time: Float64Array,
  delay: Float64Array,
  key: Int32Array,
  keys: number,
): Float64Array {
  // Counting sort of the time order by airport keeps each airport's flights in time order.
  const start = new Uint32Array(keys + 2);
  for (const i of order) start[key[i]! + 2]!++;
  for (let k = 2; k < start.length; k++) start[k]! += start[k - 1]!;
  const byKey = new Uint32Array(order.length);
  for (const i of order) byKey[start[key[i]! + 1]!++] = i;
  const out = new Float64Array(time.length).fill(Number.NaN);
  // After the placement, airport k's flights are byKey[start[k], start[k + 1]); flights without one get no share.
  for (let k = 0; k < keys; k++) {
    const from = start[k]!;
    const to = start[k + 1]!;
    let lo = from;
    let hi = from;
    let late = 0;
    for (let j = from; j < to; j++) {
      const i = byKey[j]!;
      const t = time[i]!;
      while (hi < j && time[byKey[hi]!]! < t - LATE_WINDOW_MS[1])
        late += delay[byKey[hi++]!]! > LATE_MINUTES ? 1 : 0;
      while (lo < hi && time[byKey[lo]!]! < t - LATE_WINDOW_MS[0])
        late -= delay[byKey[lo++]!]! > LATE_MINUTES ? 1 : 0;
      const n = hi - lo;
      if (n >= MIN_FLIGHTS) out[i] = late / n;
    }
  }
  return out;
}

function monthIndex(order: Uint32Array, time: Float64Array): Map<number, Uint32Array> {
  const lists = new Map<number, number[]>();
  for (const i of order) {
    const m = new Date(time[i]!).getUTCMonth() + 1;
    const list = lists.get(m);
    if (list) list.push(i);
    else lists.set(m, [i]);
  }
  return new Map([...lists].map(([m, list]) => [m, Uint32Array.from(list)]));
}

/**
 * `count` flights spread evenly over days `fromDay`–`toDay` of `month` (every k-th flight in time order, starting
 * at `offset` × k, so samples with different offsets never share a row).
 */
export function sample(
  table: FlightTable,
  month: number,
  count: number,
  opts: { fromDay?: number; toDay?: number; offset?: number; shuffle?: boolean } = {},
): Sample {
  const all = table.months.get(month);
  if (!all) throw new Error(`flights-3m has no flights in month ${month}`);
  const from = opts.fromDay ?? 1;
  const to = opts.toDay ?? 31;
  const days = all.filter((i) => {
    const d = new Date(table.time[i]!).getUTCDate();
    return d >= from && d <= to;
  });
  const n = Math.min(count, days.length);
  const stride = days.length / n;
  const offset = opts.offset ?? 0;
  const pick = Uint32Array.from({ length: n }, (_, j) => days[Math.floor((j + offset) * stride)]!);
  if (opts.shuffle) shuffleInPlace(pick, month);
  const f64 = (get: (i: number) => number) => Float64Array.from(pick, get);
  const str = (get: (i: number) => string) => Array.from(pick, get);
  const hourOf = (i: number) => {
    const d = new Date(table.time[i]!);
    return d.getUTCHours() + d.getUTCMinutes() / 60;
  };
  return {
    rows: n,
    columns: {
      hour: f64(hourOf),
      weekday: str((i) => WEEKDAYS[new Date(table.time[i]!).getUTCDay()]!),
      distance: f64((i) => table.distance[i]!),
      origin: str((i) => table.airports[table.origin[i]!] ?? ''),
      destination: str((i) => table.airports[table.destination[i]!] ?? ''),
      origin_late_share: f64((i) => table.originLate[i]!),
      dest_late_share: f64((i) => table.destLate[i]!),
    },
    delayed: Uint8Array.from(pick, (i) => (table.delay[i]! > LATE_MINUTES ? 1 : 0)),
    time: f64((i) => table.time[i]!),
  };
}

/**
 * Fisher–Yates with a seeded LCG: replayed traffic comes in a random order of the month's flights, so any slice of
 * it (a window the replay spilled into) is a sample of the whole month rather than its last days.
 */
function shuffleInPlace(a: Uint32Array, seed: number): void {
  let state = (seed * 2_654_435_761) >>> 0;
  for (let i = a.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const j = state % (i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** Four decimals: what the CSV files hold, so the replayed traffic carries the same values. */
const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

/** The sample as CSV (missing numbers as empty cells), features then the target. */
export function toCsv(s: Sample): string {
  const lines = [[...FEATURES, TARGET].join(',')];
  for (let r = 0; r < s.rows; r++) {
    const cells = FEATURES.map((f) => {
      const v = s.columns[f][r]!;
      if (typeof v === 'string') return v;
      return Number.isNaN(v) ? '' : String(round4(v));
    });
    cells.push(String(s.delayed[r]));
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Rows `from`–`to` (exclusive) as Open Inference Protocol input tensors, one per feature, as the model takes them. */
export function toInferInputs(s: Sample, from: number, to: number) {
  const n = to - from;
  return FEATURES.map((f) => {
    const values = s.columns[f].slice(from, to) as Float64Array | string[];
    return NUMERIC.has(f)
      ? {
          name: f,
          datatype: 'FP32',
          shape: [n, 1],
          data: Array.from(values as Float64Array, (v) => (Number.isNaN(v) ? 'NaN' : round4(v))),
        }
      : { name: f, datatype: 'BYTES', shape: [n, 1], data: values as string[] };
  });
}

/** Share of late flights in a sample. */
export const lateRate = (s: Sample): number => s.delayed.reduce((a, b) => a + b, 0) / Math.max(1, s.rows);
