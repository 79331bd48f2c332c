import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option } from 'commander';
import { CliError } from './cli-error.js';
import { addClientOptions, type ClientFlags, intOption, withClient } from './connect.js';
import type { MonitorSubcommand } from './monitor-command.js';

interface ConfigFlags extends ClientFlags {
  windowMs?: number;
  sampleRate?: number;
  retentionMs?: number;
  cooldownMs?: number;
  minLabeledRows?: number;
  task?: string;
  sensitiveColumn?: string;
  positiveClass?: string;
  referenceDataset?: string;
  predictionOutput?: string;
  probabilityOutput?: string;
  alerts?: string;
  webhook?: string[];
  webhookSecret?: string;
}

const share = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 1))
    throw new InvalidArgumentError(
      `"${value}" is not a share; expected a number between 0 and 1, e.g. 0.05.`,
    );
  return n;
};

/** `--alerts` takes JSON, or @file with JSON in it. */
function readAlerts(text: string): unknown {
  const source = text.startsWith('@') ? readFileSync(text.slice(1), 'utf8') : text;
  try {
    return JSON.parse(source);
  } catch (err) {
    throw new CliError(
      `--alerts is not valid JSON (${(err as Error).message}); expected a list such as '[{"name":"drift","kind":"drift_share","above":0.5}]' or @rules.json.`,
      2,
    );
  }
}

/** `mloop monitor config show|set|reset`: a deployment's live-monitoring configuration. */
export const addConfigCommand: MonitorSubcommand = (monitor) => {
  const config = monitor
    .command('config')
    .description("Show or change a deployment's live-monitoring configuration.");
  addClientOptions(
    config.command('show').description('Print the configuration.').argument('<deployment>'),
  ).action(async (deployment: string, flags: ClientFlags) => {
    const c = await withClient(flags, (client) => client.getMonitorConfig(deployment));
    await printConfig(deployment, c, flags.json);
  });
  addClientOptions(
    config
      .command('set')
      .description('Change the given settings; the others keep their values.')
      .argument('<deployment>')
      .option('--window-ms <ms>', 'window length (default 60000)', intOption(1000, 86_400_000))
      .option('--sample-rate <share>', 'share of requests kept raw in the artifact store, 0 to 1', share)
      .option(
        '--retention-ms <ms>',
        'how long predictions wait for ground truth',
        intOption(60_000, 31_536_000_000),
      )
      .option(
        '--min-labeled-rows <n>',
        'labels a window needs before performance and bias rules apply (default 10)',
        intOption(1, 1_000_000_000),
      )
      .option(
        '--cooldown-ms <ms>',
        'quiet period of an alert rule after it fired',
        intOption(0, 31_536_000_000),
      )
      .addOption(
        new Option('--task <task>', 'model task (default: from the package)').choices([
          'classification',
          'regression',
        ]),
      )
      .option('--sensitive-column <column>', 'input column whose groups fairness compares')
      .option('--positive-class <class>', 'positive class of a binary classifier (default: the second class)')
      .option(
        '--reference-dataset <name@version>',
        'reference data instead of the training data found by lineage',
      )
      .option('--prediction-output <name>', 'output tensor with the predicted label or value')
      .option('--probability-output <name>', 'output tensor with the class probabilities')
      .option('--alerts <json>', 'alert rules as JSON (or @file.json); replaces the current rules')
      .option('--webhook <url...>', 'webhook URLs (replace the current ones); signed with --webhook-secret')
      .option('--webhook-secret <secret>', 'HMAC-SHA256 key of new webhooks (env MLOOP_WEBHOOK_SECRET)'),
  ).action(async (deployment: string, flags: ConfigFlags) => {
    const body: Record<string, unknown> = {};
    const keys = [
      'windowMs',
      'sampleRate',
      'retentionMs',
      'cooldownMs',
      'minLabeledRows',
      'task',
      'sensitiveColumn',
      'positiveClass',
      'referenceDataset',
      'predictionOutput',
      'probabilityOutput',
    ] as const;
    for (const k of keys) if (flags[k] !== undefined) body[k] = flags[k];
    if (flags.alerts !== undefined) body.alerts = readAlerts(flags.alerts);
    if (flags.webhook) {
      const secret = flags.webhookSecret ?? process.env.MLOOP_WEBHOOK_SECRET;
      body.webhooks = flags.webhook.map((url) => ({ url, ...(secret ? { secret } : {}) }));
    }
    if (Object.keys(body).length === 0)
      throw new CliError(
        'Nothing to change: give at least one setting, e.g. --window-ms 300000 (see --help).',
        2,
      );
    const c = await withClient(flags, (client) => client.updateMonitorConfig(deployment, body));
    await printConfig(deployment, c, flags.json);
  });
  addClientOptions(
    config.command('reset').description('Return to the default configuration.').argument('<deployment>'),
  ).action(async (deployment: string, flags: ClientFlags) => {
    await withClient(flags, (client) => client.resetMonitorConfig(deployment));
    if (flags.json) console.log(JSON.stringify({ deployment, reset: true }));
    else console.log(`Monitoring of ${deployment} is back to the defaults.`);
  });
};

async function printConfig(deployment: string, c: Record<string, unknown>, json?: boolean): Promise<void> {
  const out = await import('./output.js');
  if (json) return out.printJson(c);
  const show = (v: unknown) =>
    v === null || v === undefined ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  console.log(`Monitoring of ${deployment}`);
  console.log(out.fields(Object.entries(c).map(([k, v]) => [k, show(v)])));
}

