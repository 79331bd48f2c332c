import { randomBytes } from 'node:crypto';
import type { CompiledQuery } from 'kysely';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { toJsonValues } from '../serving/datatypes.js';
import type { PayloadHook, PredictionRecord } from '../serving/payload-hook.js';
import type { Store } from '../store/open-store.js';
import { ColumnBuffer } from './column-buffer.js';
import type { MonitorConfig } from './config.js';
import type { MonitorConfigStore } from './config-store.js';
import { type PredictionBatch, PredictionBuffer } from './prediction-buffer.js';
import { insertPredictionBatch } from './prediction-insert.js';
import { sensitiveGroups, storedOutput } from './prediction-output.js';
import { appendTensors } from './record-columns.js';
import { mergeDelta, type WindowDelta, type WindowJob } from './window-profile.js';
import { WindowProfiler } from './window-profiler.js';
import { type WindowWrite, type WindowWriteOutcome, writeWindow } from './window-write.js';

export interface IngestOptions {
  /** Names this process's window rows; replicas must differ (default: random). */
  replicaId?: string;
  /** Records waiting to be processed; beyond it records are dropped and counted (default 10,000). */
  queueSize?: number;
  /** How often predictions and samples are written, and windows that are due (default 2 s). */
  flushMs?: number;
  /**
   * How long a window that is still open may gather rows before they are merged into its stored row (default 10 s);
   * a window that has ended is written by the next flush. Predictions are stored every `flushMs` regardless.
   */
  windowWriteMs?: number;
  /** Records processed per event-loop turn before yielding to requests (default 128). */
  chunk?: number;
  /** Profile windows and insert predictions on the event loop instead of in a worker thread (default false). */
  inlineProfiling?: boolean;
  log?: (event: string, fields: Record<string, unknown>) => void;
}

interface WindowAcc {
  deployment: string;
  model: string;
  version: string;
  shadow: boolean;
  start: number;
  /** When the first of its rows since its last write arrived. */
  since: number;
  windowMs: number;
  requests: number;
  errors: number;
  inputs: ColumnBuffer;
  outputs: ColumnBuffer;
  latency: number[];
  /** Profiles of a flush that failed, written with the next one. */
  carried?: WindowDelta;
}

type Failure = { failure: true; deployment: string; model: string; version: string; timestamp: number };

/**
 * The serving side of monitoring, plugged into serving as its PayloadHook. `onPrediction` only pushes the record on a
 * bounded queue (dropping and counting when full), so serving never waits for monitoring. The queue is drained in
 * small chunks on later event-loop turns: each record's tensors are split into named columns and their values copied
 * into its window's column buffers (typed arrays), the only per-request work on the serving thread. Every `flushMs`
 * the predictions are stored for ground truth, inserted by a worker thread (WindowProfiler) through its own
 * connection, and the sampled requests go to the artifact store. A window's buffers go to the same worker, which
 * builds their profiles and merges them into this replica's row of the window (several replicas' rows merge on
 * read), once the window has ended or every `windowWriteMs` while it is open: merging into a stored row costs about
 * the same for a hundred rows as for thousands (every column's sketches are decoded, merged, summarized and encoded
 * again), and at every 2 s it kept the worker busy for 50–150 ms of each flush, a core's worth of CPU taken from
 * serving on a two-core machine.
 */
export class MonitorIngest implements PayloadHook {
  readonly replicaId: string;
  readonly #queue: (PredictionRecord | Failure)[] = [];
  readonly #windows = new Map<string, WindowAcc>();
  /** The accumulator the previous record went to: consecutive records of one version and window skip the key. */
  #last: WindowAcc | undefined;
  #predictions = new PredictionBuffer();
  /** Batches whose insert failed, retried with the next flush. */
  #unstored: PredictionBatch[] = [];
  #samples = new Map<string, string[]>();
  #draining = false;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #closed = false;
  #seq = 0;
  readonly counters = { received: 0, dropped: 0, processed: 0, flushFailures: 0, unreadable: 0 };
  readonly #queueSize: number;
  readonly #chunk: number;
  readonly #log: NonNullable<IngestOptions['log']>;
  readonly #profiler: WindowProfiler;
  readonly #workerWrites: boolean;

