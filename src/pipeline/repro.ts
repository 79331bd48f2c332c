import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { StatCache } from '../data/hash/stat-cache.js';
import { PipelineError } from './errors.js';
import type { Executor } from './executor.js';
import { cacheKey, definitionHash, hashOne } from './fingerprint.js';
import { type Dag, selectStages } from './graph.js';
import { type HashedPath, type LockEntry, type LockFile, readLock, writeLock } from './lock.js';
import { tailLines } from './run-command.js';
import { pipelineRecord } from './run-record.js';
import { producedPaths, type Stage } from './spec.js';
import type { StageCache } from './stage-cache.js';
import type { Tracker } from './tracker.js';

export type StageStatus = 'up-to-date' | 'restored' | 'ran' | 'failed' | 'blocked' | 'interrupted';

export interface StageOutcome {
  stage: string;
  status: StageStatus;
  durationMs: number;
  attempts: number;
  key?: string;
  run?: string;
  /** For a failure: the message naming the stage, its exit code and the last lines of its log. */
  error?: string;
  exitCode?: number | null;
  log?: string;
  /** Size of the (appended) log file before this execution: where its output starts. */
  logFrom?: number;
}

export type ReproEvent =
  | { type: 'start'; stage: string; attempt: number }
  | { type: 'line'; stage: string; line: string; stream: 'stdout' | 'stderr' }
  | { type: 'retry'; stage: string; attempt: number; delayMs: number; reason: string }
  | { type: 'done'; outcome: StageOutcome };

