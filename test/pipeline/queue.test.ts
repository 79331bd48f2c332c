import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLock } from '../../src/pipeline/lock.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { mloop, requireBuild, spawnMloop } from './cli-support.js';
import { project } from './support.js';

interface WorkerProc {
  child: ChildProcess;
  out: () => string;
}

function startWorker(dir: string, redis: string): WorkerProc {
  const child = spawnMloop(dir, ['worker', '--redis', redis], { MLOOP_WORKER_LOCK_MS: '2000' });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  return { child, out: () => out };
}

const until = async (what: string, test: () => boolean, ms = 30_000) => {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** A process that exited is gone, or a zombie where nothing reaps orphans (PID 1 in a container). */
const running = (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

const runRecords = (cache: string) =>
  existsSync(join(cache, 'pipeline/runs'))
    ? readdirSync(join(cache, 'pipeline/runs'), { recursive: true }).filter((f) =>
        String(f).endsWith('.json'),
      )
    : [];

describe('--executor queue: BullMQ workers on a real Redis', () => {
  let redis: RedisServer;
  const workers: WorkerProc[] = [];
  beforeAll(async () => {
    requireBuild();
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await redis?.stop();
  });

  it('a worker SIGKILLed mid-stage: its stage process dies with it, the stage is retried on the other worker, and is recorded once, complete', async () => {
    const marks = mkdtempSync(join(tmpdir(), 'mloop-marks-'));
    const dir = project({
      'raw.txt': 'raw\n',
      'mloop.yaml': `pipeline:
  stages:
    prep:
      cmd: (cat raw.txt; echo prepped) > data.txt
      deps: [raw.txt]
      outs: [data.txt]
    slow:
      cmd: >-
        echo start >> ${marks}/attempts.log && cat data.txt > out.txt && echo half-written >> out.txt &&
        { sleep 4 & echo $! >> ${marks}/pids; wait $!; } && echo complete >> out.txt &&
        echo finished >> ${marks}/attempts.log
      deps: [data.txt]
      outs: [out.txt]
`,
    });
    const cache = join(dir, 'shared-cache');
    workers.push(startWorker(dir, redis.url), startWorker(dir, redis.url));
    await until('workers ready', () => workers.every((w) => w.out().includes('ready')));

    const coordinator = mloop(dir, [
      'repro',
      '--executor',
      'queue',
      '--redis',
      redis.url,
      '--cache',
      cache,
      '--no-track',
      '--json',
    ]);
    await until('the slow stage to start', () => existsSync(join(marks, 'pids')));
    const victim = workers.find((w) => w.out().includes('slow: running'))!;
    const survivor = workers.find((w) => w !== victim)!;
    const stagePid = Number(readFileSync(join(marks, 'pids'), 'utf8'));
    expect(running(stagePid)).toBe(true);
    victim.child.kill('SIGKILL');
    // The stage's process goes with its worker, long before its 4 s sleep would have ended.
    await until("the killed worker's stage process to end", () => !running(stagePid), 2000);

    const result = await coordinator;
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.stages.map((s: { stage: string; status: string }) => [s.stage, s.status])).toEqual([
      ['prep', 'ran'],
      ['slow', 'ran'],
    ]);
    // Two starts, the killed one and the retry on the surviving worker, and one finish: the killed attempt did not
    // run on to the end unseen.
    expect(readFileSync(join(marks, 'attempts.log'), 'utf8')).toBe('start\nstart\nfinished\n');
    expect(survivor.out()).toMatch(/slow: done/);
    // The working tree and the lock hold the complete output, recorded once.
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('raw\nprepped\nhalf-written\ncomplete\n');
    const lock = readLock(dir);
    expect(Object.keys(lock.stages)).toEqual(['prep', 'slow']);
    expect(lock.stages.slow!.outs).toHaveLength(1);
    expect(runRecords(cache)).toHaveLength(2);
    // Stage output streamed back through the queue into the coordinator's log.
    expect(result.stderr).toMatch(/^slow +running/m);

    // Nothing changed: nothing is queued.
    const again = await mloop(dir, [
      'repro',
      '--executor',
      'queue',
      '--redis',
      redis.url,
      '--cache',
      cache,
      '--no-track',
    ]);
    expect(again.stdout).toMatch(/2 up-to-date\n$/);
  });

  it('a failing stage on a worker: error with its exit code and log tail, nothing recorded', async () => {
    const dir = project({
      'mloop.yaml':
        'pipeline:\n  stages:\n    bad:\n      cmd: echo going wrong; exit 7\n      outs: [x.txt]\n',
    });
    if (!workers.some((w) => w.child.exitCode === null && w.child.signalCode === null))
      workers.push(startWorker(dir, redis.url));
    const cache = join(dir, 'shared-cache');
    const r = await mloop(dir, [
      'repro',
      '--executor',
      'queue',
      '--redis',
      redis.url,
      '--cache',
      cache,
      '--no-track',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'mloop: stage bad failed: exit code 7. Last lines of .mloop/logs/bad.log:\n  | going wrong',
    );
    expect(existsSync(join(dir, 'mloop.lock'))).toBe(false);
    expect(runRecords(cache)).toHaveLength(0);
  });
});