  constructor(
    private readonly store: Store,
    private readonly artifacts: ArtifactStore,
    private readonly configs: MonitorConfigStore,
    private readonly opts: IngestOptions = {},
  ) {
    this.replicaId = opts.replicaId ?? randomBytes(6).toString('hex');
    this.#queueSize = opts.queueSize ?? 10_000;
    this.#chunk = opts.chunk ?? 128;
    this.#log = opts.log ?? ((event, fields) => console.error(`mloop monitor: ${event}`, fields));
    this.#profiler = new WindowProfiler({ inline: opts.inlineProfiling ?? false, log: this.#log });
    // An in-memory SQLite database exists only on this connection: the worker cannot write to it.
    this.#workerWrites = !/^sqlite:\/\/\/(:memory:)?$/.test(store.uri);
  }

  start(): void {
    this.#profiler.start();
    const tick = () => {
      this.#timer = setTimeout(() => {
        void this.flush().finally(() => {
          if (!this.#closed) tick();
        });
      }, this.opts.flushMs ?? 2_000);
      this.#timer.unref();
    };
    tick();
  }

  onPrediction(record: PredictionRecord): void {
    this.#push(record);
  }

  onFailure(deployment: string, model: string, version: string, timestamp: number): void {
    this.#push({ failure: true, deployment, model, version, timestamp });
  }

  #push(item: PredictionRecord | Failure): void {
    this.counters.received++;
    if (this.#closed || this.#queue.length >= this.#queueSize) {
      this.counters.dropped++;
      return;
    }
    this.#queue.push(item);
    if (!this.#draining) {
      this.#draining = true;
      setImmediate(() => void this.#drain());
    }
  }

  get queueLength(): number {
    return this.#queue.length;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const chunk = this.#queue.splice(0, this.#chunk);
        // One config lookup per deployment per chunk, not one await per record.
        const configs = new Map<string, MonitorConfig | undefined>();
        for (const item of chunk) {
          let config = configs.get(item.deployment);
          if (!configs.has(item.deployment)) {
            config = await this.configs.get(item.deployment).catch(() => undefined);
            configs.set(item.deployment, config);
          }
          if (!config) {
            this.counters.dropped++;
            continue;
          }
          if ('failure' in item)
            this.#window(item.deployment, item.model, item.version, false, item.timestamp, config).errors++;
          else this.#process(item, config);
          this.counters.processed++;
        }
        // Yield to the requests between chunks.
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.#draining = false;
    }
  }

  #window(
    deployment: string,
    model: string,
    version: string,
    shadow: boolean,
    timestamp: number,
    config: MonitorConfig,
  ): WindowAcc {
    const last = this.#last;
    if (
      last &&
      timestamp >= last.start &&
      timestamp < last.start + last.windowMs &&
      last.windowMs === config.windowMs &&
      last.version === version &&
      last.deployment === deployment &&
      last.model === model &&
      last.shadow === shadow
    )
      return last;
    const start = Math.floor(timestamp / config.windowMs) * config.windowMs;
    const key = `${deployment}\u0000${model}\u0000${version}\u0000${shadow ? 1 : 0}\u0000${start}`;
    let w = this.#windows.get(key);
    if (!w) {
      w = {
        deployment,
        model,
        version,
        shadow,
        start,
        since: Date.now(),
        windowMs: config.windowMs,
        requests: 0,
        errors: 0,
        inputs: new ColumnBuffer(),
        outputs: new ColumnBuffer(),
        latency: [],
      };
      this.#windows.set(key, w);
    }
    this.#last = w;
    return w;
  }

  #process(r: PredictionRecord, config: MonitorConfig): void {
    const w = this.#window(r.deployment, r.model, r.modelVersion, r.shadow, r.timestamp, config);
    w.requests++;
    w.latency.push(r.latencyMs);
    appendTensors(w.inputs, r.inputs, r.meta, 'input');
    appendTensors(w.outputs, r.outputs, r.meta, 'output');
    const output = storedOutput(r, config);
    if (output) {
      const groups = sensitiveGroups(r, config.sensitiveColumn);
      this.#predictions.push({
        prediction_id: r.predictionId,
        shadow: r.shadow ? 1 : 0,
        deployment: r.deployment,
        model_version: r.modelVersion,
        timestamp: r.timestamp,
        window_start: w.start,
        output: JSON.stringify(output),
        groups: groups ? JSON.stringify(groups) : null,
      });
    } else this.counters.unreadable++;
    if (config.sampleRate > 0 && Math.random() < config.sampleRate) {
      const key = `${r.deployment}/${w.start}`;
      let lines = this.#samples.get(key);
      if (!lines) {
        lines = [];
        this.#samples.set(key, lines);
      }
      const tensor = (t: (typeof r.inputs)[number]) => ({
        name: t.name,
        datatype: t.datatype,
        shape: t.shape,
        data: toJsonValues(t.datatype, t.data),
      });
      lines.push(
        JSON.stringify({
          predictionId: r.predictionId,
          deployment: r.deployment,
          modelVersion: r.modelVersion,
          shadow: r.shadow,
          timestamp: r.timestamp,
          latencyMs: r.latencyMs,
          inputs: r.inputs.map(tensor),
          outputs: r.outputs.map(tensor),
        }),
      );
    }
  }

  /**
   * Writes what is due (see `windowWriteMs`), or with `all` everything gathered so far; concurrent callers share one
   * flush.
   */
  flush(opts: { all?: boolean } = {}): Promise<void> {
    this.#flushing ??= this.#flush(opts.all).finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** Waits until every queued record is processed, then writes everything. */
  async drainAndFlush(): Promise<void> {
    while (this.#queue.length > 0 || this.#draining) await new Promise((r) => setTimeout(r, 5));
    await this.#flushing;
    await this.flush({ all: true });
  }

  async #flush(all = false): Promise<void> {
    const now = Date.now();
    const windows: WindowAcc[] = [];
    const writeMs = this.opts.windowWriteMs ?? 10_000;
    for (const [key, w] of this.#windows)
      if (all || w.start + w.windowMs <= now || now - w.since >= writeMs) {
        windows.push(w);
        this.#windows.delete(key);
        if (this.#last === w) this.#last = undefined;
      }
    const predictions = [...this.#unstored.splice(0), this.#predictions.take()];
    const samples = this.#samples;
    this.#samples = new Map();
    for (const w of windows) {
      const job: WindowJob = {
        inputs: w.inputs.rows > 0 ? w.inputs.toBatch() : null,
        outputs: w.outputs.rows > 0 ? w.outputs.toBatch() : null,
        latency: Float64Array.from(w.latency),
        requests: w.requests,
        errors: w.errors,
        ...(w.carried ? { carried: w.carried } : {}),
      };
      await this.#writeWindow(w, job, now);
    }
    for (const batch of predictions) {
      if (batch.rows === 0) continue;
      try {
        const here = () => insertPredictionBatch(this.store.db, this.store.dialect.name, batch);
        await (this.#workerWrites ? this.#profiler.insert(this.store.uri, batch, here) : here());
      } catch (err) {
        this.counters.flushFailures++;
        this.#log('predictions_write_failed', { rows: batch.rows, error: (err as Error).message });
        this.#unstored.push(batch);
      }
    }
    for (const [key, lines] of samples) {
      const [deployment, start] = key.split('/') as [string, string];
      const path = `monitoring/${deployment}/samples/${start}/${this.replicaId}-${++this.#seq}.jsonl`;
      try {
        await this.artifacts.put(path, new TextEncoder().encode(`${lines.join('\n')}\n`));
      } catch (err) {
        this.counters.flushFailures++;
        this.#log('samples_write_failed', { path, error: (err as Error).message });
      }
    }
  }

  #carry(w: WindowAcc, delta: WindowDelta): void {
    const again = this.#again(w);
    again.carried = mergeCarried(again.carried, delta);
  }

  /** A window whose rows could not even be profiled: its rows go back into the buffers of the next flush. */
  #carryJob(w: WindowAcc, job: WindowJob): void {
    const again = this.#again(w);
    again.inputs.appendBatch(job.inputs);
    again.outputs.appendBatch(job.outputs);
    for (const ms of job.latency) again.latency.push(ms);
    again.requests += job.requests;
    again.errors += job.errors;
    if (job.carried) again.carried = mergeCarried(again.carried, job.carried);
  }

  #again(w: WindowAcc): WindowAcc {
    const config = { windowMs: w.windowMs } as MonitorConfig;
    return this.#window(w.deployment, w.model, w.version, w.shadow, w.start, config);
  }

  /**
   * Merges the job into this replica's row of the window, in the worker (see `writeWindow`). A failure carries what
   * was gathered to the next flush: the job's profiles when they were built, else its rows.
   */
  async #writeWindow(w: WindowAcc, job: WindowJob, now: number): Promise<void> {
    const write: WindowWrite = {
      key: {
        deployment: w.deployment,
        model_version: w.version,
        shadow: w.shadow ? 1 : 0,
        window_start: w.start,
        replica: this.replicaId,
      },
      model: w.model,
      windowMs: w.windowMs,
      job,
      now,
    };
    const here = () => writeWindow(this.store.db, write);
    const outcome = await (this.#workerWrites
      ? this.#profiler.write(this.store.uri, write, here)
      : here()
    ).catch((err: Error): WindowWriteOutcome => ({ ok: false, error: err.message }));
    if (outcome.ok) return;
    this.counters.flushFailures++;
    this.#log('window_write_failed', { deployment: w.deployment, error: outcome.error });
    if (outcome.delta) this.#carry(w, outcome.delta);
    else this.#carryJob(w, job);
  }

  /**
   * Runs a write of monitoring (predictions, purges) in the worker, off the serving thread: on SQLite a statement
   * holds its calling thread until it is done.
   */
  execute(query: CompiledQuery): Promise<{ numAffectedRows?: bigint }> {
    const here = () => this.store.db.executeQuery(query);
    return this.#workerWrites ? this.#profiler.execute(this.store.uri, query, here) : here();
  }

  /** Stops accepting records, processes the queue and writes everything. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    await this.drainAndFlush();
    this.#closed = true;
    await this.#profiler.close();
  }

  /** Prometheus families of the ingest path. */
  renderMetrics(): string {
    const c = this.counters;
    const family = (name: string, help: string, type: string, value: number) =>
      `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`;
    return (
      family(
        'mloop_monitor_records_total',
        'Predictions and failures handed to monitoring.',
        'counter',
        c.received,
      ) +
      family(
        'mloop_monitor_dropped_total',
        'Records monitoring dropped because its queue was full (serving never waits for it).',
        'counter',
        c.dropped,
      ) +
      family('mloop_monitor_processed_total', 'Records profiled into their window.', 'counter', c.processed) +
      family('mloop_monitor_queue_length', 'Records waiting to be profiled.', 'gauge', this.#queue.length) +
      family(
        'mloop_monitor_write_failures_total',
        'Failed writes of windows, predictions or samples (windows and predictions are retried).',
        'counter',
        c.flushFailures,
      )
    );
  }
}

const mergeCarried = (a: WindowDelta | undefined, b: WindowDelta): WindowDelta => (a ? mergeDelta(a, b) : b);
