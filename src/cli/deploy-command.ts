import type { Command } from 'commander';
import type { DeploymentEvent, DeploymentView, Route, ShadowRoute } from '../sdk/types.js';
import { CliError } from './cli-error.js';
import { addClientOptions, type ClientFlags, intOption, withClient } from './connect.js';

type Output = typeof import('./output.js');

interface BatchingFlags {
  maxBatchSize?: number;
  maxQueueDelayMs?: number;
  maxQueueSize?: number;
  timeoutMs?: number;
}

/** `3=90,4=10` → routes of the deployment's model; a key may also be `@alias` or a full `models:/` URI. */
export function parseWeights(text: string, model: string, what: string): { model: string; value: number }[] {
  return text
    .split(',')
    .filter((s) => s.trim())
    .map((part) => {
      const eq = part.lastIndexOf('=');
      const key = part.slice(0, eq).trim();
      const value = Number(part.slice(eq + 1));
      if (eq <= 0 || !/^\d+$/.test(part.slice(eq + 1).trim()))
        throw new CliError(
          `Invalid ${what} ${JSON.stringify(part)}: expected VERSION=WEIGHT, e.g. 3=90,4=10 (or @alias=WEIGHT).`,
          2,
        );
      const uri = key.startsWith('models:/')
        ? key
        : key.startsWith('@')
          ? `models:/${model}${key}`
          : `models:/${model}/${key}`;
      return { model: uri, value };
    });
}

export function registerDeployCommand(program: Command): void {
  const deploy = program
    .command('deploy')
    .description('Deploy registered models: routes with weights, shadow routes, rollback.');

  addClientOptions(
    deploy
      .command('create')
      .description(
        'Create a deployment, served by the server at /v2/models/NAME (follows aliases as they move).',
      )
      .argument('<name>', 'deployment name')
      .requiredOption('--model <uri>', 'models:/NAME@alias, models:/NAME/VERSION or models:/NAME/latest')
      .option('--sticky-header <header>', 'requests with this header keep landing on the same route')
      .option('--max-batch-size <n>', 'rows per runtime call (1 turns batching off)', intOption(1, 4096))
      .option(
        '--max-queue-delay-ms <ms>',
        'how long to wait for a fuller batch (0: opportunistic)',
        intOption(0, 10_000),
      )
      .option('--max-queue-size <n>', 'requests allowed to wait before 429', intOption(1, 1_000_000))
      .option('--timeout-ms <ms>', 'request timeout, queued or running', intOption(1, 600_000)),
  ).action(
    async (name: string, flags: ClientFlags & BatchingFlags & { model: string; stickyHeader?: string }) => {
      const batching = Object.fromEntries(
        (['maxBatchSize', 'maxQueueDelayMs', 'maxQueueSize', 'timeoutMs'] as const)
          .filter((k) => flags[k] !== undefined)
          .map((k) => [k, flags[k]]),
      );
      const d = await withClient(flags, (client) =>
        client.createDeployment({
          name,
          model: flags.model,
          ...(flags.stickyHeader ? { stickyHeader: flags.stickyHeader } : {}),
          ...(Object.keys(batching).length ? { batching } : {}),
        }),
      );
      const out = await import('./output.js');
      if (flags.json) return out.printJson(d);
      console.log(
        `Created deployment ${d.name} → ${d.routes[0]!.model}; it answers at /v2/models/${d.name}/infer.`,
      );
    },
  );

  addClientOptions(
    deploy
      .command('routes')
      .description(
        'Set the routes of a deployment: weighted versions, and shadow versions that see a copy of traffic.',
      )
      .argument('<name>', 'deployment name')
      .requiredOption(
        '--set <routes>',
        'VERSION=WEIGHT list, e.g. 3=90,4=10 or --set 3=90 --set 4=10 (keys may be @alias or models:/ URIs)',
        joinRepeated,
      )
      .option(
        '--shadow <routes>',
        'VERSION=PERCENT list of shadow routes, e.g. 5=100 (repeatable)',
        joinRepeated,
      ),
  ).action(async (name: string, flags: ClientFlags & { set: string; shadow?: string }) => {
    const d = await withClient(flags, async (client) => {
      const current = await client.getDeployment(name);
      const routes: Route[] = parseWeights(flags.set, current.model, '--set').map((r) => ({
        model: r.model,
        weight: r.value,
      }));
      const shadows: ShadowRoute[] = flags.shadow
        ? parseWeights(flags.shadow, current.model, '--shadow').map((r) => ({
            model: r.model,
            percent: r.value,
          }))
        : [];
      return client.setDeploymentRoutes(name, { routes, shadows });
    });
    const out = await import('./output.js');
    if (flags.json) return out.printJson(d);
    console.log(`Deployment ${d.name} routes (revision ${d.revision}): ${describeRoutes(d)}`);
  });

  addClientOptions(
    deploy
      .command('rollback')
      .description('Return a deployment to the routes its current ones replaced (again: one more step back).')
      .argument('<name>', 'deployment name'),
  ).action(async (name: string, flags: ClientFlags) => {
    const d = await withClient(flags, (client) => client.rollbackDeployment(name));
    const out = await import('./output.js');
    if (flags.json) return out.printJson(d);
    console.log(`Rolled back ${d.name} (revision ${d.revision}): ${describeRoutes(d)}`);
  });

  addClientOptions(
    deploy.command('list').description('List deployments with their routes and status.'),
  ).action(async (flags: ClientFlags) => {
    const page = await withClient(flags, (client) => client.listDeployments());
    const out = await import('./output.js');
    if (flags.json) return out.printJson(page);
    if (!page.items.length) return console.log('No deployments.');
    console.log(
      out.table(
        ['NAME', 'ROUTES', 'SHADOWS', 'STATUS', 'UPDATED'],
        page.items.map((d) => [
          d.name,
          d.routes.map((r) => `${short(r.model)}=${r.weight}`).join(' '),
          d.shadows.map((r) => `${short(r.model)}=${r.percent}%`).join(' ') || '-',
          d.status.state,
          out.formatTime(d.lastUpdatedTimestamp),
        ]),
      ),
    );
  });

  addClientOptions(
    deploy
      .command('show')
      .description('Show a deployment: routes, the versions answering, batching and the history of changes.')
      .argument('<name>', 'deployment name'),
  ).action(async (name: string, flags: ClientFlags) => {
    const { d, events } = await withClient(flags, async (client) => ({
      d: await client.getDeployment(name),
      events: (await client.deploymentEvents(name)).items,
    }));
    const out = await import('./output.js');
    if (flags.json) return out.printJson({ ...d, events });
    printDeployment(d, events, out);
  });

  addClientOptions(
    deploy.command('delete').description('Delete a deployment and its history.').argument('<name>'),
  ).action(async (name: string, flags: ClientFlags) => {
    await withClient(flags, (client) => client.deleteDeployment(name));
    if (flags.json) return console.log(JSON.stringify({ deleted: name }));
    console.log(`Deleted deployment ${name}.`);
  });
}

