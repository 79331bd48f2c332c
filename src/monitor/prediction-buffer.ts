import type { MonitorPredictionTable } from '../store/schema.js';

/** Text fields of a stored prediction, in the order they are written per row. */
const TEXTS = ['prediction_id', 'deployment', 'model_version', 'output', 'groups'] as const;
const NUMBERS = ['shadow', 'timestamp', 'window_start'] as const;

/** The predictions of a flush in flat arrays: what the buffer hands to the monitoring worker (copied, not moved). */
export interface PredictionBatch {
  rows: number;
  /** NUMBERS per row. */
  numbers: Float64Array;
  /** UTF-8 of the TEXTS of every row, back to back. */
  bytes: Uint8Array;
  /** Per row and text field, where its bytes end; -1 for a missing `groups`. */
  ends: Int32Array;
}

export type PredictionRow = Pick<MonitorPredictionTable, (typeof TEXTS)[number] | (typeof NUMBERS)[number]>;

/**
 * The predictions gathered between two flushes, kept as bytes and numbers instead of one object per prediction.
 * They live for a whole flush interval, so as objects (a row and its strings, thousands of them) they outlived the
 * young generation and were promoted: the serving thread's old generation grew by megabytes per flush and was
 * mark-compacted every few seconds, a 10–20 ms pause each time. In flat arrays they are a handful of objects, and
 * they cross to the worker as one copy instead of a structured clone of every row.
 */
export class PredictionBuffer {
  #rows = 0;
  #numbers = new Float64Array(NUMBERS.length * 256);
  #bytes = Buffer.allocUnsafe(64 * 1024);
  #length = 0;
  #ends = new Int32Array(TEXTS.length * 256);

  get rows(): number {
    return this.#rows;
  }

  push(row: PredictionRow): void {
    if ((this.#rows + 1) * NUMBERS.length > this.#numbers.length) {
      this.#numbers = grow(this.#numbers, this.#numbers.length * 2);
      this.#ends = grow(this.#ends, this.#ends.length * 2);
    }
    const n = this.#rows * NUMBERS.length;
    this.#numbers[n] = row.shadow;
    this.#numbers[n + 1] = row.timestamp;
    this.#numbers[n + 2] = row.window_start;
    const e = this.#rows * TEXTS.length;
    for (let f = 0; f < TEXTS.length; f++) {
      const text = row[TEXTS[f]!];
      if (text === null) {
        this.#ends[e + f] = -1;
        continue;
      }
      // At most 3 bytes of UTF-8 per UTF-16 unit.
      if (this.#length + text.length * 3 > this.#bytes.length) {
        const bigger = Buffer.allocUnsafe(Math.max(this.#bytes.length * 2, this.#length + text.length * 3));
        this.#bytes.copy(bigger, 0, 0, this.#length);
        this.#bytes = bigger;
      }
      this.#length += this.#bytes.write(text, this.#length, 'utf8');
      this.#ends[e + f] = this.#length;
    }
    this.#rows++;
  }

  /** The rows gathered so far, copied out; the buffer starts over. */
  take(): PredictionBatch {
    const batch = {
      rows: this.#rows,
      numbers: this.#numbers.slice(0, this.#rows * NUMBERS.length),
      bytes: new Uint8Array(this.#bytes.subarray(0, this.#length)),
      ends: this.#ends.slice(0, this.#rows * TEXTS.length),
    };
    this.#rows = 0;
    this.#length = 0;
    return batch;
  }
}

function grow<T extends Float64Array | Int32Array>(a: T, size: number): T {
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a);
  return next;
}

/** The rows of a batch, `from` up to `to`, as the store's rows (labels not yet known). */
export function predictionRows(batch: PredictionBatch, from = 0, to = batch.rows): MonitorPredictionTable[] {
  const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
  const out: MonitorPredictionTable[] = [];
  let start = from > 0 ? lastEnd(batch, from * TEXTS.length) : 0;
  for (let r = from; r < to; r++) {
    const texts: (string | null)[] = [];
    for (let f = 0; f < TEXTS.length; f++) {
      const end = batch.ends[r * TEXTS.length + f]!;
      if (end < 0) texts.push(null);
      else {
        texts.push(bytes.toString('utf8', start, end));
        start = end;
      }
    }
    const n = r * NUMBERS.length;
    out.push({
      prediction_id: texts[0]!,
      deployment: texts[1]!,
      model_version: texts[2]!,
      output: texts[3]!,
      groups: texts[4] ?? null,
      shadow: batch.numbers[n]!,
      timestamp: batch.numbers[n + 1]!,
      window_start: batch.numbers[n + 2]!,
      label: null,
      label_time: null,
    });
  }
  return out;
}

/** Where the texts before field index `i` end (missing fields have no bytes). */
function lastEnd(batch: PredictionBatch, i: number): number {
  for (let j = i - 1; j >= 0; j--) if (batch.ends[j]! >= 0) return batch.ends[j]!;
  return 0;
}
