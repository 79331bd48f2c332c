import { join, resolve } from 'node:path';
import pc from 'picocolors';
import { resolveServer } from '../config/config.js';
import { StatCache } from '../data/hash/stat-cache.js';
import { PipelineError } from '../pipeline/errors.js';
import type { Executor } from '../pipeline/executor.js';
import { LocalExecutor } from '../pipeline/executors/local.js';
import { mloopShimDir, openProject, openStageCache, type Project } from '../pipeline/project.js';
import { type ReproEvent, repro, type StageOutcome } from '../pipeline/repro.js';
import { pipelineStatus } from '../pipeline/status.js';
import type { MloopClient } from '../sdk/client.js';
import { CliError } from './cli-error.js';
import { credentials, currentUser } from './connect.js';
import { formatDuration, printJson, table } from './output.js';
import type { ReproFlags } from './pipeline-command.js';

/** Definition errors are exit 2, like usage errors: nothing was run, the request cannot be planned as written. */
const DEFINITION_ERRORS = new Set([
  'SPEC_INVALID',
  'CYCLE',
  'MISSING_DEP',
  'DUPLICATE_OUTPUT',
  'INTERPOLATION',
  'UNKNOWN_STAGE',
]);

export function project(flags: { file?: string }): Project {
  try {
    return openProject(flags.file ? { file: flags.file } : {});
  } catch (err) {
    throw asCliError(err);
  }
}

export function asCliError(err: unknown): unknown {
  if (err instanceof PipelineError)
    return new CliError(err.message, DEFINITION_ERRORS.has(err.code) ? 2 : 1, { cause: err });
  return err;
}

const COLORS = [pc.cyan, pc.magenta, pc.yellow, pc.green, pc.blue];

async function withStatCache<T>(action: (cache: StatCache) => Promise<T>): Promise<T> {
  const cache = new StatCache();
  try {
    return await action(cache);
  } finally {
    cache.close();
  }
}

