import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ModelRuntime, RuntimeModelInfo, RuntimeResult, RuntimeTensor } from '../runtime.js';
import { WORKER_SOURCE } from './worker-source.js';

export interface OnnxPoolOptions {
  /** Worker threads; by default one per core but one, at least 1 (the HTTP event loop keeps a core). */
  workers?: number;
  /** onnxruntime intra-op threads per session (default 1: parallelism comes from the workers). */
  intraOpNumThreads?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * onnxruntime-node's `run` blocks the calling thread, so every session lives in a worker thread: the HTTP event
 * loop never waits on inference. Each worker holds one session per loaded model; an inference goes to the worker
 * with the fewest requests in flight. A worker that dies is replaced and its models reloaded.
 */
export class OnnxWorkerPool implements ModelRuntime {
  readonly concurrency: number;
  readonly #ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
  readonly #intraOp: number;
  readonly #slots: Slot[] = [];
  readonly #models = new Map<string, string>();
  #nextId = 1;
  #closed = false;

  constructor(opts: OnnxPoolOptions = {}) {
    this.concurrency = Math.max(1, opts.workers ?? Math.max(1, availableParallelism() - 1));
    this.#intraOp = opts.intraOpNumThreads ?? 1;
  }

  /** Workers start on the first load, so a server with nothing deployed runs none. */
  #ensureWorkers(): void {
    while (this.#slots.length < this.concurrency) this.#slots.push(this.#spawn());
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ortPath: this.#ortPath, intraOpNumThreads: this.#intraOp },
    });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (msg: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new Error(msg.error));
    });
    const died = (err: Error) => {
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
      const i = this.#slots.indexOf(slot);
      if (i < 0 || this.#closed) return;
      const replacement = this.#spawn();
      this.#slots[i] = replacement;
      for (const [key, file] of this.#models)
        this.#send(replacement, { type: 'load', key, file }).catch(() => undefined);
    };
    worker.on('error', (err) => died(err));
    worker.on('exit', (code) => died(new Error(`inference worker exited with code ${code}`)));
    return slot;
  }

  #send<T>(slot: Slot, msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      slot.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  async load(key: string, file: string): Promise<RuntimeModelInfo> {
    if (this.#closed) throw new Error('the inference pool is closed');
    this.#ensureWorkers();
    const results = await Promise.allSettled(
      this.#slots.map((s) => this.#send<RuntimeModelInfo>(s, { type: 'load', key, file })),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.allSettled(this.#slots.map((s) => this.#send(s, { type: 'unload', key })));
      throw (failed as PromiseRejectedResult).reason;
    }
    this.#models.set(key, file);
    return (results[0] as PromiseFulfilledResult<RuntimeModelInfo>).value;
  }

  infer(key: string, feeds: Record<string, RuntimeTensor>): Promise<RuntimeResult> {
    if (this.#closed || this.#slots.length === 0) return Promise.reject(new Error('no inference workers'));
    let slot = this.#slots[0]!;
    for (const s of this.#slots) if (s.pending.size < slot.pending.size) slot = s;
    // Inputs are copied, not transferred: shadow routes and the payload hook still read them afterwards.
    return this.#send(slot, { type: 'infer', key, feeds });
  }

  async unload(key: string): Promise<void> {
    this.#models.delete(key);
    await Promise.allSettled(this.#slots.map((s) => this.#send(s, { type: 'unload', key })));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
