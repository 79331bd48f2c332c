import { type Command, InvalidArgumentError } from 'commander';
import { resolveConfig } from '../config/config.js';

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('Run the tracking server (MLflow-compatible REST API, artifact proxy, native API).')
    .option('--host <host>', 'interface to bind (env MLOOP_HOST)', undefined)
    .option('--port <port>', 'port to listen on, 0 for any free port (env MLOOP_PORT)', parsePort)
    .option('--home <dir>', 'mloop home directory (env MLOOP_HOME)', undefined)
    .option(
      '--store <uri>',
      'metadata store: sqlite:///path.db or postgresql://user:pass@host:port/db (env MLOOP_STORE_URI)',
    )
    .option(
      '--artifacts <uri>',
      'artifact store: file:///dir or s3://bucket/prefix (env MLOOP_ARTIFACTS_URI)',
    )
    .option('--json', 'print the listening address as JSON once ready')
    .action(
      async (opts: {
        host?: string;
        port?: number;
        home?: string;
        store?: string;
        artifacts?: string;
        json?: boolean;
      }) => {
        const config = resolveConfig(opts);
        const [{ startServer }, { redact }] = await Promise.all([
          import('../server/start.js'),
          import('../store/open-store.js'),
        ]);
        const server = await startServer(config);
        if (opts.json) {
          console.log(
            JSON.stringify({
              url: server.url,
              store: redact(config.store),
              artifacts: config.artifacts,
              home: config.home,
            }),
          );
        } else {
          console.log(`mloop server listening on ${server.url}`);
          console.log(`  store:     ${redact(config.store)}`);
          console.log(`  artifacts: ${config.artifacts}`);
          console.log(`  MLflow clients: export MLFLOW_TRACKING_URI=${server.url}`);
        }
        await new Promise<void>((resolveStop) => {
          const stop = () => {
            server.close().finally(resolveStop);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      },
    );
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`expected an integer from 0 to 65535, got ${JSON.stringify(value)}.`);
  }
  return port;
}
