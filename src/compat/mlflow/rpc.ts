import type { Context } from 'hono';
import type { Services } from '../../server/services.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

/** One MLflow RPC: its HTTP binding and a translation from its request message to domain calls. */
export interface Rpc {
  method: HttpMethod | HttpMethod[];
  /** Path after `/api/2.0/mlflow`, Hono syntax for path parameters (`/logged-models/:model_id`). */
  path: string;
  /** Largest accepted body in bytes, where MLflow sets one. */
  maxBytes?: number;
  handle(message: Record<string, unknown>, services: Services, c: Context): Promise<object>;
}

/** Runs a write whose RPC answers with MLflow's empty message. */
export async function done(work: Promise<unknown>): Promise<object> {
  await work;
  return {};
}
