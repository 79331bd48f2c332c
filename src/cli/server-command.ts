import { type Command, InvalidArgumentError } from 'commander';
import { resolveListenConfig } from '../config/config.js';

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
    .option(
      '--auth',
      'require authentication (users and tokens: mloop users / mloop tokens) (env MLOOP_AUTH=true)',
    )
    .option(
      '--allowed-hosts <list>',
      'Host header values to answer, comma-separated, or * (env MLOOP_ALLOWED_HOSTS)',
    )
    .option(
      '--cors-origins <list>',
      'browser origins allowed to call the API, comma-separated (env MLOOP_CORS_ORIGINS)',
    )
    .option(
      '--rate-limit <rate>',
      'requests per second per token, e.g. 200/s, or off (default 200/s with --auth)',
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
        auth?: boolean;
        allowedHosts?: string;
        corsOrigins?: string;
        rateLimit?: string;
      }) => {
        const { config, warning } = resolveListenConfig(opts, 'server');
        const [{ startServer }, { redact }] = await Promise.all([
          import('../server/start.js'),
          import('../store/open-store.js'),
        ]);
        const server = await startServer(config);
        if (warning) console.error(`mloop: ${warning}`);
        if (config.auth) {
          const users = await server.services.users.count();
          if (users === 0)
            console.error(
              'mloop: --auth is on and there are no users yet: run `mloop users add NAME --role admin --home DIR`.',
            );
        }
        if (opts.json) {
          console.log(
            JSON.stringify({
              url: server.url,
              store: redact(config.store),
              artifacts: config.artifacts,
              home: config.home,
              auth: config.auth,
            }),
          );
        } else {
          console.log(`mloop server listening on ${server.url}`);
          console.log(`  store:     ${redact(config.store)}`);
          console.log(`  artifacts: ${config.artifacts}`);
          console.log(`  auth:      ${config.auth ? 'on' : 'off (local use only)'}`);
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
