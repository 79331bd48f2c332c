import { lowerBound } from '../core/sorted.js';
import {
  type ChunkPoint,
  chunkPlanes,
  encodeChunks,
  readSeries,
  type SeriesPoints,
} from '../store/metric-chunks.js';
import type { Store } from '../store/open-store.js';

/** Up to this many points in the range, a series is decoded whole: cheaper than planning which chunks to read. */
const DECODE_ALL_POINTS = 50_000;
/** Chunk ids per `IN (…)` when fetching chunk data. */
const IDS_PER_QUERY = 500;

interface ChunkMeta {
  id: number;
  min: number;
  max: number;
  points: number;
}

type StepRange = { min: number; max: number };

/**
 * The points of a series at the steps a chart of at most `max` steps shows (get-history-bulk-interval). With at
 * most `max` distinct steps, all of them (as MLflow). With more, `max` targets are spread evenly over the step
 * *range* and each is resolved to the first logged step at or after it; for evenly spaced steps (the usual 0, 1,
 * 2, … or 0, 10, 20, …) these are the steps MLflow picks, which ranks every step. First and last are always kept.
 *
 * A long series is not decoded whole: the chunks' step bounds (`min_step`, `max_step`) say which chunks can hold
 * the answer for a target, and only those are read, so a million-point series costs about what `max` chunks cost.
 */
export async function sampleSeries(
  store: Store,
  seriesId: number,
  max: number,
  range?: StepRange,
): Promise<SeriesPoints> {
  let query = store.db
    .selectFrom('metric_chunks')
    .select(['chunk_id', 'min_step', 'max_step', 'points'])
    .where('series_id', '=', seriesId);
  if (range) query = query.where('min_step', '<=', range.max).where('max_step', '>=', range.min);
  const meta: ChunkMeta[] = (await query.orderBy('min_step').orderBy('chunk_id').execute()).map((r) => ({
    id: Number(r.chunk_id),
    min: Number(r.min_step),
    max: Number(r.max_step),
    points: Number(r.points),
  }));
  const chunks = new ChunkReader(store, range);
  let total = 0;
  let distinctAtMost = 0;
  for (const m of meta) {
    total += m.points;
    distinctAtMost += Math.min(m.points, m.max - m.min + 1);
  }
  if (total <= DECODE_ALL_POINTS || distinctAtMost <= max) {
    const series = readSeries(await chunks.rows(meta.map((m) => m.id)), range);
    return pick(series, sampledSteps(series.steps, max));
  }

  const index = new ChunkIndex(meta);
  const lo = Math.max(range?.min ?? meta[0]!.min, meta[0]!.min);
  const hi = Math.min(range?.max ?? Number.POSITIVE_INFINITY, index.maxStep);
  await chunks.load([...index.containing(lo), ...index.containing(hi)]);
  const first = firstAtOrAfter(lo, hi, index, chunks);
  const last = lastAtOrBefore(hi, index, chunks);
  if (first === undefined || last === undefined) return readSeries([]);

  const targets = stepTargets(first, last, max);
  await chunks.load(targets.flatMap((t) => index.containing(t)));
  const chosen = new Set<number>();
  for (const t of targets) {
    const step = firstAtOrAfter(t, hi, index, chunks);
    if (step !== undefined) chosen.add(step);
  }
  const holding = new Set<number>();
  for (const step of chosen) for (const id of index.containing(step)) holding.add(id);
  return chunks.pointsAt([...holding], chosen);
}

/** The points of `series` whose step is in `steps`, in the series' order (a merge walk: both are ascending). */
function pick(series: SeriesPoints, steps: Set<number>): SeriesPoints {
  const wanted = Float64Array.from(steps).sort();
  const keep: number[] = [];
  let w = 0;
  for (let i = 0; i < series.length && w < wanted.length; i++) {
    const step = series.steps[i]!;
    while (w < wanted.length && wanted[w]! < step) w++;
    if (step === wanted[w]) keep.push(i);
  }
  const take = (column: Float64Array) => Float64Array.from(keep, (i) => column[i]!);
  return {
    steps: take(series.steps),
    timestamps: take(series.timestamps),
    values: take(series.values),
    length: keep.length,
  };
}

/** The smallest logged step in [t, hi]: inside a chunk spanning t (decoded), or the start of a later chunk. */
function firstAtOrAfter(t: number, hi: number, index: ChunkIndex, chunks: ChunkReader): number | undefined {
  let best = index.nextStartAfter(t);
  for (const id of index.containing(t)) {
    const steps = chunks.steps(id);
    const i = lowerBound(steps, t);
    if (i < steps.length && (best === undefined || steps[i]! < best)) best = steps[i]!;
  }
  return best !== undefined && best <= hi ? best : undefined;
}

/** The largest logged step at or before h: inside a chunk spanning h (decoded), or the end of an earlier chunk. */
function lastAtOrBefore(h: number, index: ChunkIndex, chunks: ChunkReader): number | undefined {
  let best = index.lastEndBefore(h);
  for (const id of index.containing(h)) {
    const steps = chunks.steps(id);
    const i = lowerBound(steps, h + 1) - 1;
    if (i >= 0 && (best === undefined || steps[i]! > best)) best = steps[i]!;
  }
  return best;
}

/** Chunks ordered by their first step, with the running maximum of their last steps for interval lookups. */
class ChunkIndex {
  readonly #meta: ChunkMeta[];
  readonly #runningMax: Float64Array;
  readonly maxStep: number;

