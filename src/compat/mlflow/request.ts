import type { Context } from 'hono';
import { invalid, MloopError } from '../../core/errors.js';

/** Proto fields that are repeated, so a GET query string may carry them several times. */
const REPEATED = new Set(['run_ids', 'experiment_ids', 'order_by', 'run_id_list']);

/**
 * The request message of an MLflow RPC: query parameters for GET (or, as legacy clients do, a JSON body when the
 * query is empty), a JSON object body otherwise. POST/PUT must declare application/json (CVE-2023-43472).
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
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      throw invalid(
        `Bad Request. Content-Type must be one of [application/json]; got ${JSON.stringify(type || '(none)')}.`,
      );
    }
  }
  const text = await c.req.text();
  if (opts.maxBytes !== undefined && text.length > opts.maxBytes) {
    throw invalid(
      `The request body is ${text.length} bytes; this endpoint accepts at most ${opts.maxBytes} bytes.`,
    );
  }
  if (!text.trim()) return {};
  let parsed = parseJson(text);
  // MLflow accepts a JSON string that itself holds the JSON message.
  if (typeof parsed === 'string') parsed = parseJson(parsed);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MloopError('BAD_REQUEST', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** JSON.parse, then Python's json dialect (bare NaN / Infinity / -Infinity) before giving up. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    const quoted = quoteBareSpecials(text);
    if (quoted !== text) {
      try {
        return JSON.parse(quoted);
      } catch {
        /* fall through to the original error */
      }
    }
    throw new MloopError('BAD_REQUEST', `Malformed JSON in request body: ${(first as Error).message}.`);
  }
}

function quoteBareSpecials(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (ch === '\\') out += text[++i] ?? '';
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      continue;
    }
    const rest = text.slice(i, i + 9);
    const match = rest.startsWith('-Infinity')
      ? '-Infinity'
      : rest.startsWith('Infinity')
        ? 'Infinity'
        : rest.startsWith('NaN')
          ? 'NaN'
          : null;
    if (match) {
      out += `"${match}"`;
      i += match.length - 1;
    } else {
      out += ch;
    }
  }
  return out;
}
