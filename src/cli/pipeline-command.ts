import { type Command, Option } from 'commander';
import { intOption } from './connect.js';

export interface ReproFlags {
  file?: string;
  force?: boolean;
  singleItem?: boolean;
  jobs: number;
  keepGoing?: boolean;
  dry?: boolean;
  executor: 'local' | 'queue';
  redis?: string;
  cache?: string;
  experiment: string;
  track: boolean;
  home?: string;
  server?: string;
  quiet?: boolean;
  json?: boolean;
}

const fileOption = () =>
  new Option('--file <path>', 'the project file (default: mloop.yaml here or in a parent)');

/**
 * `mloop repro|run|status|dag|metrics diff|params diff|plots show|plots diff|worker`: DVC-style pipelines from mloop.yaml. The pipeline
 * code and its dependencies (BullMQ, the tracking client) load inside the actions.
 */
export function registerPipelineCommands(program: Command): void {
  for (const name of ['repro', 'run'] as const) {
    program
      .command(name)
      .description(
        name === 'repro'
          ? 'Reproduce the pipeline: run the stages whose command, deps, params or definition changed (and their downstream), restoring outputs seen before from the cache.'
          : 'Run pipeline stages (the same as repro: cached stages are skipped; name stages to run them and their upstream).',
      )
      .argument('[stages...]', 'stages to reproduce with their upstream (default: all)')
      .addOption(fileOption())
      .option('-f, --force', 'run the stages even if nothing changed (and do not restore from the run-cache)')
      .option('-s, --single-item', 'only the named stages, not their upstream')
      .addOption(new Option('-j, --jobs <n>', 'stages run at once').argParser(intOption(1, 256)).default(1))
      .option('-k, --keep-going', 'after a failure, go on with the stages that do not depend on it')
      .option('--dry', 'print which stages would run and why, and run nothing')
      .addOption(
        new Option('--executor <executor>', 'where stages run').choices(['local', 'queue']).default('local'),
      )
      .option('--redis <url>', 'Redis for --executor queue (else env MLOOP_REDIS_URL)')
      .option(
        '--cache <dir|s3-uri>',
        'the content-addressed stage cache (default .mloop/cache; shared with workers for --executor queue)',
      )
      .option('--experiment <name>', 'experiment of the tracked runs', 'pipelines')
      .option('--no-track', 'do not record stage runs in the tracking store')
      .addOption(new Option('--server <url>', 'tracking server for the stage runs').conflicts('home'))
      .option('--home <dir>', 'local mloop home for the stage runs (default: .mloop in the project)')
      .option('-q, --quiet', "do not stream the stages' output (it is still in .mloop/logs/)")
      .option('--json', 'print machine-readable JSON on stdout (stage output goes to stderr)')
      .action(async (stages: string[], flags: ReproFlags) => {
        const { reproCommand } = await import('./pipeline-actions.js');
        await reproCommand(stages, flags);
      });
  }

  program
    .command('status')
    .description(
      'Show which pipeline stages are stale and why (changed dep, param or command, missing output).',
    )
    .argument('[stages...]', 'stages to report (default: all)')
    .addOption(fileOption())
    .option('--json', 'print machine-readable JSON on stdout')
    .action(async (stages: string[], flags: { file?: string; json?: boolean }) => {
      const { statusCommand } = await import('./pipeline-actions.js');
      await statusCommand(stages, flags);
    });

  program
    .command('dag')
    .description('Draw the pipeline graph in the terminal.')
    .addOption(fileOption())
    .option('--dot', 'print Graphviz DOT instead')
    .option('--json', 'print nodes and edges as JSON')
    .action(async (flags: { file?: string; json?: boolean; dot?: boolean }) => {
      const { dagCommand } = await import('./pipeline-actions.js');
      await dagCommand(flags);
    });

  for (const what of ['metrics', 'params'] as const) {
    program
      .command(what)
      .description(
        what === 'metrics' ? "Compare the pipeline's metrics files." : "Compare the pipeline's param values.",
      )
      .command('diff')
      .description(
        what === 'metrics'
          ? 'Metrics files at git HEAD against the working tree (changed keys; --all for every key).'
          : 'Param values recorded in mloop.lock at git HEAD against the values mloop.yaml resolves to now.',
      )
      .addOption(fileOption())
      .option('--all', 'include unchanged keys')
      .option('--json', 'print machine-readable JSON on stdout')
      .action(async (flags: { file?: string; json?: boolean; all?: boolean }) => {
        const { diffCommand } = await import('./pipeline-actions.js');
        await diffCommand(what, flags);
      });
  }

  const plots = program
    .command('plots')
    .description("Draw the pipeline's plot files (CSV, TSV, JSON, YAML) into one standalone HTML file.");
  for (const mode of ['show', 'diff'] as const)
    plots
      .command(mode)
      .description(
        mode === 'show'
          ? 'Draw the declared plot files (or the named ones) as charts in one HTML file (inline SVG, no network).'
          : 'Draw each plot file at git HEAD and in the working tree on the same chart.',
      )
      .argument('[targets...]', 'plot files or directories (default: every plot a stage declares)')
      .addOption(fileOption())
      .option(
        '-o, --out <file>',
        'the HTML file to write (default plots.html; with --json, none unless given)',
      )
      .option('--json', 'print the plots and their series as JSON on stdout')
      .action(async (targets: string[], flags: { file?: string; out?: string; json?: boolean }) => {
        const { plotsCommand } = await import('./plots-actions.js');
        await plotsCommand(mode, targets, flags);
      });

  program
    .command('worker')
    .description('Run pipeline stages handed out by `mloop repro --executor queue` (BullMQ on Redis).')
    .option('--redis <url>', 'Redis URL (else env MLOOP_REDIS_URL)')
    .addOption(new Option('--concurrency <n>', 'stages at once').argParser(intOption(1, 256)).default(1))
    .option('--work-dir <dir>', 'where stage workspaces are made (default: the system temp directory)')
    .option('--json', 'print one JSON line per event')
    .action(async (flags: { redis?: string; concurrency: number; workDir?: string; json?: boolean }) => {
      const { workerCommand } = await import('./pipeline-actions.js');
      await workerCommand(flags);
    });
}