export interface ReproOptions {
  root: string;
  dag: Dag;
  targets?: string[];
  /** Only the named stages, not their upstream. */
  single?: boolean;
  force?: boolean;
  jobs?: number;
  keepGoing?: boolean;
  executor: Executor;
  cache: StageCache;
  statCache?: StatCache;
  tracker?: Tracker;
  signal?: AbortSignal;
  onEvent?: (event: ReproEvent) => void;
  /** Tests shorten retry backoff. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface ReproResult {
  ok: boolean;
  interrupted: boolean;
  stages: StageOutcome[];
}

const LOG_TAIL = 10;

/**
 * mloop.lock is rewritten whole and renamed over the old one, which on ext4 also starts writeback of the new file: a
 * few milliseconds per stage. Finished stages are written at most this often and when repro ends; a repro killed
 * in between loses the newest entries, whose run-cache records are already written, so the next repro restores
 * those stages (a copy) rather than running them again.
 */
const LOCK_WRITE_INTERVAL_MS = 200;

export const logFileOf = (root: string, stage: string) =>
  join(root, '.mloop', 'logs', `${stage.replace(/[/\\]/g, '_')}.log`);

const abortableSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Reproduces a pipeline: each stage whose cache key changed runs (or, when the run-cache saw the key before, has its
 * outputs restored instead), independent stages `jobs` at a time. A stage's lock entry and run-cache record are
 * written only after it succeeded and its outputs are stored, so an interrupted or failed stage records nothing.
 */
export async function repro(opts: ReproOptions): Promise<ReproResult> {
  const { root, dag, cache } = opts;
  const signal = opts.signal ?? new AbortController().signal;
  const sleep = opts.sleep ?? abortableSleep;
  const lock: LockFile = readLock(root);
  // Entries of stages no longer in mloop.yaml go with the next write (DVC keeps only the stages it knows).
  for (const name of Object.keys(lock.stages)) if (!dag.stages.has(name)) delete lock.stages[name];
  const order = selectStages(dag, opts.targets ?? [], { single: opts.single ?? false });
  const selected = new Set(order);
  const outcomes = new Map<string, StageOutcome>();
  const runs = new Map<string, string>();
  for (const [name, entry] of Object.entries(lock.stages)) if (entry.run) runs.set(name, entry.run);
  mkdirSync(join(root, '.mloop', 'logs'), { recursive: true });
  let failed = false;

  const upstreamOf = (name: string) => [...dag.upstream.get(name)!].filter((u) => selected.has(u));
  const finished = (s: StageStatus) => s === 'up-to-date' || s === 'restored' || s === 'ran';

  const process1 = async (name: string): Promise<StageOutcome> => {
    const stage = dag.stages.get(name)!;
    const started = Date.now();
    const done = (o: Omit<StageOutcome, 'stage' | 'durationMs'>): StageOutcome => ({
      stage: name,
      durationMs: Date.now() - started,
      ...o,
    });
    const deps: HashedPath[] = [];
    for (const path of stage.deps) {
      const h = await hashOne(root, path, opts.statCache);
      if (!h) {
        const producer = dag.producer.get(path);
        return done({
          status: 'failed',
          attempts: 0,
          error: `stage ${name}: dep ${path} does not exist${producer ? ` (stage ${producer} should have produced it)` : ''}.`,
        });
      }
      deps.push(h);
    }
    const key = cacheKey(stage, deps);
    const entry = lock.stages[name];
    if (!opts.force && !stage.alwaysChanged && entry?.key === key && (await outputsMatch(stage, entry)))
      return done({ status: 'up-to-date', attempts: 0, key, ...(entry.run ? { run: entry.run } : {}) });

    const upstream = new Map<string, { stage: string; run?: string }>();
    for (const d of stage.deps) {
      const producer = [...dag.producer].find(
        ([out]) => d === out || d.startsWith(`${out}/`) || out.startsWith(`${d}/`),
      )?.[1];
      if (producer)
        upstream.set(d, { stage: producer, ...(runs.get(producer) ? { run: runs.get(producer)! } : {}) });
    }

    if (!opts.force && !stage.alwaysChanged) {
      const record = await cache.getRun(key);
      if (record && (await allCached(cache, record.outs)) && (await restoreAll(cache, root, record.outs))) {
        // Re-hash through the stat cache so the next status is a lookup, not a read.
        for (const out of record.outs) await hashOne(root, out.path, opts.statCache);
        const runId = await opts.tracker?.start({ stage, key, deps, attempt: 1, upstream });
        await opts.tracker?.end(runId, stage, { ok: true, outs: record.outs, how: 'restored' });
        commit(stage, key, deps, record.outs, runId ?? record.run);
        return done({ status: 'restored', attempts: 0, key, ...(runId ? { run: runId } : {}) });
      }
    }

    const logFile = logFileOf(root, name);
    const logFrom = existsSync(logFile) ? statSync(logFile).size : 0;
    const attempts = stage.retry.count + 1;
    let delay = stage.retry.backoffMs;
    let last = '';
    let exitCode: number | null = null;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (signal.aborted) return done({ status: 'interrupted', attempts: attempt - 1, key });
      opts.onEvent?.({ type: 'start', stage: name, attempt });
      const runId = await opts.tracker?.start({ stage, key, deps, attempt, upstream });
      const outcome = await opts.executor.execute({
        stage,
        key,
        deps,
        attempt,
        logFile,
        env: { MLOOP_STAGE: name, MLOOP_ATTEMPT: String(attempt), ...(runId ? { MLOOP_RUN_ID: runId } : {}) },
        onLine: (line, stream) => opts.onEvent?.({ type: 'line', stage: name, line, stream }),
        signal,
      });
      if (outcome.ok) {
        await cache.putRun({
          key,
          stage: name,
          outs: outcome.outs,
          ...(runId ? { run: runId } : {}),
          createdAt: Date.now(),
        });
        await opts.tracker?.end(runId, stage, { ok: true, outs: outcome.outs, how: 'ran' });
        commit(stage, key, deps, outcome.outs, runId);
        return done({ status: 'ran', attempts: attempt, key, logFrom, ...(runId ? { run: runId } : {}) });
      }
      const r = outcome.result;
      if (r.interrupted || signal.aborted) {
        await opts.tracker?.end(runId, stage, { ok: false, outs: [], how: 'interrupted' });
        return done({ status: 'interrupted', attempts: attempt, key });
      }
      exitCode = r.exitCode;
      last = outcome.message
        ? outcome.message
        : outcome.missing
          ? `the command succeeded but did not produce its declared output${outcome.missing.length > 1 ? 's' : ''} ${outcome.missing.join(', ')}`
          : r.timedOut
            ? `timed out after ${(stage.timeoutMs ?? 0) / 1000} s`
            : r.signal
              ? `killed by ${r.signal}`
              : `exit code ${r.exitCode}`;
      await opts.tracker?.end(runId, stage, { ok: false, outs: [], how: 'failed', message: last });
      if (attempt < attempts) {
        opts.onEvent?.({ type: 'retry', stage: name, attempt: attempt + 1, delayMs: delay, reason: last });
        await sleep(delay, signal);
        delay *= stage.retry.factor;
      }
    }
    const tail = tailLines(logFile, LOG_TAIL);
    const rel = logFile.slice(root.length + 1);
    return done({
      status: 'failed',
      attempts,
      key,
      exitCode,
      log: rel,
      logFrom,
      error: `stage ${name} failed: ${last}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}. Last lines of ${rel}:\n${tail.map((l) => `  | ${l}`).join('\n')}`,
    });
  };

