import { ServingError } from './errors.js';

export interface BatchingOptions {
  /** Largest number of rows one runtime call takes; 1 turns batching off. */
  maxBatchSize: number;
  /**
   * How long the oldest queued request may wait for a fuller batch (Triton's max_queue_delay). 0 is opportunistic:
   * a batch leaves as soon as the runtime has a free slot, holding whatever queued up meanwhile.
   */
  maxQueueDelayMs: number;
  /** Requests allowed to wait; one more is refused with QUEUE_FULL (429 + Retry-After). */
  maxQueueSize: number;
  /** From arrival to answer; past it the request fails with TIMEOUT (504), queued or running. */
  timeoutMs: number;
}

export const DEFAULT_BATCHING: BatchingOptions = Object.freeze({
  maxBatchSize: 64,
  maxQueueDelayMs: 0,
  maxQueueSize: 1024,
  timeoutMs: 30_000,
});

export interface BatchStats {
  rows: number;
  requests: number;
  computeMs: number;
  /** Per request: time from arrival to leaving the queue. */
  queueMs: number[];
}

interface Item<P, R> {
  payload: P;
  rows: number;
  arrived: number;
  done: boolean;
  /** Still in the queue (not yet part of a batch). */
  queued: boolean;
  resolve(value: R): void;
  reject(err: Error): void;
}

/**
 * One queue per served model version. Requests wait here until a runtime slot is free (at most `maxInFlight`
 * batches run at once), then leave together, up to `maxBatchSize` rows. Deadlines count from arrival (not from
 * when a batch formed), so a request never waits longer than its timeout.
 *
 * With no queue delay a batch still leaves at the end of the event-loop turn its first request arrived in, not at
 * once: every request parsed from the same poll of the sockets goes in one runtime call, so a busy server pays one
 * thread hop for several requests instead of one each, at a cost of microseconds.
 */
export class Batcher<P, R> {
  readonly #queue: Item<P, R>[] = [];
  #inFlight = 0;
  #delayTimer: NodeJS.Timeout | undefined;
  #turnScheduled = false;
  #idleWaiters: (() => void)[] = [];
  #avgBatchMs = 1;
  /** Unsettled requests in arrival order, hence in deadline order: one timer serves them all. */
  readonly #pending = new Set<Item<P, R>>();
  #deadlineTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly options: BatchingOptions,
    private readonly maxInFlight: number,
    private readonly run: (payloads: P[]) => Promise<{ results: R[]; computeMs: number }>,
    private readonly onBatch: (stats: BatchStats) => void = () => undefined,
  ) {}

  get queued(): number {
    return this.#queue.length;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  submit(payload: P, rows: number): Promise<R> {
    // Requests that free runtime slots take at the end of this turn are not waiting: they do not count.
    const leaving = (this.maxInFlight - this.#inFlight) * this.options.maxBatchSize;
    if (this.#queue.length - leaving >= this.options.maxQueueSize) {
      const batches = Math.ceil((this.#queue.length + 1) / Math.max(1, this.options.maxBatchSize));
      const seconds = Math.max(1, Math.ceil((batches * this.#avgBatchMs) / this.maxInFlight / 1000));
      return Promise.reject(
        new ServingError(
          'QUEUE_FULL',
          `The queue of this model is full (${this.options.maxQueueSize} requests waiting); retry after ${seconds} s.`,
          seconds,
        ),
      );
    }
    return new Promise<R>((resolve, reject) => {
      const item: Item<P, R> = {
        payload,
        rows,
        arrived: performance.now(),
        done: false,
        queued: true,
        resolve,
        reject,
      };
      this.#queue.push(item);
      if (this.options.timeoutMs > 0) {
        this.#pending.add(item);
        if (!this.#deadlineTimer) this.#armDeadline();
      }
      if (!this.#turnScheduled) {
        this.#turnScheduled = true;
        setImmediate(() => {
          this.#turnScheduled = false;
          this.#pump();
        });
      }
    });
  }

  #armDeadline(): void {
    const oldest = this.#pending.values().next().value;
    if (!oldest) return;
    const wait = Math.max(0, oldest.arrived + this.options.timeoutMs - performance.now());
    this.#deadlineTimer = setTimeout(() => this.#expire(), Math.ceil(wait));
  }

  #expire(): void {
    this.#deadlineTimer = undefined;
    const now = performance.now();
    for (const item of this.#pending) {
      if (item.arrived + this.options.timeoutMs > now) break;
      const queued = item.queued;
      if (queued) {
        const i = this.#queue.indexOf(item);
        if (i >= 0) this.#queue.splice(i, 1);
      }
      this.#settle(item, () =>
        item.reject(
          new ServingError(
            'TIMEOUT',
            `The request did not complete within ${this.options.timeoutMs} ms (${queued ? 'still queued' : 'inference running'}).`,
          ),
        ),
      );
    }
    this.#armDeadline();
  }

  /** Resolves once nothing is queued or running (used before a replaced version is unloaded). */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #settle(item: Item<P, R>, fn: () => void): void {
    if (item.done) return;
    item.done = true;
    this.#pending.delete(item);
    if (this.#pending.size === 0 && this.#deadlineTimer) {
      clearTimeout(this.#deadlineTimer);
      this.#deadlineTimer = undefined;
    }
    fn();
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#queue.length || this.#inFlight || !this.#idleWaiters.length) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  #pump(): void {
    while (this.#queue.length && this.#inFlight < this.maxInFlight) {
      const delay = this.options.maxQueueDelayMs;
      if (delay > 0 && this.#rowsQueued() < this.options.maxBatchSize) {
        const waited = performance.now() - this.#queue[0]!.arrived;
        if (waited < delay) {
          if (!this.#delayTimer)
            this.#delayTimer = setTimeout(() => {
              this.#delayTimer = undefined;
              this.#flush();
            }, delay - waited);
          return;
        }
      }
      this.#dispatch();
    }
  }

  #flush(): void {
    if (this.#queue.length && this.#inFlight < this.maxInFlight) this.#dispatch();
    this.#pump();
  }

  #rowsQueued(): number {
    let n = 0;
    for (const item of this.#queue) n += item.rows;
    return n;
  }

  #dispatch(): void {
    const batch: Item<P, R>[] = [this.#queue.shift()!];
    let rows = batch[0]!.rows;
    while (this.#queue.length && rows + this.#queue[0]!.rows <= this.options.maxBatchSize) {
      const next = this.#queue.shift()!;
      rows += next.rows;
      batch.push(next);
    }
    for (const item of batch) item.queued = false;
    if (this.#delayTimer && this.#queue.length === 0) {
      clearTimeout(this.#delayTimer);
      this.#delayTimer = undefined;
    }
    const now = performance.now();
    const queueMs = batch.map((b) => now - b.arrived);
    this.#inFlight++;
    this.run(batch.map((b) => b.payload)).then(
      ({ results, computeMs }) => {
        this.#inFlight--;
        this.#avgBatchMs = this.#avgBatchMs * 0.9 + (performance.now() - now) * 0.1;
        this.onBatch({ rows, requests: batch.length, computeMs, queueMs });
        for (const [i, item] of batch.entries()) this.#settle(item, () => item.resolve(results[i]!));
        this.#pump();
        this.#checkIdle();
      },
      (err: Error) => {
        this.#inFlight--;
        const error =
          err instanceof ServingError
            ? err
            : new ServingError('INFERENCE_FAILED', `Inference failed: ${err.message}`, undefined, {
                cause: err,
              });
        for (const item of batch) this.#settle(item, () => item.reject(error));
        this.#pump();
        this.#checkIdle();
      },
    );
  }
}
