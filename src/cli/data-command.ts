import { type Command, Option } from 'commander';
import { addClientOptions, type ClientFlags, withClient } from './connect.js';

type Render = typeof import('./data-render.js');

interface AddFlags extends ClientFlags {
  name?: string;
  run?: string;
  context: string;
  gitignore: boolean;
}

/**
 * `mloop data`: version datasets DVC-style (pointer files in git, content in the store), profile tables and validate
 * new data against a reference version. Stores, readers and rendering load inside the actions.
 */
export function registerDataCommand(program: Command): void {
  const data = program
    .command('data')
    .description(
      'Version, profile and validate datasets (CSV, TSV, JSONL, Parquet, Arrow IPC; any files in a directory).',
    );

  addClientOptions(
    data
      .command('add')
      .description(
        'Hash a file or directory, store its content once, record a dataset version with its schema and profile, and write <name>.mloop beside it (commit that file to git).',
      )
      .argument('<path>', 'file or directory')
      .option(
        '--name <name>',
        'dataset name (default: the file name without extension, or the directory name)',
      )
      .option('--run <run-id>', 'log the version as an input of this run')
      .option('--context <context>', "the run input's mlflow.data.context tag", 'training')
      .option('--no-gitignore', 'do not add the data path to .gitignore'),
  ).action(async (path: string, flags: AddFlags) => {
    const [{ addDataset }, r] = await Promise.all([import('../data/workspace/add.js'), render()]);
    const result = await withStateCache((cache) =>
      withClient(
        flags,
        (client) =>
          addDataset(client, path, {
            cache,
            progress: r.progress(),
            gitignore: flags.gitignore,
            context: flags.context,
            ...(flags.name === undefined ? {} : { name: flags.name }),
            ...(flags.run === undefined ? {} : { runId: flags.run }),
          }),
        { createHome: true },
      ),
    );
    if (flags.json) return r.printJson(result);
    r.printAdd(result);
  });

  data
    .command('status')
    .description(
      'Show which datasets changed in the working tree since their pointer files (no server needed).',
    )
    .argument(
      '[targets...]',
      'pointer files, data paths or directories to search (default: the current directory)',
    )
    .option('--json', 'print machine-readable JSON on stdout')
    .action(async (targets: string[], flags: { json?: boolean }) => {
      const [{ findPointers, dataStatus }, r] = await Promise.all([
        import('../data/workspace/status.js'),
        render(),
      ]);
      const statuses = await withStateCache(async (cache) => dataStatus(await findPointers(targets), cache));
      if (flags.json) return r.printJson(statuses.map(r.statusJson));
      r.printStatus(statuses);
    });

  addClientOptions(
    data
      .command('push')
      .description('Make the store hold the content and version of each pointer (uploading what it lacks).')
      .argument(
        '[targets...]',
        'pointer files, data paths or directories to search (default: the current directory)',
      ),
  ).action(async (targets: string[], flags: ClientFlags) => {
    const [{ findPointers }, { pushPointers }, r] = await Promise.all([
      import('../data/workspace/status.js'),
      import('../data/workspace/sync.js'),
      render(),
    ]);
    const pointers = await findPointers(targets);
    const results = await withStateCache((cache) =>
      withClient(flags, (client) => pushPointers(client, pointers, { cache, progress: r.progress() }), {
        createHome: true,
      }),
    );
    if (flags.json) return r.printJson(results);
    r.printPush(results);
  });

  addClientOptions(
    data
      .command('pull')
      .description('Make the working tree hold what each pointer names, downloading from the store.')
      .argument(
        '[targets...]',
        'pointer files, data paths or directories to search (default: the current directory)',
      )
      .option('--force', 'overwrite data that differs from its pointer'),
  ).action(async (targets: string[], flags: ClientFlags & { force?: boolean }) => {
    const [{ findPointers }, { pullPointers }, r] = await Promise.all([
      import('../data/workspace/status.js'),
      import('../data/workspace/sync.js'),
      render(),
    ]);
    const pointers = await findPointers(targets);
    const results = await withStateCache((cache) =>
      withClient(flags, (client) =>
        pullPointers(client, pointers, { cache, progress: r.progress(), force: flags.force ?? false }),
      ),
    );
    if (flags.json) return r.printJson(results);
    r.printPull(results);
  });

  addClientOptions(
    data
      .command('checkout')
      .description('Restore a dataset version into the working tree and point its pointer file at it.')
      .argument('<name@version>', 'e.g. flights@2, flights@9a0364b9 (hash prefix) or flights@latest')
      .option('--out <path>', 'where to put the data (default: the path in the pointer file)')
      .option(
        '--pointer <file>',
        'the pointer file (default: <name>.mloop found under the current directory)',
      )
      .option('--force', 'overwrite data that differs from its pointer'),
  ).action(
    async (refText: string, flags: ClientFlags & { out?: string; pointer?: string; force?: boolean }) => {
      const [{ findPointers }, { checkoutVersion, parseVersionRef }, r] = await Promise.all([
        import('../data/workspace/status.js'),
        import('../data/workspace/sync.js'),
        render(),
      ]);
      const ref = parseVersionRef(refText);
      const candidates = (await findPointers(flags.pointer ? [flags.pointer] : [])).filter(
        (p) => p.name === ref.name,
      );
      if (candidates.length > 1 && !flags.pointer && !flags.out) {
        const { CliError } = await import('./cli-error.js');
        throw new CliError(
          `Several pointer files name ${ref.name}: ${candidates.map((p) => p.file).join(', ')}; choose one with --pointer.`,
          2,
        );
      }
      const result = await withStateCache((cache) =>
        withClient(flags, (client) =>
          checkoutVersion(client, ref, candidates[0], {
            cache,
            progress: r.progress(),
            force: flags.force ?? false,
            ...(flags.out === undefined ? {} : { out: flags.out }),
          }),
        ),
      );
      if (flags.json) return r.printJson(result);
      r.printCheckout(result);
    },
  );

  data
    .command('profile')
    .description(
      'Profile a table file: per column counts, missing, types, min/max/mean/stddev, quantiles, distinct, top values.',
    )
    .argument('<file>', 'CSV, TSV, JSONL, Parquet or Arrow IPC file')
    .option('--json', 'print the full mergeable profile as JSON on stdout')
    .action(async (file: string, flags: { json?: boolean }) => {
      const [{ profileFile }, r] = await Promise.all([import('../data/profile/profile.js'), render()]);
      const progress = r.progress();
      progress.phase(`profiling ${file}`, undefined, 'rows');
      let rows = 0;
      const profile = await profileFile(file, {
        onBatch: (b) => {
          rows += b.numRows;
          progress.update(rows);
        },
      });
      progress.end();
      if (flags.json) return r.printJson(profile);
      r.printProfile(file, profile);
    });

  addClientOptions(
    data
      .command('validate')
      .description(
        'Check a table against the schema inferred from a reference (a dataset version or a file); exit 1 when there are anomalies.',
      )
      .argument('<file>', 'the new data')
      .requiredOption('--against <ref>', 'reference: NAME@VERSION in the store, or a table file')
      .addOption(
        new Option('--domain-limit <n>', 'largest categorical domain inferred (at most 128)')
          .argParser(Number)
          .default(100),
      )
      .addOption(
        new Option('--missing-tolerance <rate>', 'added to the reference missing rate of nullable columns')
          .argParser(Number)
          .default(0.05),
      ),
  ).action(
    async (
      file: string,
      flags: ClientFlags & { against: string; domainLimit: number; missingTolerance: number },
    ) => {
      const [{ validateAgainst }, r] = await Promise.all([import('../data/workspace/validate.js'), render()]);
      const report = await validateAgainst(file, flags.against, {
        domainLimit: flags.domainLimit,
        missingTolerance: flags.missingTolerance,
        withClient: (action) => withClient(flags, action),
        progress: r.progress(),
      });
      if (flags.json) r.printJson(report);
      else r.printValidation(file, report);
      if (report.anomalies.length > 0) process.exitCode = 1;
    },
  );

  addClientOptions(data.command('list').description('List datasets with their latest version.')).action(
    async (flags: ClientFlags) => {
      const r = await render();
      const items = await withClient(flags, (client) => client.listDatasets());
      if (flags.json) return r.printJson(items);
      r.printList(items);
    },
  );

  addClientOptions(
    data
      .command('show')
      .description(
        'Show the versions of a dataset, or one version with its schema, profile summary and runs.',
      )
      .argument('<name[@version]>', 'e.g. flights (its versions) or flights@2'),
  ).action(async (refText: string, flags: ClientFlags) => {
    const [{ parseVersionRef }, r] = await Promise.all([import('../data/workspace/sync.js'), render()]);
    if (!refText.includes('@')) {
      const versions = await withClient(flags, (client) => client.listDatasetVersions(refText));
      if (flags.json) return r.printJson(versions);
      return r.printVersions(refText, versions);
    }
    const ref = parseVersionRef(refText);
    const version = await withClient(flags, (client) => client.getDatasetVersion(ref.name, ref.version));
    if (flags.json) return r.printJson(version);
    r.printVersion(version);
  });
}

async function render(): Promise<Render> {
  return import('./data-render.js');
}

/** Opens the local stat cache for the duration of `action`. */
async function withStateCache<T>(
  action: (cache: import('../data/hash/stat-cache.js').StatCache) => Promise<T>,
): Promise<T> {
  const { StatCache } = await import('../data/hash/stat-cache.js');
  const cache = new StatCache();
  try {
    return await action(cache);
  } finally {
    cache.close();
  }
}