  const commit = (
    stage: Stage,
    key: string,
    deps: HashedPath[],
    outs: HashedPath[],
    run: string | undefined,
  ) => {
    const entry: LockEntry = {
      key,
      cmd: stage.cmd,
      deps,
      params: stage.params,
      outs,
      definition: definitionHash(stage),
      ...(run ? { run } : {}),
    };
    lock.stages[stage.name] = entry;
    lockDirty = true;
    if (run) runs.set(stage.name, run);
    lockTimer ??= setTimeout(() => {
      try {
        flushLock();
      } catch {
        // Left dirty: the write at the end of repro tries again and reports the error.
        lockDirty = true;
      }
    }, LOCK_WRITE_INTERVAL_MS);
  };
  let lockTimer: NodeJS.Timeout | undefined;
  let lockDirty = false;
  const flushLock = () => {
    if (lockTimer) clearTimeout(lockTimer);
    lockTimer = undefined;
    if (!lockDirty) return;
    lockDirty = false;
    writeLock(root, lock);
  };

  const outputsMatch = async (stage: Stage, entry: LockEntry): Promise<boolean> => {
    const locked = new Map(entry.outs.map((o) => [o.path, o.hash]));
    for (const path of producedPaths(stage)) {
      const h = await hashOne(root, path, opts.statCache);
      if (!h || locked.get(path) !== h.hash) return false;
    }
    return true;
  };

  try {
    const jobs = Math.max(1, opts.jobs ?? 1);
    const running = new Map<string, Promise<void>>();
    const pending = [...order];
    while (pending.length > 0 || running.size > 0) {
      const stop = signal.aborted || (failed && !opts.keepGoing);
      if (!stop) {
        for (let i = 0; i < pending.length && running.size < jobs; ) {
          const name = pending[i]!;
          const ups = upstreamOf(name);
          if (ups.some((u) => outcomes.has(u) && !finished(outcomes.get(u)!.status))) {
            pending.splice(i, 1);
            const blocker = ups.find((u) => outcomes.has(u) && !finished(outcomes.get(u)!.status))!;
            const o: StageOutcome = {
              stage: name,
              status: 'blocked',
              durationMs: 0,
              attempts: 0,
              error: `not run: upstream stage ${blocker} did not succeed`,
            };
            outcomes.set(name, o);
            opts.onEvent?.({ type: 'done', outcome: o });
            continue;
          }
          if (!ups.every((u) => outcomes.has(u))) {
            i++;
            continue;
          }
          pending.splice(i, 1);
          running.set(
            name,
            process1(name).then(
              (o) => {
                outcomes.set(name, o);
                if (o.status === 'failed') failed = true;
                running.delete(name);
                opts.onEvent?.({ type: 'done', outcome: o });
              },
              (err: unknown) => {
                const o: StageOutcome = {
                  stage: name,
                  status: 'failed',
                  durationMs: 0,
                  attempts: 0,
                  error: `stage ${name}: ${(err as Error).message}`,
                };
                outcomes.set(name, o);
                failed = true;
                running.delete(name);
                opts.onEvent?.({ type: 'done', outcome: o });
              },
            ),
          );
        }
      } else if (running.size === 0) break;
      if (running.size === 0) {
        if (pending.length > 0 && !stop)
          throw new PipelineError('CYCLE', `cannot schedule ${pending.join(', ')}`);
        break;
      }
      await Promise.race(running.values());
    }
  } finally {
    flushLock();
  }
  const interrupted = signal.aborted;
  const stages = order.filter((n) => outcomes.has(n)).map((n) => outcomes.get(n)!);
  const ok = !interrupted && stages.length === order.length && stages.every((s) => finished(s.status));
  if (opts.tracker)
    await opts.tracker.close(
      ok,
      pipelineRecord(dag, order, outcomes, { ok, interrupted }, (stage) => logFileOf(root, stage)),
    );
  return { ok, interrupted, stages };
}

async function allCached(cache: StageCache, outs: readonly HashedPath[]): Promise<boolean> {
  for (const o of outs) if (!(await cache.has(o))) return false;
  return true;
}

/** Writes outputs from the cache; false (a miss: the stage runs) when a blob fails its hash check. */
async function restoreAll(cache: StageCache, root: string, outs: readonly HashedPath[]): Promise<boolean> {
  try {
    for (const out of outs) await cache.restore(join(root, out.path), out);
    return true;
  } catch {
    return false;
  }
}