export async function reproCommand(targets: string[], flags: ReproFlags): Promise<void> {
  const p = project(flags);
  const root = p.pipeline.root;
  if (flags.dry) return statusCommand(targets, { ...flags, dry: true });

  const out = flags.json ? process.stderr : process.stdout;
  const width = Math.min(24, Math.max(...p.pipeline.stages.map((s) => s.name.length)));
  const colorOf = new Map(p.pipeline.stages.map((s, i) => [s.name, COLORS[i % COLORS.length]!]));
  const label = (stage: string) => colorOf.get(stage)!(stage.padEnd(width));
  const onEvent = (e: ReproEvent) => {
    if (e.type === 'start')
      out.write(`${label(e.stage)} ${pc.dim(`running${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`)}\n`);
    else if (e.type === 'line' && !flags.quiet) out.write(`${label(e.stage)} ${pc.dim('|')} ${e.line}\n`);
    else if (e.type === 'retry')
      out.write(
        `${label(e.stage)} ${pc.yellow(`${e.reason}; retrying in ${(e.delayMs / 1000).toFixed(1)} s`)}\n`,
      );
    else if (e.type === 'done') out.write(`${label(e.outcome.stage)} ${describe(e.outcome)}\n`);
  };

  // Tracking: --server / env URL over HTTP, else a local home (default .mloop in the project), opened lazily.
  let opened: MloopClient | undefined;
  let tracker: import('../pipeline/tracker.js').Tracker | undefined;
  const env = process.env;
  const serverUrl =
    flags.server ?? (flags.home ? undefined : (env.MLOOP_TRACKING_URI ?? env.MLFLOW_TRACKING_URI));
  const home = serverUrl ? undefined : resolve(flags.home ?? env.MLOOP_HOME ?? join(root, '.mloop'));
  if (flags.track) {
    const { SdkTracker } = await import('../pipeline/tracking.js');
    tracker = new SdkTracker(
      async () => {
        if (serverUrl) {
          const [{ MloopClient }, { bufferedFetch }] = await Promise.all([
            import('../sdk/client.js'),
            import('../sdk/buffered-fetch.js'),
          ]);
          // Two small JSON requests per stage: node:http costs a third of the global fetch's CPU for them.
          opened = new MloopClient({
            baseUrl: resolveServer(serverUrl).url,
            actor: currentUser(),
            headers: credentials(),
            fetch: bufferedFetch(),
          });
        } else {
          const { openLocalClient } = await import('../sdk/local.js');
          // Stage runs need only the tracking API: the in-process app without serving and monitoring starts faster.
          opened = await openLocalClient({
            home: home!,
            create: true,
            api: 'tracking',
            // The audit log names who ran the pipeline, as it does for every other CLI command.
            actor: currentUser(),
          });
        }
        return opened;
      },
      root,
      flags.experiment,
    );
  }
  // Stages see the same tracking target (built-in stages call mloop) and find mloop on PATH.
  const stageEnv: NodeJS.ProcessEnv = {
    ...env,
    PATH: `${mloopShimDir(root)}:${env.PATH ?? ''}`,
    ...(serverUrl ? { MLOOP_TRACKING_URI: serverUrl } : { MLOOP_HOME: home! }),
  };

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(
        pc.yellow('mloop: interrupting: stopping running stages (Ctrl-C again to quit at once)\n'),
      );
      controller.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  await withStatCache(async (statCache) => {
    const cache = openStageCache(root, flags.cache);
    let executor: Executor;
    if (flags.executor === 'queue') {
      const { QueueExecutor } = await import('../pipeline/executors/queue.js');
      executor = await QueueExecutor.open({
        redisUrl: redisUrl(flags.redis),
        root,
        cache,
        statCache,
        env: serverUrl ? { MLOOP_TRACKING_URI: serverUrl } : { MLOOP_HOME: home! },
      });
    } else executor = new LocalExecutor(root, cache, statCache, stageEnv);
    let result: Awaited<ReturnType<typeof repro>>;
    try {
      result = await repro({
        root,
        dag: p.dag,
        targets,
        single: flags.singleItem ?? false,
        force: flags.force ?? false,
        jobs: flags.jobs,
        keepGoing: flags.keepGoing ?? false,
        executor,
        cache,
        statCache,
        ...(tracker ? { tracker } : {}),
        signal: controller.signal,
        onEvent,
      });
    } catch (err) {
      throw asCliError(err);
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      await executor.close();
      await cache.store.close?.();
      await (opened as { close?: () => Promise<void> } | undefined)?.close?.();
    }
    if (flags.json) printJson(result);
    else {
      const counts = new Map<string, number>();
      for (const s of result.stages) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
      out.write(`${[...counts].map(([k, v]) => `${v} ${k}`).join(', ') || 'nothing to do'}\n`);
    }
    for (const s of result.stages)
      if (s.error && s.status === 'failed') process.stderr.write(`mloop: ${s.error}\n`);
    if (result.interrupted) {
      process.stderr.write('mloop: interrupted; interrupted stages recorded nothing.\n');
      process.exitCode = 130;
    } else if (!result.ok) process.exitCode = 1;
  });
}

function describe(o: StageOutcome): string {
  const took = formatDuration(0, o.durationMs);
  switch (o.status) {
    case 'up-to-date':
      return pc.dim('up to date');
    case 'restored':
      return pc.green(`restored from the run-cache (${took})`);
    case 'ran':
      return pc.green(`done (${took}${o.attempts > 1 ? `, ${o.attempts} attempts` : ''})`);
    case 'failed':
      return pc.red(
        `failed${o.exitCode !== undefined && o.exitCode !== null ? ` (exit code ${o.exitCode})` : ''}`,
      );
    case 'blocked':
      return pc.dim(o.error ?? 'not run');
    case 'interrupted':
      return pc.yellow('interrupted');
  }
}

function redisUrl(flag: string | undefined): string {
  const url = flag ?? process.env.MLOOP_REDIS_URL;
  if (!url)
    throw new CliError(
      '--executor queue needs Redis: pass --redis redis://host:port or set MLOOP_REDIS_URL.',
      2,
    );
  return url;
}

export async function statusCommand(
  targets: string[],
  flags: { file?: string; json?: boolean; dry?: boolean },
): Promise<void> {
  const p = project(flags);
  let report: Awaited<ReturnType<typeof pipelineStatus>>;
  try {
    if (targets.length) {
      const { selectStages } = await import('../pipeline/graph.js');
      selectStages(p.dag, targets);
    }
    report = await withStatCache((cache) => pipelineStatus(p.pipeline.root, p.dag, cache));
  } catch (err) {
    throw asCliError(err);
  }
  if (targets.length) {
    const { selectStages } = await import('../pipeline/graph.js');
    const wanted = new Set(selectStages(p.dag, targets));
    report = report.filter((r) => wanted.has(r.stage));
  }
  if (flags.json) return printJson(report);
  const stale = report.filter((r) => r.stale);
  if (stale.length === 0) {
    console.log(`${flags.dry ? 'Nothing to run: ' : ''}all ${report.length} stage(s) are up to date.`);
    return;
  }
  if (flags.dry) console.log('Would run:');
  for (const r of stale) {
    console.log(`${pc.bold(r.stage)}:`);
    for (const reason of r.reasons) console.log(`  ${reason.message}`);
  }
  const fresh = report.length - stale.length;
  if (fresh) console.log(pc.dim(`${fresh} other stage(s) up to date.`));
}

export async function dagCommand(flags: { file?: string; json?: boolean; dot?: boolean }): Promise<void> {
  const p = project(flags);
  const render = await import('../pipeline/dag-render.js');
  if (flags.json) return printJson(render.dagJson(p.dag));
  process.stdout.write(flags.dot ? render.dagDot(p.dag) : render.drawDag(p.dag));
}

export async function diffCommand(
  what: 'metrics' | 'params',
  flags: { file?: string; json?: boolean; all?: boolean },
): Promise<void> {
  const p = project(flags);
  const { metricsDiff, paramsDiff } = await import('../pipeline/diff.js');
  const rows = what === 'metrics' ? metricsDiff(p.pipeline, flags) : paramsDiff(p.pipeline, flags);
  if (flags.json) return printJson(rows);
  if (rows.length === 0) {
    console.log(`No ${what} changed since git HEAD.`);
    return;
  }
  const show = (v: unknown) => (v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v));
  console.log(
    table(
      [
        what === 'metrics' ? 'Path' : 'Stage',
        what === 'metrics' ? 'Metric' : 'Param',
        'HEAD',
        'workspace',
        'Change',
      ],
      rows.map((r) => [
        r.source,
        r.key,
        show(r.old),
        show(r.new),
        r.diff === undefined ? '-' : String(Number(r.diff.toPrecision(6))),
      ]),
    ),
  );
}

export async function workerCommand(flags: {
  redis?: string;
  concurrency: number;
  workDir?: string;
  json?: boolean;
}): Promise<void> {
  const { runWorker } = await import('../pipeline/executors/queue-worker.js');
  await runWorker({
    redisUrl: redisUrl(flags.redis),
    concurrency: flags.concurrency,
    ...(flags.workDir ? { workDir: flags.workDir } : {}),
    log: (event) => {
      if (flags.json) process.stdout.write(`${JSON.stringify(event)}\n`);
      else process.stdout.write(`${event.message}\n`);
    },
  });
}
