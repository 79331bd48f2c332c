import { userInfo } from 'node:os';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { resolveServer } from '../config/config.js';
import { MloopClient } from '../sdk/client.js';
import { MloopConnectionError } from '../sdk/errors.js';
import type { ViewType } from '../sdk/types.js';
import { CliError } from './cli-error.js';

/** Credentials for a server with --auth: MLOOP_TOKEN or MLFLOW_TRACKING_TOKEN, else MLflow's username/password. */
export function credentials(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const token = env.MLOOP_TOKEN ?? env.MLFLOW_TRACKING_TOKEN;
  if (token) return { authorization: `Bearer ${token}` };
  if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD) {
    const basic = Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD}`).toString(
      'base64',
    );
    return { authorization: `Basic ${basic}` };
  }
  return {};
}

/** The OS user, recorded as the actor of registry changes made from the CLI. */
export function currentUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/** Options every client command takes: where the data is, and how to print it. */
export interface ClientFlags {
  server?: string;
  home?: string;
  json?: boolean;
}

export function addClientOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--server <url>',
        'tracking server URL (else env MLOOP_TRACKING_URI, MLFLOW_TRACKING_URI, http://127.0.0.1:5000)',
      ).conflicts('home'),
    )
    .option('--home <dir>', 'work on a local mloop home directory, without a server')
    .option('--json', 'print machine-readable JSON on stdout');
}

/**
 * Runs `action` with a client: an in-process one over `--home`, else an HTTP one to the resolved server. A server
 * that cannot be reached becomes an error that says which URL was tried, where it came from and how to change it.
 */
export async function withClient<T>(
  flags: ClientFlags,
  action: (client: MloopClient) => Promise<T>,
  opts: { createHome?: boolean } = {},
): Promise<T> {
  // MLOOP_HOME names a local home when nothing names a server (pipeline stages get it from `mloop repro --home`).
  const env = process.env;
  const home =
    flags.home ??
    (flags.server === undefined && !env.MLOOP_TRACKING_URI && !env.MLFLOW_TRACKING_URI
      ? env.MLOOP_HOME
      : undefined);
  if (home !== undefined) {
    const { openLocalClient } = await import('../sdk/local.js');
    const client = await openLocalClient({
      home,
      create: opts.createHome ?? false,
      actor: currentUser(),
    });
    try {
      return await action(client);
    } finally {
      await client.close();
    }
  }
  const target = resolveServer(flags.server);
  let url: URL | undefined;
  try {
    url = new URL(target.url);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new CliError(
      `${target.source} is ${JSON.stringify(target.url)}, which is not an http(s) URL: pass --server http://host:port, or --home DIR to work without a server.`,
      2,
    );
  }
  try {
    return await action(
      new MloopClient({ baseUrl: target.url, actor: currentUser(), headers: credentials() }),
    );
  } catch (err) {
    if (!(err instanceof MloopConnectionError)) throw err;
    const from = target.source === 'default' ? 'the default server URL' : `set by ${target.source}`;
    throw new CliError(
      `${err.message} (That URL is ${from}.) Start a server with 'mloop server', or point to a running one with --server URL or MLOOP_TRACKING_URI; use --home DIR to work on a local home without a server.`,
      1,
      { cause: err },
    );
  }
}

/** A commander parser for an integer option within [min, max]. */
export function intOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(
        `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}.`,
      );
    }
    return n;
  };
}

/** A commander parser that collects a repeatable option into a list. */
export const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/** `--view` in the CLI's words, mapped onto the API's view types. */
export const VIEWS: Record<string, ViewType> = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' };

/** `--view active|deleted|all`, active by default. */
export const viewOption = (what: string): Option =>
  new Option('--view <view>', `which ${what}`).choices(Object.keys(VIEWS)).default('active');