const short = (uri: string) => uri.replace(/^models:\//, '');

function describeRoutes(d: DeploymentView): string {
  const routes = d.routes.map((r) => `${short(r.model)} ${r.weight}`).join(', ');
  const shadows = d.shadows.map((r) => `${short(r.model)} ${r.percent}%`).join(', ');
  return shadows ? `${routes}; shadow ${shadows}` : routes;
}

function printDeployment(d: DeploymentView, events: DeploymentEvent[], out: Output): void {
  console.log(
    out.fields([
      ['Deployment', d.name],
      ['Model', d.model],
      ['Status', d.status.state],
      ['Endpoint', `/v2/models/${d.name}/infer`],
      ['Sticky header', d.stickyHeader ?? '-'],
      [
        'Batching',
        `max batch ${d.batching.maxBatchSize}, queue delay ${d.batching.maxQueueDelayMs} ms, queue ${d.batching.maxQueueSize}, timeout ${d.batching.timeoutMs} ms`,
      ],
      ['Revision', String(d.revision)],
    ]),
  );
  const served = new Map(d.status.routes.map((r) => [`${r.shadow}:${r.model}`, r]));
  console.log(`\n${out.heading('Routes')}`);
  console.log(
    out.table(
      ['MODEL', 'WEIGHT', 'KIND', 'VERSION', 'STATE', 'MESSAGE'],
      [
        ...d.routes.map((r) => ({ model: r.model, w: String(r.weight), shadow: false })),
        ...d.shadows.map((r) => ({ model: r.model, w: `${r.percent}%`, shadow: true })),
      ].map((r) => {
        const s = served.get(`${r.shadow}:${r.model}`);
        return [
          r.model,
          r.w,
          r.shadow ? 'shadow' : 'route',
          s?.version ?? '-',
          s?.state ?? d.status.state,
          out.truncate(s?.message ?? '', 60) || '-',
        ];
      }),
    ),
  );
  console.log(`\n${out.heading('History')}`);
  console.log(
    out.table(
      ['SEQ', 'WHEN', 'KIND', 'ROUTES', 'BY'],
      events.map((e) => [
        String(e.seq),
        out.formatTime(e.timestamp),
        e.kind,
        [
          e.routes.map((r) => `${short(r.model)}=${r.weight}`).join(' '),
          e.shadows.map((r) => `shadow ${short(r.model)}=${r.percent}%`).join(' '),
        ]
          .filter(Boolean)
          .join(' '),
        e.actor,
      ]),
    ),
  );
}

/** A repeated list option accumulates (`--set 1=90 --set 2=10` is `--set 1=90,2=10`) instead of keeping the last. */
function joinRepeated(value: string, previous: string | undefined): string {
  return previous === undefined ? value : `${previous},${value}`;
}
