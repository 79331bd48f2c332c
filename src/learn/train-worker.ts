import { parentPort, workerData } from 'node:worker_threads';
import { isMloopError } from '../core/errors.js';
import { fitModel } from './fit.js';
import type { Frame } from './frame.js';
import type { TrainSpec } from './types.js';

/** Worker-thread entry of `train`: trains, posting a progress message per reported iteration, then the model. */
const { frame, spec } = workerData as { frame: Frame; spec: TrainSpec };
try {
  const model = fitModel(frame, spec, (p) => parentPort!.postMessage({ type: 'progress', progress: p }));
  parentPort!.postMessage({ type: 'done', model });
} catch (err) {
  parentPort!.postMessage({
    type: 'error',
    code: isMloopError(err) ? err.code : 'INTERNAL_ERROR',
    message: (err as Error).message,
    stack: (err as Error).stack,
  });
}
