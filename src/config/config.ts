import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { invalid } from '../core/errors.js';

/** What a user may set; every field optional (flags and environment). */
export interface UserConfig {
  home?: string;
  store?: string;
  artifacts?: string;
  host?: string;
  port?: number;
  auth?: boolean;
  allowedHosts?: string;
  corsOrigins?: string;
  rateLimit?: string;
}

/** What the program runs with: every field decided. */
export interface ResolvedConfig {
  readonly home: string;
  readonly store: string;
  readonly artifacts: string;
  readonly host: string;
  readonly port: number;
  readonly auth: boolean;
  /** Host header values accepted; '*' for any. */
  readonly allowedHosts: readonly string[] | '*';
  readonly corsOrigins: readonly string[];
  /** Requests per second per token, with a burst of twice that; undefined for no limit. */
  readonly rateLimit?: { perSecond: number; burst: number };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
export const isLoopback = (host: string): boolean => LOOPBACK.has(host) || host.startsWith('127.');

const list = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The config of a process that listens (`mloop server`, `mloop serve`): without authentication only this machine may
 * call, so a non-loopback host falls back to 127.0.0.1 and `warning` says why.
 */
export function resolveListenConfig(
  flags: UserConfig,
  listener: 'server' | 'replica',
  env: NodeJS.ProcessEnv = process.env,
): { config: ResolvedConfig; warning?: string } {
  const config = resolveConfig(flags, env);
  if (config.auth || isLoopback(config.host)) return { config };
  return {
    config: resolveConfig({ ...flags, host: '127.0.0.1' }, env),
    warning: `authentication is off, so the ${listener} listens on 127.0.0.1 only, not ${config.host}. Add users (mloop users add) and start with --auth to serve other machines.`,
  };
}

/** Precedence, in one place: flags > MLOOP_* environment > defaults under the home directory. */
export function resolveConfig(flags: UserConfig, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const home = resolve(flags.home ?? env.MLOOP_HOME ?? '.mloop');
  const auth = flags.auth ?? /^(1|true|yes)$/i.test(env.MLOOP_AUTH ?? '');
  const host = flags.host ?? env.MLOOP_HOST ?? '127.0.0.1';
  const hosts = list(flags.allowedHosts ?? env.MLOOP_ALLOWED_HOSTS);
  // A server bound to loopback answers only to loopback names (DNS rebinding); elsewhere, to what is configured.
  const allowedHosts: readonly string[] | '*' = hosts.includes('*')
    ? '*'
    : hosts.length
      ? hosts.map((h) => h.toLowerCase())
      : isLoopback(host)
        ? ['localhost', '127.0.0.1', '[::1]']
        : '*';
  const rateLimit = parseRate(flags.rateLimit ?? env.MLOOP_RATE_LIMIT ?? (auth ? '200/s' : undefined));
  return Object.freeze({
    home,
    store: flags.store ?? env.MLOOP_STORE_URI ?? `sqlite:///${resolve(home, 'mloop.db')}`,
    artifacts: flags.artifacts ?? env.MLOOP_ARTIFACTS_URI ?? pathToFileURL(resolve(home, 'artifacts')).href,
    host,
    port: flags.port ?? (env.MLOOP_PORT ? Number(env.MLOOP_PORT) : 5000),
    auth,
    allowedHosts,
    corsOrigins: list(flags.corsOrigins ?? env.MLOOP_CORS_ORIGINS),
    ...(rateLimit ? { rateLimit } : {}),
  });
}

function parseRate(text: string | undefined): { perSecond: number; burst: number } | undefined {
  if (!text || text === 'off') return undefined;
  const m = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(text.trim());
  if (!m || Number(m[1]) <= 0) {
    throw invalid(
      `Invalid rate limit ${JSON.stringify(text)}: expected requests per second such as "200/s", or "off".`,
    );
  }
  return { perSecond: Number(m[1]), burst: Math.max(1, Math.ceil(Number(m[1]) * 2)) };
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
