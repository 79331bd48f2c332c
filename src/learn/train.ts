import { Worker } from 'node:worker_threads';
import { type ErrorCode, MloopError } from '../core/errors.js';
import { fitModel } from './fit.js';
import type { Frame } from './frame.js';
import type { TrainedModel, TrainProgress, TrainSpec } from './types.js';

export interface TrainOptions {
  /** Called on the calling thread for each reported iteration (every 10th for gbdt and logistic). */
  onProgress?: (p: TrainProgress) => void;
  /** Train on the calling thread instead of a worker (small data, or where workers are unwanted). */
  inline?: boolean;
  signal?: AbortSignal;
}

type WorkerMessage =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'done'; model: TrainedModel }
  | { type: 'error'; code: ErrorCode; message: string; stack?: string };

/**
 * Trains a model off the main thread: the frame is copied to a worker thread, which runs `fitModel` and posts
 * progress and the finished model back. Errors keep their code (bad input stays INVALID_PARAMETER_VALUE).
 */
export function train(frame: Frame, spec: TrainSpec, options: TrainOptions = {}): Promise<TrainedModel> {
  if (options.inline) return Promise.resolve().then(() => fitModel(frame, spec, options.onProgress));
  return new Promise((resolve, reject) => {
    const worker = startWorker({ frame, spec });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      void worker.terminate();
      settle(() => reject(new MloopError('BAD_REQUEST', 'Training was cancelled.')));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'progress') options.onProgress?.(msg.progress);
      else if (msg.type === 'done') settle(() => resolve(msg.model));
      else settle(() => reject(new MloopError(msg.code, msg.message)));
      if (msg.type !== 'progress') void worker.terminate();
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) =>
      settle(() => reject(new MloopError('INTERNAL_ERROR', `The training worker exited with code ${code}.`))),
    );
  });
}

/**
 * The compiled worker next to this file; when running from TypeScript sources (tests, tsx), a bootstrap registers
 * tsx's loader inside the worker first (Node 20 ignores `--import` in a worker's execArgv).
 */
function startWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./train-worker.js', import.meta.url), { workerData });
  const entry = new URL('./train-worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
