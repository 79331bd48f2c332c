import type { Command } from 'commander';
import type { Experiment, Page } from '../sdk/types.js';
import { LIMITS } from '../tracking/limits.js';
import {
  addClientOptions,
  type ClientFlags,
  collect,
  intOption,
  VIEWS,
  viewOption,
  withClient,
} from './connect.js';

export function registerExperimentsCommand(program: Command): void {
  const experiments = program.command('experiments').description('List and create experiments.');

  addClientOptions(
    experiments
      .command('list')
      .description('List experiments.')
      .addOption(viewOption('experiments'))
      .option('--filter <filter>', `search filter, e.g. "name LIKE 'churn%'"`)
      .option('--order-by <clause>', 'sort, e.g. "name ASC" (repeatable)', collect)
      .option(
        '--max-results <n>',
        'largest number of experiments to list',
        intOption(1, LIMITS.searchExperimentsMaxResults),
      ),
  ).action(async (flags: ClientFlags & ListFlags) => {
    const page = await withClient(flags, (client) =>
      client.listExperiments({
        viewType: VIEWS[flags.view],
        ...(flags.filter === undefined ? {} : { filter: flags.filter }),
        ...(flags.orderBy ? { orderBy: flags.orderBy } : {}),
        ...(flags.maxResults === undefined ? {} : { maxResults: flags.maxResults }),
      }),
    );
    const out = await import('./output.js');
    if (flags.json) return out.printJson(page);
    printExperiments(page, flags.view !== 'active', out);
  });

  addClientOptions(
    experiments
      .command('create')
      .description('Create an experiment.')
      .argument('<name>', 'experiment name, unique on the server'),
  ).action(async (name: string, flags: ClientFlags) => {
    const experiment = await withClient(flags, (client) => client.createExperiment({ name }), {
      createHome: true,
    });
    const out = await import('./output.js');
    if (flags.json) return out.printJson(experiment);
    console.log(`Created experiment ${JSON.stringify(experiment.name)} with id ${experiment.experimentId}.`);
  });
}

interface ListFlags {
  view: string;
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
}

function printExperiments(
  page: Page<Experiment>,
  showLifecycle: boolean,
  out: typeof import('./output.js'),
): void {
  if (page.items.length === 0) {
    console.log('No experiments.');
    return;
  }
  const head = ['ID', 'NAME', ...(showLifecycle ? ['LIFECYCLE'] : []), 'CREATED', 'ARTIFACT LOCATION'];
  const rows = page.items.map((e) => [
    e.experimentId,
    e.name,
    ...(showLifecycle ? [e.lifecycleStage] : []),
    out.formatTime(e.creationTime),
    e.artifactLocation,
  ]);
  console.log(out.table(head, rows, { alignRight: [0] }));
  if (page.nextPageToken) out.note('More experiments match; raise --max-results to see them.');
}
