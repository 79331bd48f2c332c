import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { resolveConfig } from '../config/config.js';
import { SILENT } from '../data/progress.js';
import type { DemoSummary } from '../demo/summary.js';
import { CliError } from './cli-error.js';
import { intOption } from './connect.js';
import { fields, heading, printJson, table } from './output.js';
import { terminalProgress, trainingProgress } from './progress-bar.js';

/** Marks a directory `mloop demo` made, so a second run may clear it and nothing else. */
const MARKER = '.mloop-demo';

/** A count or a duration: 0 would silently mean the default, so it is refused like any other bad value. */
const positiveInt = intOption(1, Number.MAX_SAFE_INTEGER);

interface DemoFlags {
  dir: string;
  host: string;
  port: number;
  exit?: boolean;
  json?: boolean;
  trainRows?: number;
  trafficRows?: number;
  trees?: number;
  windowMs?: number;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the whole loop on real data (flights of 2001): version, validate, train, evaluate, register, deploy, replay months as live traffic, detect drift and decay, retrain, gate, canary, promote.',
    )
    .option(
      '--dir <dir>',
      'working directory for the demo (data, mloop.yaml, and its mloop home in .mloop)',
      'mloop-demo',
    )
    .option('--host <host>', 'interface the server binds', '127.0.0.1')
    .option(
      '--port <port>',
      'port of the server (0: any free port); a busy port falls back to a free one',
      intOption(0, 65_535),
      5000,
    )
    .option('--exit', 'stop the server once the story is told (default: keep it running for the UI)')
    .option('--json', 'print a machine-readable summary on stdout (the narration goes to stderr)')
    .option('--train-rows <n>', 'rows each training data version holds', positiveInt)
    .option('--traffic-rows <n>', 'flights replayed as live traffic per month', positiveInt)
    .option('--trees <n>', 'boosting iterations of every model', positiveInt)
    .option('--window-ms <ms>', 'monitoring window (one per replayed month)', positiveInt)
    .addHelpText(
      'after',
      '\nExit codes: 0 the loop promoted a retrained model; 1 the story did not get there (the summary says why); 2 usage.',
    )
    .action(async (flags: DemoFlags) => {
      const code = await runDemo(flags);
      process.exitCode = code;
    });
}

async function runDemo(flags: DemoFlags): Promise<number> {
  const dir = resolve(flags.dir);
  await prepareDir(dir);
  const [{ startServer }, { MloopClient }, { runStory, DEFAULT_SETTINGS }, { streamNarrator }] =
    await Promise.all([
      import('../server/start.js'),
      import('../sdk/client.js'),
      import('../demo/story.js'),
      import('../demo/narrator.js'),
    ]);
  const out = flags.json ? process.stderr : process.stdout;
  const config = resolveConfig({ home: join(dir, '.mloop'), host: flags.host, port: flags.port }, {});
  const settings = {
    ...DEFAULT_SETTINGS,
    ...(flags.trainRows ? { trainRows: flags.trainRows } : {}),
    ...(flags.trafficRows ? { trafficRows: flags.trafficRows } : {}),
    ...(flags.trees ? { trees: flags.trees } : {}),
    ...(flags.windowMs ? { windowMs: flags.windowMs } : {}),
  };
  const monitoring = {
    ingest: { flushMs: settings.flushMs },
    evaluateMs: 1_000,
    evaluator: { graceMs: settings.closeGraceMs, webhooks: { allowedHosts: [] } },
  };
  // The controller's info lines would repeat the narration; its warnings and errors are shown.
  const log = (level: string, event: string, fields: Record<string, unknown>) => {
    if (level !== 'info') out.write(`${pc.yellow('!')} ${event}: ${JSON.stringify(fields)}\n`);
  };
  const start = (port: number) =>
    startServer({ ...config, port }, { log: () => undefined }, monitoring, { tickMs: settings.tickMs, log });
  const server = await start(flags.port).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    out.write(`${pc.yellow('!')} port ${flags.port} is busy; using a free port\n`);
    return start(0);
  });
  out.write(
    `${pc.bold('mloop demo')}: server at ${server.url} (store ${config.store.replace(/^sqlite:\/\//, '')})\n`,
  );
  const training = trainingProgress('training');
  const narrator = streamNarrator(out, terminalProgress() ?? SILENT, (p) => training.update(p));
  const client = new MloopClient({ baseUrl: server.url, actor: 'mloop-demo' });
  let summary: DemoSummary;
  try {
    summary = await runStory({
      client,
      serverUrl: server.url,
      dir,
      narrator,
      settings,
    });
  } catch (err) {
    await server.close();
    throw new CliError(`the demo stopped: ${err instanceof Error ? err.message : String(err)}`, 1);
  } finally {
    training.end();
  }
  if (flags.json) printJson(summary);
  else out.write(`\n${render(summary)}\n`);
  if (flags.exit) {
    await server.close();
    return summary.ok ? 0 : 1;
  }
  out.write(
    `\n${pc.bold('The server keeps running')}: open ${pc.cyan(server.url)} (the UI), or point MLflow clients at it (MLFLOW_TRACKING_URI=${server.url}). Ctrl-C stops it.\n`,
  );
  await new Promise<void>((done) => {
    const stop = () => void server.close().finally(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return summary.ok ? 0 : 1;
}

/** A fresh directory: created, or cleared when an earlier demo made it; anything else is left alone. */
async function prepareDir(dir: string): Promise<void> {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER))
      throw new CliError(
        `--dir ${dir} exists and was not made by mloop demo; choose a new directory (--dir) or remove it.`,
        2,
      );
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MARKER), 'made by mloop demo; a new demo run clears this directory\n');
}

