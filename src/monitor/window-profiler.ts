import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CompiledQuery } from 'kysely';
import type { PredictionBatch } from './prediction-buffer.js';
import type { WindowWrite, WindowWriteOutcome } from './window-write.js';

interface Pending {
  /** The same work on this thread: what a job still out when the worker is lost becomes. */
  here(): unknown;
  resolve(result: unknown): void;
  reject(err: Error): void;
}

/**
 * Monitoring's work with the store in a worker thread, so that it never holds up the event loop that answers
 * requests: merging a window's rows into its stored row (sketch updates and JSON, tens of milliseconds for a few
 * thousand requests), the INSERT of the predictions and the purge of expired ones. It all goes through the worker's
 * own connection: better-sqlite3 runs every statement synchronously on its calling thread, and a window row is tens
 * of kilobytes of JSON, so even the reads and writes around the profiling held the serving thread for milliseconds.
 * One worker, started by `start()` or the first job; jobs are copied to it, not transferred, so that if the worker
 * cannot start or dies, its jobs are run here instead and nothing gathered is lost. After such a failure every
 * later job runs here (and the failure is logged once). A store the worker cannot open by its URI (SQLite in memory)
 * passes its jobs' `here` directly.
 */
export class WindowProfiler {
  #worker: Worker | undefined;
  #failed = false;
  #closed = false;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();

  constructor(
    private readonly opts: {
      /** Profile on the calling thread (no worker). */
      inline?: boolean;
      /** The worker's program (a module URL); profile-worker.ts/.js by default. */
      entry?: string;
      log?: (event: string, fields: Record<string, unknown>) => void;
    } = {},
  ) {}

  /** Starts the worker now rather than on the first flush, so that loading its modules is not a serving hiccup. */
  start(): void {
    this.#ensure();
  }

  /** Merges a window's rows into its row of the store at `uri`; `here` does it on this thread (`writeWindow`). */
  write(
    uri: string,
    write: WindowWrite,
    here: () => Promise<WindowWriteOutcome>,
  ): Promise<WindowWriteOutcome> {
    return this.#post({ window: { uri, write } }, here) as Promise<WindowWriteOutcome>;
  }

  /** Stores predictions in the store at `uri` (`insertPredictionBatch`); `here` does it on this thread. */
  insert(uri: string, batch: PredictionBatch, here: () => Promise<void>): Promise<unknown> {
    return this.#post({ predictions: { uri, batch } }, here);
  }

  /** Runs a statement on the store at `uri`; `here` runs it on this thread. */
  execute(
    uri: string,
    query: CompiledQuery,
    here: () => Promise<{ numAffectedRows?: bigint }>,
  ): Promise<{ numAffectedRows?: bigint }> {
    const message = { query: { uri, sql: query.sql, parameters: query.parameters } };
    return this.#post(message, here) as Promise<{ numAffectedRows?: bigint }>;
  }

  #post(message: Record<string, unknown>, here: () => unknown): Promise<unknown> {
    const worker = this.#ensure();
    if (!worker) return Promise.resolve().then(here);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { here, resolve, reject });
      // Held only while a job is out, so an idle worker never keeps the process alive.
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage({ id, ...message });
    });
  }

  #ensure(): Worker | undefined {
    if (this.opts.inline || this.#failed || this.#closed) return undefined;
    if (this.#worker) return this.#worker;
    try {
      const workerData = workerEntry();
      if (this.opts.entry) workerData.entry = this.opts.entry;
      const worker = new Worker(BOOTSTRAP, { eval: true, workerData });
      worker.unref();
      worker.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: string }) => {
        const p = this.#pending.get(msg.id);
        if (!p) return;
        this.#pending.delete(msg.id);
        if (this.#pending.size === 0) worker.unref();
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new Error(msg.error));
      });
      worker.on('error', (err) => this.#lost(worker, err));
      worker.on('exit', (code) =>
        this.#lost(worker, new Error(`the profiling worker exited with code ${code}`)),
      );
      this.#worker = worker;
      return worker;
    } catch (err) {
      this.#lost(undefined, err as Error);
      return undefined;
    }
  }

  #lost(worker: Worker | undefined, err: Error): void {
    if (worker && worker !== this.#worker) return;
    this.#worker = undefined;
    if (this.#closed) {
      for (const p of this.#pending.values()) p.reject(new Error('the profiling worker was closed'));
      this.#pending.clear();
      return;
    }
    if (!this.#failed) this.opts.log?.('profile_worker_failed', { error: err.message, fallback: 'inline' });
    this.#failed = true;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) Promise.resolve().then(p.here).then(p.resolve, p.reject);
  }

  /** True while jobs go to a worker thread (false: inline, by choice or after a failure). */
  get threaded(): boolean {
    return !this.opts.inline && !this.#failed;
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    // Let the worker close its connection to the store (a PostgreSQL pool) before it is stopped.
    if (worker) await this.#post({ close: true }, () => undefined).catch(() => undefined);
    this.#closed = true;
    this.#worker = undefined;
    if (worker) await worker.terminate();
  }
}

/**
 * The worker starts from this CommonJS text and imports the real entry, so that one code path serves the compiled
 * package (profile-worker.js) and the TypeScript sources (tests, benchmarks), which need tsx's loader registered in
 * the worker (an eval'd worker does not run the parent's `--import tsx`).
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((err) => setImmediate(() => { throw err; }));
`;

function workerEntry(): { entry: string; tsx?: string } {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(`./profile-worker.${fromSources ? 'ts' : 'js'}`, import.meta.url).href;
  if (!fromSources) return { entry };
  // The ESM build of tsx's API (the `import` export of `tsx/esm/api`; its CommonJS build cannot be imported).
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const exports = JSON.parse(readFileSync(manifest, 'utf8')).exports['./esm/api'].import.default as string;
  return { entry, tsx: pathToFileURL(join(dirname(manifest), exports)).href };
}
