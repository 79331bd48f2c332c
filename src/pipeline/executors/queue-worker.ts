import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Job, Worker } from 'bullmq';
import { mloopShimDir, openCacheBackend } from '../project.js';
import { StageCache } from '../stage-cache.js';
import { runInWorkspace } from './local.js';
import {
  COMMAND_FAILED,
  QUEUE_NAME,
  redisOptions,
  type StageJobData,
  type StageJobProgress,
  type StageJobResult,
} from './queue-shared.js';

export interface WorkerEvent {
  event: 'ready' | 'start' | 'done' | 'failed' | 'closing';
  stage?: string;
  job?: string;
  message: string;
}

/**
 * `mloop worker`: takes stage jobs, rebuilds each stage's deps from the shared cache in a fresh scratch directory,
 * runs it, stores the outputs in the cache and returns their hashes. The lock is short (MLOOP_WORKER_LOCK_MS,
 * default 10 s, renewed while the stage runs) so that a killed worker's job returns to the queue quickly.
 */
export async function runWorker(opts: {
  redisUrl: string;
  concurrency: number;
  workDir?: string;
  log: (e: WorkerEvent) => void;
}): Promise<void> {
  const name = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const lockDuration = Number(process.env.MLOOP_WORKER_LOCK_MS ?? 10_000);
  const stores = new Map<string, StageCache>();
  const cacheFor = (uri: string) => {
    const known = stores.get(uri);
    if (known) return known;
    const made = new StageCache(openCacheBackend(uri));
    stores.set(uri, made);
    return made;
  };
  const base = opts.workDir ?? tmpdir();

  const processor = async (job: Job<StageJobData>): Promise<StageJobResult> => {
    const { stage, deps, cacheUri } = job.data;
    const cache = cacheFor(cacheUri);
    const dir = mkdtempSync(join(base, 'mloop-stage-'));
    opts.log({
      event: 'start',
      stage: stage.name,
      job: job.id!,
      message: `${stage.name}: running (job ${job.id})`,
    });
    let pending: StageJobProgress['lines'] = [];
    const flush = () => {
      if (pending.length === 0) return;
      const lines = pending;
      pending = [];
      void job.updateProgress({ lines }).catch(() => {});
    };
    const timer = setInterval(flush, 200);
    try {
      for (const dep of deps) await cache.restore(join(dir, dep.path), dep);
      const outcome = await runInWorkspace(
        dir,
        {
          stage,
          key: job.data.key,
          deps,
          attempt: job.data.attempt,
          logFile: join(dir, '.mloop-stage.log'),
          env: job.data.env,
          onLine: (line, stream) => pending.push({ line, stream }),
          signal: new AbortController().signal,
        },
        cache,
        undefined,
        { ...process.env, PATH: `${mloopShimDir(dir)}:${process.env.PATH ?? ''}` },
      );
      flush();
      if (!outcome.ok) {
        const r = outcome.result;
        opts.log({
          event: 'failed',
          stage: stage.name,
          job: job.id!,
          message: `${stage.name}: failed (exit code ${r.exitCode})`,
        });
        throw new Error(
          COMMAND_FAILED +
            JSON.stringify({
              exitCode: r.exitCode,
              signal: r.signal,
              timedOut: r.timedOut,
              ...(outcome.missing ? { missing: outcome.missing } : {}),
            }),
        );
      }
      opts.log({ event: 'done', stage: stage.name, job: job.id!, message: `${stage.name}: done` });
      return { outs: outcome.outs, worker: name };
    } finally {
      clearInterval(timer);
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const worker = new Worker<StageJobData, StageJobResult>(QUEUE_NAME, processor, {
    connection: redisOptions(opts.redisUrl),
    concurrency: opts.concurrency,
    lockDuration,
    stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
    maxStalledCount: 3,
    name,
  });
  await worker.waitUntilReady();
  opts.log({ event: 'ready', message: `worker ${name} ready (concurrency ${opts.concurrency})` });
  await new Promise<void>((resolve) => {
    const stop = () => {
      opts.log({ event: 'closing', message: `worker ${name}: finishing running stages, then exiting` });
      void worker.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  for (const c of stores.values()) await c.store.close?.();
}
