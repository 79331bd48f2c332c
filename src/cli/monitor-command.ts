import { type Command, InvalidArgumentError, Option } from 'commander';
import { CliError } from './cli-error.js';

/** Adds one subcommand to the `monitor` group. */
export type MonitorSubcommand = (monitor: Command) => void;

/**
 * `mloop monitor`: drift and monitoring reports. Each subcommand is a function that adds itself to the group, so
 * another one is one more entry in the list given to `registerMonitorCommand`. Readers, statistics and rendering load
 * inside the actions.
 */
export function registerMonitorCommand(
  program: Command,
  subcommands: readonly MonitorSubcommand[] = [addDriftCommand],
): Command {
  const monitor = program
    .command('monitor')
    .description('Monitor data and models: statistical drift between a reference and current data, reports.');
  for (const add of subcommands) add(monitor);
  return monitor;
}

const METHODS = [
  'ks',
  'chisquare',
  'z',
  'wasserstein',
  'jensenshannon',
  'psi',
  'kl_div',
  'hellinger',
  'linf',
];

interface DriftFlags {
  reference: string;
  current: string;
  columns?: string[];
  method?: string;
  threshold?: number;
  shareThreshold: number;
  maxCategories?: number;
  json?: boolean;
  html?: string;
}

function number(name: string, check: (n: number) => boolean, valid: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !check(n))
      throw new InvalidArgumentError(`${name} is "${value}"; expected ${valid}.`);
    return n;
  };
}

/** `mloop monitor drift`: offline drift between two table files. Exit 0 no dataset drift, 1 drift, 2 usage. */
export const addDriftCommand: MonitorSubcommand = (monitor) => {
  monitor
    .command('drift')
    .description(
      'Test every column of a current table for drift from a reference table (CSV, TSV, JSONL, Parquet, Arrow IPC) with ' +
        "Evidently's default tests (KS / chi-square / z-test up to 1,000 reference rows, normed Wasserstein / " +
        'Jensen-Shannon above). Exit code: 0 no dataset drift, 1 dataset drift (share of drifted columns ≥ ' +
        '--share-threshold), 2 usage or unreadable input. See docs/monitoring.md.',
    )
    .requiredOption('--reference <file>', 'the reference table (e.g. the training data)')
    .requiredOption('--current <file>', 'the current table (e.g. recent serving inputs)')
    .option(
      '--columns <names>',
      'comma-separated columns to test (default: every column; timestamps only when named)',
      (v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
    )
    .addOption(
      new Option('--method <method>', 'one test for every column (default: chosen per column)').choices(
        METHODS,
      ),
    )
    .addOption(
      new Option(
        '--threshold <x>',
        "threshold for every column (default: the test's own: 0.05 for p-values, 0.1 for distances)",
      ).argParser(
        number(
          '--threshold',
          Number.isFinite,
          'a number, e.g. 0.05 for a p-value test or 0.1 for a distance',
        ),
      ),
    )
    .addOption(
      new Option('--share-threshold <share>', 'dataset drift when the share of drifted columns is ≥ this')
        .argParser(number('--share-threshold', (n) => n >= 0 && n <= 1, 'a share between 0 and 1'))
        .default(0.5),
    )
    .addOption(
      new Option(
        '--max-categories <n>',
        'skip categorical columns with more distinct values (identifiers, free text); default 10000',
      ).argParser(number('--max-categories', (n) => n >= 1, 'a number ≥ 1 (Infinity for no limit)')),
    )
    .option('--json', 'print the result as JSON on stdout')
    .option('--html <file>', 'also write a standalone HTML report (inline SVG charts, nothing fetched)')
    .action(async (flags: DriftFlags) => {
      const [{ driftBetweenFiles }, { DriftError }, { isMloopError }, r] = await Promise.all([
        import('../monitor/offline.js'),
        import('../monitor/drift/types.js'),
        import('../core/errors.js'),
        import('./monitor-render.js'),
      ]);
      let report: Awaited<ReturnType<typeof driftBetweenFiles>>;
      try {
        report = await driftBetweenFiles(flags.reference, flags.current, {
          progress: r.progress(),
          shareThreshold: flags.shareThreshold,
          ...(flags.columns ? { columns: flags.columns } : {}),
          ...(flags.method ? { method: flags.method as never } : {}),
          ...(flags.threshold === undefined ? {} : { threshold: flags.threshold }),
          ...(flags.maxCategories === undefined ? {} : { maxCategories: flags.maxCategories }),
        });
      } catch (err) {
        // Options the statistics refuse and files that cannot be read are the caller's to fix: exit 2, keeping 1
        // for "drift detected" so CI can tell the two apart.
        if (err instanceof DriftError || isMloopError(err))
          throw new CliError(err.message, 2, { cause: err });
        throw err;
      }
      if (flags.html) await r.writeHtml(flags.html, report);
      if (flags.json) r.printJson(report);
      else r.printDrift(report, flags.html);
      if (report.columns.length === 0)
        throw new CliError(
          `no column could be tested (${report.skipped.length} skipped: ${report.skipped.map((s) => s.column).join(', ') || 'the tables have no columns'}).`,
          2,
        );
      if (report.drifted) process.exitCode = 1;
    });
};
