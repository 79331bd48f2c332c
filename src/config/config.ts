import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What a user may set; every field optional (flags and environment). */
export interface UserConfig {
  home?: string;
  store?: string;
  artifacts?: string;
  host?: string;
  port?: number;
}

/** What the program runs with: every field decided. */
export interface ResolvedConfig {
  readonly home: string;
  readonly store: string;
  readonly artifacts: string;
  readonly host: string;
  readonly port: number;
}

/** Precedence, in one place: flags > MLOOP_* environment > defaults under the home directory. */
export function resolveConfig(flags: UserConfig, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const home = resolve(flags.home ?? env.MLOOP_HOME ?? '.mloop');
  return Object.freeze({
    home,
    store: flags.store ?? env.MLOOP_STORE_URI ?? `sqlite:///${resolve(home, 'mloop.db')}`,
    artifacts: flags.artifacts ?? env.MLOOP_ARTIFACTS_URI ?? pathToFileURL(resolve(home, 'artifacts')).href,
    host: flags.host ?? env.MLOOP_HOST ?? '127.0.0.1',
    port: flags.port ?? (env.MLOOP_PORT ? Number(env.MLOOP_PORT) : 5000),
  });
}

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:5000';

/** A server URL and where it came from, so that an error can say what to change. */
export interface ServerTarget {
  url: string;
  source: '--server' | 'MLOOP_TRACKING_URI' | 'MLFLOW_TRACKING_URI' | 'default';
}

/** The server a client command talks to: --server, then MLOOP_TRACKING_URI, then MLFLOW_TRACKING_URI. */
export function resolveServer(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ServerTarget {
  const [url, source]: [string, ServerTarget['source']] = flag
    ? [flag, '--server']
    : env.MLOOP_TRACKING_URI
      ? [env.MLOOP_TRACKING_URI, 'MLOOP_TRACKING_URI']
      : env.MLFLOW_TRACKING_URI
        ? [env.MLFLOW_TRACKING_URI, 'MLFLOW_TRACKING_URI']
        : [DEFAULT_SERVER_URL, 'default'];
  return { url: url.replace(/\/+$/, ''), source };
}

export function resolveServerUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolveServer(flag, env).url;
}
