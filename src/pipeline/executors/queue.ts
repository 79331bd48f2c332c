import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import type { StatCache } from '../../data/hash/stat-cache.js';
import type { ExecOutcome, Executor, StageTask } from '../executor.js';
import { hashOne } from '../fingerprint.js';
import type { StageCache } from '../stage-cache.js';
import {
  COMMAND_FAILED,
  QUEUE_NAME,
  redisOptions,
  type StageJobData,
  type StageJobProgress,
  type StageJobResult,
} from './queue-shared.js';

/**
 * Hands stages to `mloop worker` processes through a BullMQ queue on Redis. Deps go to the shared cache before the
 * job is queued; the worker stores the outputs there before it completes the job; this side then checks that every
 * output blob is present and writes the outputs into the working tree. Only then does `repro` record the stage —
 * once, however many workers touched the job. A worker killed mid-stage loses its lock, BullMQ's stalled-job check
 * puts the job back in the queue, and another worker runs it from scratch in a fresh directory.
 */
export class QueueExecutor implements Executor {
  private readonly listeners = new Map<string, (p: StageJobProgress) => void>();

  private constructor(
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly root: string,
    private readonly cache: StageCache,
    private readonly statCache: StatCache | undefined,
    private readonly env: Record<string, string>,
  ) {
    events.on('progress', ({ jobId, data }) => this.listeners.get(jobId)?.(data as StageJobProgress));
  }

  static async open(opts: {
    redisUrl: string;
    root: string;
    cache: StageCache;
    statCache?: StatCache;
    env?: Record<string, string>;
  }): Promise<QueueExecutor> {
    const connection = redisOptions(opts.redisUrl);
    const queue = new Queue(QUEUE_NAME, { connection });
    const events = new QueueEvents(QUEUE_NAME, { connection });
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return new QueueExecutor(queue, events, opts.root, opts.cache, opts.statCache, opts.env ?? {});
  }

  async execute(task: StageTask): Promise<ExecOutcome> {
    for (const dep of task.deps) await this.cache.putPath(join(this.root, dep.path), dep);
    const data: StageJobData = {
      stage: task.stage,
      key: task.key,
      deps: task.deps,
      attempt: task.attempt,
      cacheUri: this.cache.store.uri,
      env: { ...this.env, ...task.env },
    };
    const job = await this.queue.add(task.stage.name, data, {
      attempts: 1,
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 24 * 3600 },
    });
    const id = job.id!;
    this.listeners.set(id, (p) => {
      for (const { line, stream } of p.lines ?? []) {
        appendFileSync(task.logFile, `${line}\n`);
        task.onLine(line, stream);
      }
    });
    const onAbort = () => {
      // A waiting job is withdrawn; a running one finishes on its worker but is never recorded.
      void job.remove().catch(() => {});
    };
    task.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const result = (await Promise.race([
        job.waitUntilFinished(this.events),
        new Promise((_, reject) => {
          if (task.signal.aborted) reject(new Error('interrupted'));
          task.signal.addEventListener('abort', () => reject(new Error('interrupted')), { once: true });
        }),
      ])) as StageJobResult;
      for (const out of result.outs)
        if (!(await this.cache.has(out)))
          return {
            ok: false,
            result: failed(null),
            message: `worker ${result.worker} reported output ${out.path} but it is not in the cache`,
          };
      for (const out of result.outs) {
        await this.cache.restore(join(this.root, out.path), out);
        await hashOne(this.root, out.path, this.statCache);
      }
      return { ok: true, outs: result.outs };
    } catch (err) {
      if (task.signal.aborted) return { ok: false, result: { ...failed(null), interrupted: true } };
      const message = (err as Error).message;
      if (message.startsWith(COMMAND_FAILED)) {
        const info = JSON.parse(message.slice(COMMAND_FAILED.length)) as {
          exitCode: number | null;
          signal: NodeJS.Signals | null;
          timedOut: boolean;
          missing?: string[];
        };
        return {
          ok: false,
          result: {
            ok: false,
            exitCode: info.exitCode,
            signal: info.signal,
            timedOut: info.timedOut,
            interrupted: false,
          },
          ...(info.missing ? { missing: info.missing } : {}),
        };
      }
      return { ok: false, result: failed(null), message: `the queue reported: ${message}` };
    } finally {
      this.listeners.delete(id);
      task.signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
  }
}

const failed = (exitCode: number | null) => ({
  ok: false as const,
  exitCode,
  signal: null,
  timedOut: false,
  interrupted: false,
});
