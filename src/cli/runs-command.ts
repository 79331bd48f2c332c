import type { Command } from 'commander';
import type { MloopClient } from '../sdk/client.js';
import { MloopApiError } from '../sdk/errors.js';
import type { Experiment, Page, Run } from '../sdk/types.js';
import { LIMITS } from '../tracking/limits.js';
import { TAG } from '../tracking/types.js';
import { CliError } from './cli-error.js';
import {
  addClientOptions,
  type ClientFlags,
  collect,
  intOption,
  VIEWS,
  viewOption,
  withClient,
} from './connect.js';

type Output = typeof import('./output.js');

export function registerRunsCommand(program: Command): void {
  const runs = program.command('runs').description('List and inspect runs.');

  addClientOptions(
    runs
      .command('list')
      .description('List the runs of experiments, newest first unless --order-by says otherwise.')
      .requiredOption('--experiment <id-or-name>', 'experiment id or name (repeatable)', collect)
      .option('--filter <filter>', `search filter, e.g. "metrics.rmse < 0.5 and params.model = 'gbdt'"`)
      .option('--order-by <clause>', 'sort, e.g. "metrics.rmse ASC" (repeatable)', collect)
      .option(
        '--max-results <n>',
        'largest number of runs to list',
        intOption(1, LIMITS.searchRunsMaxResults),
        100,
      )
      .addOption(viewOption('runs')),
  ).action(async (flags: ClientFlags & ListFlags) => {
    const page = await withClient(flags, async (client) => {
      const experiments = await Promise.all(flags.experiment.map((e) => resolveExperiment(client, e)));
      return client.searchRuns({
        experimentIds: experiments.map((e) => e.experimentId),
        maxResults: flags.maxResults,
        viewType: VIEWS[flags.view],
        ...(flags.filter === undefined ? {} : { filter: flags.filter }),
        ...(flags.orderBy ? { orderBy: flags.orderBy } : {}),
      });
    });
    const out = await import('./output.js');
    if (flags.json) return out.printJson(page);
    const { parseOrderBy } = await import('../tracking/search/filter-parser.js');
    // Metrics, params and tags the runs are ordered by get a column of their own.
    const columns = (flags.orderBy ?? []).flatMap((o) => {
      try {
        const parsed = parseOrderBy(o, []);
        return parsed.entity === 'attribute' ? [] : [parsed];
      } catch {
        return [];
      }
    });
    printRuns(page, columns, out);
  });

  addClientOptions(
    runs
      .command('show')
      .description('Show a run: its status, params, latest metrics and tags.')
      .argument('<run-id>', 'run id (32 hex characters)'),
  ).action(async (runId: string, flags: ClientFlags) => {
    const { run, experiment } = await withClient(flags, async (client) => {
      const run = await client.getRun(runId);
      const experiment = await client.getExperiment(run.info.experimentId).catch(() => undefined);
      return { run, experiment };
    });
    const out = await import('./output.js');
    if (flags.json) return out.printJson(run);
    printRun(run, experiment, out);
  });
}

interface ListFlags {
  experiment: string[];
  filter?: string;
  orderBy?: string[];
  maxResults: number;
  view: string;
}

/** An experiment named by id or by name: digits are tried as an id first, then as a name. */
async function resolveExperiment(client: MloopClient, idOrName: string): Promise<Experiment> {
  const missing = (err: unknown) => err instanceof MloopApiError && err.status === 404;
  if (/^\d+$/.test(idOrName)) {
    try {
      return await client.getExperiment(idOrName);
    } catch (err) {
      if (!missing(err)) throw err;
    }
  }
  try {
    return await client.getExperimentByName(idOrName);
  } catch (err) {
    if (!missing(err)) throw err;
    throw new CliError(
      `No experiment with id or name ${JSON.stringify(idOrName)}. 'mloop experiments list' shows the experiments.`,
    );
  }
}

function printRuns(page: Page<Run>, columns: { entity: string; key: string }[], out: Output): void {
  if (page.items.length === 0) {
    console.log('No runs.');
    return;
  }
  const head = ['RUN ID', 'NAME', 'STATUS', 'STARTED', 'DURATION', ...columns.map((c) => c.key)];
  const rows = page.items.map((r) => [
    r.info.runId,
    out.truncate(r.info.runName, 40),
    r.info.status,
    out.formatTime(r.info.startTime),
    out.formatDuration(r.info.startTime, r.info.endTime),
    ...columns.map((c) => {
      if (c.entity === 'metric') {
        const m = r.data.metrics.find((x) => x.key === c.key);
        return m ? out.formatNumber(m.value) : '-';
      }
      const list = c.entity === 'param' ? r.data.params : r.data.tags;
      return out.truncate(list.find((x) => x.key === c.key)?.value ?? '-', 30);
    }),
  ]);
  const numeric = columns.flatMap((c, i) => (c.entity === 'metric' ? [5 + i] : []));
  console.log(out.table(head, rows, { alignRight: numeric }));
  if (page.nextPageToken) out.note('More runs match; raise --max-results to see them.');
}

function printRun(run: Run, experiment: Experiment | undefined, out: Output): void {
  const { info, data } = run;
  const tag = (key: string) => data.tags.find((t) => t.key === key)?.value;
  const commit = tag(TAG.gitCommit);
  const git = commit
    ? [
        `${commit.slice(0, 12)}${tag(TAG.gitDirty) === 'true' ? ' (dirty)' : ''}`,
        tag(TAG.gitBranch) ? `on ${tag(TAG.gitBranch)}` : '',
      ]
        .filter(Boolean)
        .join(' ')
    : undefined;
  const header: [string, string][] = [
    ['Run', info.runId],
    ['Name', info.runName],
    ['Experiment', experiment ? `${experiment.name} (${info.experimentId})` : info.experimentId],
    ['Status', info.lifecycleStage === 'deleted' ? `${info.status} (deleted)` : info.status],
    ['Started', out.formatTime(info.startTime)],
    [
      'Ended',
      info.endTime === undefined
        ? '-'
        : `${out.formatTime(info.endTime)} (${out.formatDuration(info.startTime, info.endTime)})`,
    ],
    ...(info.userId ? [['User', info.userId] as [string, string]] : []),
    ...(git ? [['Git', git] as [string, string]] : []),
    ['Artifacts', info.artifactUri],
  ];
  const sections = [out.fields(header)];
  if (data.params.length) {
    sections.push(
      `${out.heading('Params')}\n${out.table(
        ['KEY', 'VALUE'],
        data.params.map((p) => [p.key, out.truncate(p.value, 80)]),
      )}`,
    );
  }
  if (data.metrics.length) {
    sections.push(
      `${out.heading('Metrics (latest)')}\n${out.table(
        ['KEY', 'VALUE', 'STEP', 'TIME'],
        data.metrics.map((m) => [
          m.key,
          out.formatNumber(m.value),
          String(m.step),
          out.formatTime(m.timestamp),
        ]),
        { alignRight: [1, 2] },
      )}`,
    );
  }
  const shown = new Set<string>([TAG.runName, TAG.user]);
  const tags = data.tags.filter((t) => !shown.has(t.key));
  if (tags.length) {
    sections.push(
      `${out.heading('Tags')}\n${out.table(
        ['KEY', 'VALUE'],
        tags.map((t) => [t.key, out.truncate(t.value, 80)]),
      )}`,
    );
  }
  console.log(sections.join('\n\n'));
}