  constructor(meta: ChunkMeta[]) {
    this.#meta = meta;
    this.#runningMax = new Float64Array(meta.length);
    let max = Number.NEGATIVE_INFINITY;
    meta.forEach((m, i) => {
      max = Math.max(max, m.max);
      this.#runningMax[i] = max;
    });
    this.maxStep = max;
  }

  /** Ids of the chunks whose step bounds include `step` (usually one; more where batches overlapped). */
  containing(step: number): number[] {
    const ids: number[] = [];
    // Chunks starting at or before `step`, walked back while some earlier chunk still reaches it.
    for (let i = this.#lastStartingAtOrBefore(step); i >= 0 && this.#runningMax[i]! >= step; i--) {
      if (this.#meta[i]!.max >= step) ids.push(this.#meta[i]!.id);
    }
    return ids;
  }

  /** The first step of the first chunk starting after `step`. */
  nextStartAfter(step: number): number | undefined {
    return this.#meta[this.#lastStartingAtOrBefore(step) + 1]?.min;
  }

  /** The largest last step among chunks that end before `step`. */
  lastEndBefore(step: number): number | undefined {
    let best: number | undefined;
    for (let i = this.#lastStartingAtOrBefore(step); i >= 0; i--) {
      const m = this.#meta[i]!;
      if (m.max < step && (best === undefined || m.max > best)) best = m.max;
      if (best !== undefined && this.#runningMax[i]! <= best) break;
    }
    return best;
  }

  #lastStartingAtOrBefore(step: number): number {
    let lo = 0;
    let hi = this.#meta.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#meta[mid]!.min <= step) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }
}

/** Fetches chunk data by id, in batches, keeping what it fetched; steps of a chunk are decoded once. */
class ChunkReader {
  readonly #rows = new Map<number, { data: Uint8Array; points: number }>();
  readonly #steps = new Map<number, Float64Array>();

  constructor(
    private readonly store: Store,
    private readonly range: StepRange | undefined,
  ) {}

  async load(ids: readonly number[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.#rows.has(id));
    for (let i = 0; i < missing.length; i += IDS_PER_QUERY) {
      const rows = await this.store.db
        .selectFrom('metric_chunks')
        .select(['chunk_id', 'data', 'points'])
        .where('chunk_id', 'in', missing.slice(i, i + IDS_PER_QUERY))
        .execute();
      for (const r of rows) this.#rows.set(Number(r.chunk_id), { data: r.data, points: Number(r.points) });
    }
  }

  async rows(ids: readonly number[]): Promise<{ data: Uint8Array; points: number }[]> {
    await this.load(ids);
    return ids.map((id) => this.#rows.get(id)!);
  }

  /** A loaded chunk's steps inside the range, ascending (repeats allowed: only searched for bounds). */
  steps(id: number): Float64Array {
    let steps = this.#steps.get(id);
    if (!steps) {
      const row = this.#rows.get(id)!;
      const plane = chunkPlanes(row.data, row.points).subarray(0, row.points);
      // A chunk is one logged batch, usually in step order: then its own plane is the answer, with no copy.
      steps = !this.range && isAscending(plane) ? plane : readSeries([row], this.range).steps;
      this.#steps.set(id, steps);
    }
    return steps;
  }

  /** The points at the given steps in the given chunks, in get-history order, identical points once. */
  async pointsAt(ids: readonly number[], chosen: Set<number>): Promise<SeriesPoints> {
    const wanted = Float64Array.from(chosen).sort();
    const picked: ChunkPoint[] = [];
    for (const row of await this.rows(ids)) {
      const k = row.points;
      const planes = chunkPlanes(row.data, k);
      const steps = planes.subarray(0, k);
      const take = (i: number) => {
        const value = planes[2 * k + i]!;
        picked.push({
          step: steps[i]!,
          timestamp: planes[k + i]!,
          value,
          is_nan: Number.isNaN(value) ? 1 : 0,
        });
      };
      if (isAscending(steps)) {
        // A few wanted steps per chunk: look each up rather than test every point.
        for (let w = lowerBound(wanted, steps[0]!); w < wanted.length && wanted[w]! <= steps[k - 1]!; w++) {
          for (let i = lowerBound(steps, wanted[w]!); i < k && steps[i] === wanted[w]; i++) take(i);
        }
      } else {
        for (let i = 0; i < k; i++) if (wanted[lowerBound(wanted, steps[i]!)] === steps[i]) take(i);
      }
    }
    return readSeries(
      encodeChunks(picked, () => 0),
      this.range,
    );
  }
}

function isAscending(steps: Float64Array): boolean {
  for (let i = 1; i < steps.length; i++) if (steps[i]! < steps[i - 1]!) return false;
  return true;
}

/**
 * The steps a chart of at most `max` steps shows, from a series' steps in ascending order: all distinct steps when
 * there are at most `max`, else the first logged step at or after each of `max` evenly spread targets.
 */
export function sampledSteps(steps: Float64Array, max: number): Set<number> {
  const distinct: number[] = [];
  for (let i = 0; i < steps.length; i++) if (i === 0 || steps[i] !== steps[i - 1]) distinct.push(steps[i]!);
  if (distinct.length <= max) return new Set(distinct);
  const found = new Set<number>();
  const sorted = Float64Array.from(distinct);
  for (const target of stepTargets(distinct[0]!, distinct[distinct.length - 1]!, max)) {
    found.add(sorted[lowerBound(sorted, target)]!);
  }
  return found;
}

/** `max` step values spread evenly from `first` to `last`, both included. */
export function stepTargets(first: number, last: number, max: number): number[] {
  if (max === 1) return [last];
  const out: number[] = [];
  for (let i = 0; i < max; i++) out.push(first + Math.round((i * (last - first)) / (max - 1)));
  return out;
}
