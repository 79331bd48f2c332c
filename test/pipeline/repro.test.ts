import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatCache } from '../../src/data/hash/stat-cache.js';
import { readLock } from '../../src/pipeline/lock.js';
import { openProject } from '../../src/pipeline/project.js';
import { pipelineStatus } from '../../src/pipeline/status.js';
import { project, reproIn, write } from './support.js';

const runs = (dir: string) =>
  existsSync(join(dir, 'runs.log')) ? readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n') : [];

/** Whether a process is running (a zombie waiting for a reaper is not). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function status(dir: string) {
  const cache = new StatCache(join(dir, '.state'));
  try {
    const p = openProject({ cwd: dir });
    return Object.fromEntries(
      (await pipelineStatus(dir, p.dag, cache)).map((r) => [r.stage, r.reasons.map((x) => x.message)]),
    );
  } finally {
    cache.close();
  }
}

const CHAIN = `pipeline:
  stages:
    prepare:
      cmd: echo prepare >> runs.log && mkdir -p data && (cat raw.txt; echo n=\${prepare.n}) > data/clean.txt
      deps: [raw.txt]
      params: [prepare.n]
      outs: [data/clean.txt]
    train:
      cmd:
        - echo train >> runs.log
        - mkdir -p model && wc -c < data/clean.txt > model/size.txt && echo '{"acc":0.75}' > metrics.json
      deps: [data/clean.txt]
      outs: [model]
      metrics: [metrics.json]
`;

describe('repro with the local executor', () => {
  it('runs stale stages only, says why, and restores outputs of a key seen before from the run-cache', async () => {
    const dir = project({ 'mloop.yaml': CHAIN, 'params.yaml': 'prepare:\n  n: 1\n', 'raw.txt': 'hello\n' });
    const first = await reproIn(dir);
    expect(first.ok).toBe(true);
    expect(first.stages.map((s) => s.status)).toEqual(['ran', 'ran']);
    expect(readFileSync(join(dir, 'data/clean.txt'), 'utf8')).toBe('hello\nn=1\n');
    const lock = readLock(dir);
    expect(lock.stages.train!.outs.map((o) => [o.path, o.kind])).toEqual([
      ['model', 'dir'],
      ['metrics.json', 'file'],
    ]);
    expect(lock.stages.prepare!.params).toEqual({ 'prepare.n': 1 });

    expect((await reproIn(dir)).stages.map((s) => s.status)).toEqual(['up-to-date', 'up-to-date']);
    expect(runs(dir)).toEqual(['prepare', 'train']);
    expect(await status(dir)).toEqual({ prepare: [], train: [] });

    // A param change (interpolated into the command, so that changed too); train is stale because prepare will run.
    write(dir, { 'params.yaml': 'prepare:\n  n: 2\n' });
    expect(await status(dir)).toEqual({
      prepare: ['changed command', 'changed param prepare.n (1 -> 2)'],
      train: ['upstream stage prepare will run'],
    });
    await reproIn(dir);
    expect(runs(dir)).toEqual(['prepare', 'train', 'prepare', 'train']);

    // Back to n=1: both keys were seen, so outputs come from the cache and nothing runs.
    write(dir, { 'params.yaml': 'prepare:\n  n: 1\n' });
    const back = await reproIn(dir);
    expect(back.stages.map((s) => s.status)).toEqual(['restored', 'restored']);
    expect(runs(dir)).toHaveLength(4);
    expect(readFileSync(join(dir, 'data/clean.txt'), 'utf8')).toBe('hello\nn=1\n');
    expect(readFileSync(join(dir, 'model/size.txt'), 'utf8').trim()).toBe('10');

    // A deleted output and an edited dep are named; repro restores / reruns.
    rmSync(join(dir, 'model'), { recursive: true });
    write(dir, { 'raw.txt': 'changed\n' });
    expect(await status(dir)).toEqual({
      prepare: ['changed dep raw.txt'],
      train: ['upstream stage prepare will run', 'missing output model'],
    });
    const again = await reproIn(dir, { force: false });
    expect(again.stages.map((s) => s.status)).toEqual(['ran', 'ran']);

    // A changed command.
    write(dir, { 'mloop.yaml': CHAIN.replace('echo train >>', 'echo train2 >>') });
    expect((await status(dir)).train).toEqual(['changed command']);

    // A stage removed from mloop.yaml leaves the lock with the next write.
    write(dir, { 'mloop.yaml': CHAIN.slice(0, CHAIN.indexOf('    train:')) });
    await reproIn(dir, { force: true });
    expect(Object.keys(readLock(dir).stages)).toEqual(['prepare']);
  });

  it('a corrupt cache blob is a miss: the stage runs instead of restoring bad bytes', async () => {
    const dir = project({
      'mloop.yaml':
        'pipeline:\n  stages:\n    s:\n      cmd: echo run >> runs.log; echo good > out.txt\n      outs: [out.txt]\n',
    });
    await reproIn(dir);
    const blobs = join(dir, '.mloop/cache/pipeline/files/sha256');
    const [prefix] = readdirSync(blobs);
    const [blob] = readdirSync(join(blobs, prefix!));
    writeFileSync(join(blobs, prefix!, blob!), 'evil\n');
    rmSync(join(dir, 'out.txt'));
    rmSync(join(dir, 'mloop.lock'));
    const r = await reproIn(dir);
    expect(r.byStage.s!.status).toBe('ran');
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('good\n');
    expect(runs(dir)).toEqual(['run', 'run']);
    // The bad blob was replaced: the next restore is good.
    rmSync(join(dir, 'out.txt'));
    rmSync(join(dir, 'mloop.lock'));
    expect((await reproIn(dir)).byStage.s!.status).toBe('restored');
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('good\n');
  });

  it('--force reruns up-to-date stages; --single-item runs only the named stage; targets pull in their upstream', async () => {
    const dir = project({ 'mloop.yaml': CHAIN, 'params.yaml': 'prepare:\n  n: 1\n', 'raw.txt': 'x\n' });
    expect((await reproIn(dir, { targets: ['prepare'] })).stages.map((s) => s.stage)).toEqual(['prepare']);
    expect((await reproIn(dir, { targets: ['train'] })).stages.map((s) => [s.stage, s.status])).toEqual([
      ['prepare', 'up-to-date'],
      ['train', 'ran'],
    ]);
    const forced = await reproIn(dir, { targets: ['train'], single: true, force: true });
    expect(forced.stages.map((s) => [s.stage, s.status])).toEqual([['train', 'ran']]);
    expect(runs(dir)).toEqual(['prepare', 'train', 'train']);
  });

  it('runs independent stages in parallel with -j', async () => {
    // Each stage writes when it started and ended (ns): with -j 4 the four 1-second stages overlap.
    const stages = ['a', 'b', 'c', 'd']
      .map(
        (n) =>
          `    ${n}:\n      cmd: date +%s%N > ${n}.txt && sleep 1 && date +%s%N >> ${n}.txt\n      outs: [${n}.txt]\n`,
      )
      .join('');
    const dir = project({
      'mloop.yaml': `pipeline:\n  stages:\n${stages}    join:\n      cmd: cat a.txt b.txt c.txt d.txt > all.txt\n      deps: [a.txt, b.txt, c.txt, d.txt]\n      outs: [all.txt]\n`,
    });
    const r = await reproIn(dir, { jobs: 4 });
    expect(r.ok).toBe(true);
    const spans = ['a', 'b', 'c', 'd'].map((n) =>
      readFileSync(join(dir, `${n}.txt`), 'utf8')
        .trim()
        .split('\n')
        .map(BigInt),
    );
    expect(readFileSync(join(dir, 'all.txt'), 'utf8').trim().split('\n')).toHaveLength(8);
    // The most stages running at one moment: 4 in parallel, 1 in sequence (a wall-clock bound would be a timed test).
    const running = (t: bigint) => spans.filter(([from, to]) => from! <= t && t < to!).length;
    expect(Math.max(...spans.map(([from]) => running(from!)))).toBeGreaterThanOrEqual(3);
  });

  it('retries with backoff, then succeeds', async () => {
    const dir = project({
      'mloop.yaml':
        'pipeline:\n  stages:\n    flaky:\n      cmd: echo try >> tries.log && test $(wc -l < tries.log) -ge 3 && echo ok > out.txt\n      outs: [out.txt]\n      retry: {count: 3, backoff: 0.05, factor: 2}\n',
    });
    const delays: number[] = [];
    const r = await reproIn(dir, { sleep: async (ms) => void delays.push(ms) });
    expect(r.byStage.flaky).toMatchObject({ status: 'ran', attempts: 3 });
    expect(delays).toEqual([50, 100]);
    expect(r.events.filter((e) => e.type === 'retry').map((e) => (e as { reason: string }).reason)).toEqual([
      'exit code 1',
      'exit code 1',
    ]);
  });

  it('a failing, timing-out or output-less stage names itself, its exit code and its log tail, and records nothing', async () => {
    const dir = project({
      'mloop.yaml': `pipeline:
  stages:
    fails:
      cmd: for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line $i; done; echo boom >&2; exit 3
      outs: [f.txt]
    slow:
      cmd: echo started; sleep 30; echo never > s.txt
      outs: [s.txt]
      timeout: 0.5
    lazy:
      cmd: echo forgot
      outs: [l.txt]
    after:
      cmd: cat f.txt > a.txt
      deps: [f.txt]
      outs: [a.txt]
`,
    });
    const started = Date.now();
    const r = await reproIn(dir, { jobs: 3, keepGoing: true });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.ok).toBe(false);
    expect(r.byStage.fails).toMatchObject({ status: 'failed', exitCode: 3, log: '.mloop/logs/fails.log' });
    expect(r.byStage.fails!.error).toMatch(
      /^stage fails failed: exit code 3\. Last lines of \.mloop\/logs\/fails\.log:\n/,
    );
    expect(r.byStage.fails!.error).toContain('  | line 12\n  | boom');
    expect(r.byStage.fails!.error).not.toContain('| line 2\n');
    expect(r.byStage.slow!.error).toContain('stage slow failed: timed out after 0.5 s');
    expect(r.byStage.slow!.error).toContain('| started');
    expect(r.byStage.lazy!.error).toContain(
      'stage lazy failed: the command succeeded but did not produce its declared output l.txt',
    );
    expect(r.byStage.after).toMatchObject({
      status: 'blocked',
      error: 'not run: upstream stage fails did not succeed',
    });
    expect(readLock(dir).stages).toEqual({});
    expect(existsSync(join(dir, '.mloop/cache/pipeline/runs'))).toBe(false);
  });

  it('stops on the first failure without --keep-going', async () => {
    const dir = project({
      'mloop.yaml':
        'pipeline:\n  stages:\n    a: {cmd: exit 1}\n    b: {cmd: echo b > b.txt, outs: [b.txt]}\n',
    });
    const r = await reproIn(dir, { jobs: 1 });
    expect(r.stages.map((s) => [s.stage, s.status])).toEqual([['a', 'failed']]);
    expect(existsSync(join(dir, 'b.txt'))).toBe(false);
  });

  it('Ctrl-C kills the stage process groups and records nothing for interrupted stages', async () => {
    const dir = project({
      'mloop.yaml': `pipeline:
  stages:
    quick: {cmd: echo q > q.txt, outs: [q.txt]}
    long:
      cmd: (sleep 30; echo late > child.txt) & echo $! > child.pid; sleep 30; echo done > l.txt
      deps: [q.txt]
      outs: [l.txt]
`,
    });
    const controller = new AbortController();
    const promise = reproIn(dir, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'start' && e.stage === 'long') setTimeout(() => controller.abort(), 300);
      },
    });
    const r = await promise;
    expect(r.interrupted).toBe(true);
    expect(r.byStage.quick!.status).toBe('ran');
    expect(r.byStage.long!.status).toBe('interrupted');
    expect(Object.keys(readLock(dir).stages)).toEqual(['quick']);
    // The background child of the shell was in the stage's process group and is gone.
    const pid = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    await new Promise((res) => setTimeout(res, 200));
    expect(alive(pid)).toBe(false);
    const records = readdirSync(join(dir, '.mloop/cache/pipeline/runs'), { recursive: true }).filter((f) =>
      String(f).endsWith('.json'),
    );
    expect(records).toHaveLength(1);
  });

  it('a fully cached 100-stage pipeline is checked quickly', async () => {
    const stages = Array.from({ length: 100 }, (_, i) =>
      i === 0
        ? '    s0: {cmd: echo 0 > o0.txt, outs: [o0.txt]}\n'
        : `    s${i}: {cmd: cat o${i - 1}.txt > o${i}.txt, deps: [o${i - 1}.txt], outs: [o${i}.txt]}\n`,
    ).join('');
    const dir = project({ 'mloop.yaml': `pipeline:\n  stages:\n${stages}` });
    expect((await reproIn(dir, { jobs: 2 })).ok).toBe(true);
    const started = performance.now();
    const r = await reproIn(dir);
    const took = performance.now() - started;
    expect(r.stages.every((s) => s.status === 'up-to-date')).toBe(true);
    expect(took).toBeLessThan(2000);
    writeFileSync(join(dir, 'o50.txt'), 'tampered\n');
    expect((await reproIn(dir)).stages.filter((s) => s.status !== 'up-to-date').map((s) => s.stage)).toEqual([
      's50',
    ]);
  });
});