function render(s: DemoSummary): string {
  const lines = [heading(`Summary (${s.seconds.toFixed(0)} s)`)];
  const versions = s.model.versions.map((v) => `v${v.version} (${v.by}, ${v.trainedOn})`).join('; ');
  const baseline = s.baseline
    ? `ROC AUC ${s.baseline.metrics.roc_auc?.toFixed(3)} on ${s.baseline.data}`
    : '–';
  lines.push(
    fields([
      ['data', `${s.data.dataset}@1…@${s.data.versions.at(-1)?.version} (${s.data.source})`],
      ['model', `${s.model.name}: ${versions}`],
      [
        'aliases',
        Object.entries(s.model.aliases)
          .map(([a, v]) => `${a} → v${v}`)
          .join(', ') || 'none',
      ],
      ['baseline', baseline],
      [
        'deployment',
        `${s.deployment.name}: ${s.deployment.routes.map((r) => `${r.model} ${r.weight}%`).join(', ')}`,
      ],
    ]),
    '',
  );
  const rows = s.months.flatMap((m) =>
    m.windows.map((w) => [
      m.month,
      `v${w.modelVersion}`,
      String(w.rows),
      w.drift ? `${w.drift.driftedColumns.length}/${Object.keys(w.drift.statistics).length}` : '–',
      w.drift?.statistics.origin_late_share?.toFixed(3) ?? '–',
      w.performance?.roc_auc?.toFixed(3) ?? '–',
      String(w.performance?.labels ?? 0),
    ]),
  );
  lines.push(
    table(['month', 'version', 'rows', 'drifted', 'origin_late_share', 'roc_auc', 'labels'], rows, {
      alignRight: [2, 4, 5, 6],
    }),
    '',
  );
  const runs = s.loopRuns.map((r) => {
    const gate = r.gate?.numbers;
    const auc = (side: string) => gate?.[side]?.roc_auc?.toFixed(3) ?? '–';
    return [
      r.id.slice(0, 8),
      r.trigger,
      r.challenger ? `v${r.challenger}` : '–',
      r.gate
        ? `${r.gate.blessed ? 'blessed' : 'not blessed'} (${auc('challenger')} vs ${auc('champion')})`
        : '–',
      r.canary ? `${r.canary.requests ?? 0} requests, ${r.canary.errors ?? 0} errors` : '–',
      r.state,
    ];
  });
  lines.push(
    table(['loop run', 'trigger', 'challenger', 'gate (roc_auc vs champion)', 'canary', 'outcome'], runs),
  );
  lines.push(
    '',
    `Explore: ${s.url}/models/${s.model.name} (versions, aliases, lineage), ${s.url}/data/${s.data.dataset}, ${s.url}/deployments/${s.deployment.name}`,
    `         mloop loop history ${s.model.name} --server ${s.url}   ·   mloop monitor report --deployment ${s.deployment.name} --server ${s.url}`,
  );
  return lines.join('\n');
}
