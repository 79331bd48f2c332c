import type { Context } from 'hono';
import { readJsonObject, requireJsonContentType } from '../../server/json-body.js';

/** Proto fields that are repeated, so a GET query string may carry them several times. */
const REPEATED = new Set(['run_ids', 'experiment_ids', 'order_by', 'run_id_list']);

/**
 * The request message of an MLflow RPC: query parameters for GET (or, as legacy clients do, a JSON body when the
 * query is empty), a JSON object body otherwise. POST/PUT must declare application/json (CVE-2023-43472); like
 * MLflow's `_validate_content_type`, other methods are not checked.
 */
export async function readMessage(
  c: Context,
  opts: { maxBytes?: number } = {},
): Promise<Record<string, unknown>> {
  const method = c.req.method;
  if (method === 'GET' || method === 'HEAD') {
    const url = new URL(c.req.url);
    if ([...url.searchParams.keys()].length > 0) {
      const message: Record<string, unknown> = {};
      for (const key of new Set(url.searchParams.keys())) {
        const values = url.searchParams.getAll(key);
        message[key] = REPEATED.has(key) ? values : values[values.length - 1];
      }
      return message;
    }
  } else if (method === 'POST' || method === 'PUT') {
    requireJsonContentType(c);
  }
  return readJsonObject(c, { ...opts, unwrapString: true });
}
