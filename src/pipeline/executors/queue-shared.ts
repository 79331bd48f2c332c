import type { HashedPath } from '../lock.js';
import type { Stage } from '../spec.js';

export const QUEUE_NAME = 'mloop-stages';

/** What a worker needs to run a stage: the stage, its deps by hash, and where the shared cache is. */
export interface StageJobData {
  stage: Stage;
  key: string;
  deps: HashedPath[];
  attempt: number;
  /** Root URI of the shared content-addressed cache (file:///… or s3://…). */
  cacheUri: string;
  env: Record<string, string>;
}

export interface StageJobResult {
  outs: HashedPath[];
  worker: string;
}

/** Log lines travel as job progress: `{lines}` batches. */
export interface StageJobProgress {
  lines: { line: string; stream: 'stdout' | 'stderr' }[];
}

/** ioredis options from a redis:// URL (BullMQ requires maxRetriesPerRequest: null for blocking commands). */
export function redisOptions(url: string) {
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new Error(`expected a redis:// URL for Redis, got ${JSON.stringify(url)}`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** Job failures the worker reports as data: a failed command is a result, not a crash. */
export const COMMAND_FAILED = 'mloop-stage-command-failed:';
