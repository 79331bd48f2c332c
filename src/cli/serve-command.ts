import { type Command, InvalidArgumentError } from 'commander';
import { intOption } from './connect.js';

interface ServeFlags {
  model: string;
  name?: string;
  host?: string;
  port?: number;
  home?: string;
  store?: string;
  artifacts?: string;
  workers?: number;
  stickyHeader?: string;
  maxBatchSize?: number;
  maxQueueDelayMs?: number;
  maxQueueSize?: number;
  timeoutMs?: number;
  pollMs?: number;
  json?: boolean;
  auth?: boolean;
  allowedHosts?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Run a standalone serving replica of one model: /v2 (Open Inference Protocol), /invocations and /ping (MLflow), /metrics.',
    )
    .requiredOption('--model <uri>', 'models:/NAME@alias, models:/NAME/VERSION or models:/NAME/latest')
    .option('--name <name>', 'the name to serve the model as (default: the registered model name)')
    .option('--host <host>', 'interface to bind (env MLOOP_HOST)')
    .option('--port <port>', 'port to listen on, 0 for any free port', intOption(0, 65535), 8080)
    .option('--home <dir>', 'mloop home directory to read the registry and artifacts from (env MLOOP_HOME)')
    .option('--store <uri>', 'metadata store: sqlite:///path.db or postgresql://… (env MLOOP_STORE_URI)')
    .option(
      '--artifacts <uri>',
      'artifact store: file:///dir or s3://bucket/prefix (env MLOOP_ARTIFACTS_URI)',
    )
    .option('--workers <n>', 'inference worker threads (default: cores - 1)', intOption(1, 256))
    .option('--sticky-header <header>', 'route requests with the same header value to the same version')
    .option('--max-batch-size <n>', 'rows per runtime call (1 turns batching off)', intOption(1, 4096))
    .option(
      '--max-queue-delay-ms <ms>',
      'how long to wait for a fuller batch (0: opportunistic)',
      intOption(0, 10_000),
    )
    .option('--max-queue-size <n>', 'requests allowed to wait before 429', intOption(1, 1_000_000))
    .option('--timeout-ms <ms>', 'request timeout, queued or running', intOption(1, 600_000))
    .option(
      '--poll-ms <ms>',
      'how often the registry is checked for alias moves',
      intOption(50, 3_600_000),
      1000,
    )
    .option(
      '--auth',
      "require a user's token or password and READ on the model for everything but health probes (env MLOOP_AUTH=true)",
    )
    .option(
      '--allowed-hosts <list>',
      'Host header values to answer (env MLOOP_ALLOWED_HOSTS; default: loopback names)',
    )
    .option('--json', 'print the listening address as JSON once ready')
    .action(async (flags: ServeFlags) => {
      const { startReplica } = await import('../serving/replica.js');
      const { resolveListenConfig } = await import('../config/config.js');
      const { config, warning } = resolveListenConfig(
        {
          ...(flags.home ? { home: flags.home } : {}),
          ...(flags.store ? { store: flags.store } : {}),
          ...(flags.artifacts ? { artifacts: flags.artifacts } : {}),
          ...(flags.host ? { host: flags.host } : {}),
          ...(flags.auth ? { auth: true } : {}),
          ...(flags.allowedHosts ? { allowedHosts: flags.allowedHosts } : {}),
          port: flags.port ?? 8080,
        },
        'replica',
      );
      if (warning) console.error(`mloop: ${warning}`);
      if (flags.name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(flags.name))
        throw new InvalidArgumentError(
          `--name: letters, digits, '_', '.' or '-', got ${JSON.stringify(flags.name)}.`,
        );
      const batching = Object.fromEntries(
        (['maxBatchSize', 'maxQueueDelayMs', 'maxQueueSize', 'timeoutMs'] as const)
          .filter((k) => flags[k] !== undefined)
          .map((k) => [k, flags[k]]),
      );
      const replica = await startReplica(config, {
        model: flags.model,
        ...(flags.name ? { name: flags.name } : {}),
        ...(flags.workers ? { workers: flags.workers } : {}),
        ...(flags.stickyHeader ? { stickyHeader: flags.stickyHeader } : {}),
        batching,
        pollMs: flags.pollMs ?? 1000,
      });
      if (flags.json)
        console.log(JSON.stringify({ url: replica.url, name: replica.name, model: flags.model }));
      else {
        console.log(`mloop serve: ${flags.model} as '${replica.name}' on ${replica.url}`);
        console.log(`  OIP:    POST ${replica.url}/v2/models/${replica.name}/infer`);
        console.log(`  MLflow: POST ${replica.url}/invocations`);
      }
      await new Promise<void>((resolveStop) => {
        const stop = () => {
          replica.close().finally(resolveStop);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
