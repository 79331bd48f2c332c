import { parentPort } from 'node:worker_threads';
import { profileWindow, type WindowJob } from './window-profile.js';

/** The profiling worker's program: one window job in, its delta and merged row out (see WindowProfiler). */
parentPort!.on('message', (msg: { id: number; job: WindowJob }) => {
  try {
    parentPort!.postMessage({ id: msg.id, ok: true, result: profileWindow(msg.job) });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, ok: false, error: (err as Error).message ?? String(err) });
  }
});
