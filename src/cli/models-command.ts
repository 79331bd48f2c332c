import type { Command } from 'commander';
import { MloopApiError } from '../sdk/errors.js';
import type { AliasEvent, LineageGraph, ModelVersion, RegisteredModel } from '../sdk/types.js';
import { CliError } from './cli-error.js';
import { addClientOptions, type ClientFlags, intOption, withClient } from './connect.js';

type Output = typeof import('./output.js');

/** `name`, `name/3`, `name@champion`: how a model version is named on the command line. */
export function parseModelRef(text: string): { name: string; ref?: string } {
  const at = text.lastIndexOf('@');
  if (at > 0) return { name: text.slice(0, at), ref: `@${text.slice(at + 1)}` };
  const slash = text.lastIndexOf('/');
  if (slash > 0) return { name: text.slice(0, slash), ref: text.slice(slash + 1) };
  return { name: text };
}

export function registerModelsCommand(program: Command): void {
  const models = program
    .command('models')
    .description('Register models, move their aliases and trace their lineage.');

  addClientOptions(
    models
      .command('register')
      .description(
        'Register the model files of a run as a new version (creating the registered model if needed).',
      )
      .argument('<run-id[:path]>', 'run id, optionally with the artifact path of the model (default "model")')
      .requiredOption('--name <name>', 'registered model name')
      .option('--description <text>', 'version description'),
  ).action(async (target: string, flags: ClientFlags & { name: string; description?: string }) => {
    const [runId, path = 'model'] = target.split(':', 2) as [string, string?];
    if (!/^[0-9a-f]{32}$/.test(runId)) {
      throw new CliError(`Expected <run-id[:path]> with a 32-hex run id, got ${JSON.stringify(target)}.`, 2);
    }
    const version = await withClient(flags, async (client) => {
      await client.createRegisteredModel({ name: flags.name }).catch((err: unknown) => {
        if (!(err instanceof MloopApiError && err.code === 'RESOURCE_ALREADY_EXISTS')) throw err;
      });
      return client.createModelVersion(flags.name, {
        source: `runs:/${runId}/${path}`,
        runId,
        ...(flags.description ? { description: flags.description } : {}),
      });
    });
    const out = await import('./output.js');
    if (flags.json) return out.printJson(version);
    console.log(
      `Registered ${version.name} version ${version.version} from run ${runId} (${version.storageLocation}).`,
    );
  });

  addClientOptions(
    models
      .command('list')
      .description('List registered models with their aliases and latest versions.')
      .option('--filter <filter>', `e.g. "name LIKE 'churn%'" or "tags.team = 'growth'"`)
      .option('--max-results <n>', 'largest number of models to list', intOption(1, 1000), 100),
  ).action(async (flags: ClientFlags & { filter?: string; maxResults: number }) => {
    const page = await withClient(flags, (client) =>
      client.listRegisteredModels({
        maxResults: flags.maxResults,
        ...(flags.filter ? { filter: flags.filter } : {}),
      }),
    );
    const out = await import('./output.js');
    if (flags.json) return out.printJson(page);
    printModels(page.items, out);
    if (page.nextPageToken) out.note('More models match; raise --max-results to see them.');
  });

  addClientOptions(
    models
      .command('show')
      .description('Show a registered model (name), or one version (name/3, name@champion, name/latest).')
      .argument('<model>', 'name, name/<version> or name@<alias>'),
  ).action(async (text: string, flags: ClientFlags) => {
    const { name, ref } = parseModelRef(text);
    const result = await withClient(flags, async (client) =>
      ref
        ? { version: await client.getModelVersion(name, ref) }
        : {
            model: await client.getRegisteredModel(name),
            versions: (await client.listModelVersions(name)).items,
          },
    );
    const out = await import('./output.js');
    if (flags.json) return out.printJson(result.version ?? result.model);
    if (result.version) printVersion(result.version, out);
    else printModel(result.model!, result.versions!, out);
  });

  const alias = models
    .command('alias')
    .description("Move a model's aliases (champion, challenger, …) and see their history.");
  addClientOptions(
    alias
      .command('set')
      .description('Point an alias at a version; the move is recorded with who and when.')
      .argument('<name>', 'registered model name')
      .argument('<alias>', 'alias, e.g. champion')
      .argument('<version>', 'version number'),
  ).action(async (name: string, aliasName: string, version: string, flags: ClientFlags) => {
    const event = await withClient(flags, (client) => client.setAlias(name, aliasName, version));
    const out = await import('./output.js');
    if (flags.json) return out.printJson(event);
    console.log(describeMove(event));
  });
  addClientOptions(
    alias
      .command('delete')
      .description('Delete an alias; the deletion is recorded.')
      .argument('<name>')
      .argument('<alias>'),
  ).action(async (name: string, aliasName: string, flags: ClientFlags) => {
    const event = await withClient(flags, (client) => client.deleteAlias(name, aliasName));
    const out = await import('./output.js');
    if (flags.json) return out.printJson(event);
    console.log(describeMove(event));
  });
  addClientOptions(
    alias
      .command('history')
      .description('Every move of the aliases of a model, oldest first.')
      .argument('<name>', 'registered model name')
      .option('--alias <alias>', 'only this alias'),
  ).action(async (name: string, flags: ClientFlags & { alias?: string }) => {
    const history = await withClient(flags, (client) => client.aliasHistory(name, flags.alias));
    const out = await import('./output.js');
    if (flags.json) return out.printJson(history);
    if (history.items.length === 0) return console.log('No alias moves yet.');
    console.log(
      out.table(
        ['WHEN', 'ALIAS', 'FROM', 'TO', 'BY'],
        history.items.map((e) => [
          out.formatTime(e.timestamp),
          e.alias,
          e.fromVersion ?? '-',
          e.toVersion ?? '(deleted)',
          e.actor,
        ]),
      ),
    );
  });

  addClientOptions(
    models
      .command('lineage')
      .description('What made a model version: its run, experiment, datasets read and code commit.')
      .argument('<model>', 'name/<version>, name@<alias> or name (latest version)'),
  ).action(async (text: string, flags: ClientFlags) => {
    const { name, ref } = parseModelRef(text);
    const graph = await withClient(flags, (client) => client.lineage(name, ref ?? 'latest'));
    const out = await import('./output.js');
    if (flags.json) return out.printJson(graph);
    console.log(renderLineage(graph));
  });
}