interface ReportFlags extends ClientFlags {
  deployment: string;
  from?: string;
  to?: string;
  html?: string;
}

/**
 * `mloop monitor report`: a deployment's windows over a range. Exit 0 when no window drifted and no alert was raised,
 * 1 when one did, 2 for usage errors and unreachable servers.
 */
export const addReportCommand: MonitorSubcommand = (monitor) => {
  addClientOptions(
    monitor
      .command('report')
      .description(
        "Report a deployment's live monitoring over a range: traffic, errors, latency, drift against the reference, " +
          'performance (realized from ground truth, CBPE-estimated without), bias, alerts. Exit code: 0 healthy, 1 drift ' +
          'or alerts in the range, 2 usage or connection error.',
      )
      .requiredOption('--deployment <name>', 'the deployment')
      .option('--from <time>', 'range start: ISO-8601 or Unix ms (default: 24 hours before --to)')
      .option('--to <time>', 'range end: ISO-8601 or Unix ms (default: now)')
      .option('--html <file>', 'also write a standalone HTML report with the drift over time'),
  ).action(async (flags: ReportFlags) => {
    const report = await withClient(flags, (client) =>
      client.monitorReport(flags.deployment, {
        ...(flags.from ? { from: flags.from } : {}),
        ...(flags.to ? { to: flags.to } : {}),
      }),
    );
    const r = await import('./monitor-live-render.js');
    if (flags.html) await r.writeReportHtml(flags.html, report);
    if (flags.json) console.log(JSON.stringify(report, null, 2));
    else r.printReport(report, flags.html);
    if (r.unhealthy(report)) process.exitCode = 1;
  });
};

/** `mloop monitor feedback`: ground truth for one prediction, or a JSON Lines file of them. */
export const addFeedbackCommand: MonitorSubcommand = (monitor) => {
  addClientOptions(
    monitor
      .command('feedback')
      .description(
        'Send ground truth for predictions (joined by the id in the x-mloop-prediction-id header of the answer).',
      )
      .option('--prediction-id <id>', 'the prediction')
      .option('--label <label>', 'its true class (a number when it looks like one, unless --string)')
      .option('--value <number>', 'its true value (regression)', (v) => {
        const n = Number(v);
        if (v.trim() === '' || !Number.isFinite(n))
          throw new InvalidArgumentError(`"${v}" is not a finite number.`);
        return n;
      })
      .option('--string', 'send --label as a string even when it looks like a number')
      .option(
        '--file <file.jsonl>',
        'one {"predictionId", "label"|"value"} object per line, sent all or nothing',
      ),
  ).action(
    async (
      flags: ClientFlags & {
        predictionId?: string;
        label?: string;
        value?: number;
        string?: boolean;
        file?: string;
      },
    ) => {
      let body: Record<string, unknown>;
      if (flags.file) {
        const lines = readFileSync(flags.file, 'utf8')
          .split('\n')
          .filter((l) => l.trim());
        body = {
          items: lines.map((l, i) => {
            try {
              return JSON.parse(l) as Record<string, unknown>;
            } catch {
              throw new CliError(`${flags.file}:${i + 1} is not a JSON object.`, 2);
            }
          }),
        };
      } else {
        if (!flags.predictionId || (flags.label === undefined && flags.value === undefined))
          throw new CliError('Give --prediction-id with --label or --value, or --file items.jsonl.', 2);
        const label =
          flags.label === undefined
            ? undefined
            : !flags.string && /^-?\d+(\.\d+)?$/.test(flags.label)
              ? Number(flags.label)
              : flags.label;
        body = {
          predictionId: flags.predictionId,
          ...(label === undefined ? { value: flags.value } : { label }),
        };
      }
      const res = await withClient(flags, (client) => client.sendFeedback(body));
      if (flags.json) console.log(JSON.stringify(res));
      else console.log(`Recorded ground truth for ${res.accepted} prediction(s).`);
    },
  );
};

/** `mloop monitor alerts`: alerts raised by monitoring rules, newest first. */
export const addAlertsCommand: MonitorSubcommand = (monitor) => {
  addClientOptions(
    monitor
      .command('alerts')
      .description('List alerts raised by monitoring rules, newest first.')
      .option('--deployment <name>', 'only this deployment')
      .option('--max-results <n>', 'at most this many (default 100)', intOption(1, 1000)),
  ).action(async (flags: ClientFlags & { deployment?: string; maxResults?: number }) => {
    const { items } = await withClient(flags, (client) =>
      client.listAlerts({
        ...(flags.deployment ? { deployment: flags.deployment } : {}),
        ...(flags.maxResults ? { maxResults: flags.maxResults } : {}),
      }),
    );
    const out = await import('./output.js');
    if (flags.json) return out.printJson({ items });
    if (items.length === 0) return console.log('No alerts.');
    console.log(
      out.table(
        ['RAISED', 'DEPLOYMENT', 'RULE', 'WINDOW', 'MESSAGE', 'WEBHOOKS'],
        items.map((a) => [
          out.formatTime(a.createdAt),
          a.deployment,
          a.rule,
          new Date(a.windowStart).toISOString(),
          out.truncate(a.message, 80),
          a.deliveries.map((d) => d.status).join(', ') || '–',
        ]),
      ),
    );
  });
};

export const LIVE_MONITOR_COMMANDS: readonly MonitorSubcommand[] = [
  addConfigCommand,
  addReportCommand,
  addFeedbackCommand,
  addAlertsCommand,
];