function describeMove(e: AliasEvent): string {
  if (e.toVersion === undefined) return `${e.name}@${e.alias} deleted (was version ${e.fromVersion}).`;
  return e.fromVersion === undefined
    ? `${e.name}@${e.alias} → version ${e.toVersion} (new alias).`
    : `${e.name}@${e.alias} moved from version ${e.fromVersion} to ${e.toVersion}.`;
}

function printModels(models: RegisteredModel[], out: Output): void {
  if (models.length === 0) {
    console.log('No registered models.');
    return;
  }
  console.log(
    out.table(
      ['NAME', 'ALIASES', 'LATEST', 'UPDATED'],
      models.map((m) => [
        m.name,
        m.aliases.map((a) => `${a.alias}→${a.version}`).join(' ') || '-',
        m.latestVersions
          .map((v) => (v.currentStage === 'None' ? `v${v.version}` : `v${v.version} (${v.currentStage})`))
          .join(' ') || '-',
        out.formatTime(m.lastUpdatedTimestamp),
      ]),
    ),
  );
}

function printModel(model: RegisteredModel, versions: ModelVersion[], out: Output): void {
  console.log(
    out.fields([
      ['Model', model.name],
      ['Description', model.description ?? '-'],
      ['Aliases', model.aliases.map((a) => `${a.alias} → ${a.version}`).join(', ') || '-'],
      ['Tags', model.tags.map((t) => `${t.key}=${t.value}`).join(', ') || '-'],
    ]),
  );
  if (versions.length) {
    console.log(`\n${out.heading('Versions')}`);
    console.log(
      out.table(
        ['VERSION', 'STAGE', 'ALIASES', 'RUN', 'CREATED'],
        versions.map((v) => [
          v.version,
          v.currentStage,
          v.aliases.join(', ') || '-',
          v.runId ?? '-',
          out.formatTime(v.creationTimestamp),
        ]),
      ),
    );
  }
}

function printVersion(v: ModelVersion, out: Output): void {
  console.log(
    out.fields([
      ['Model', `${v.name} version ${v.version}`],
      ['Stage', v.currentStage],
      ['Aliases', v.aliases.join(', ') || '-'],
      ['Status', v.status],
      ['Run', v.runId ?? '-'],
      ['Source', v.source],
      ['Files', v.storageLocation],
      ['Created', out.formatTime(v.creationTimestamp)],
      ['Description', v.description ?? '-'],
    ]),
  );
}

/** The graph as an indented tree from the version, following edges outward. */
export function renderLineage(graph: LineageGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const lines: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string, depth: number, relation?: string) => {
    const node = byId.get(id);
    if (!node || seen.has(id)) return;
    seen.add(id);
    const attrs = Object.entries(node.attributes)
      .filter(([k]) => !k.startsWith('param.') && !k.startsWith('metric.'))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    lines.push(
      `${'  '.repeat(depth)}${relation ? `${relation} → ` : ''}${node.kind} ${node.label}${attrs ? `  (${attrs})` : ''}`,
    );
    for (const e of graph.edges.filter((x) => x.from === id)) visit(e.to, depth + 1, e.relation);
  };
  visit(graph.root, 0);
  return lines.join('\n');
}
