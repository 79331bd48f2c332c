import type { Context } from 'hono';
import { invalid, MloopError } from '../core/errors.js';

/**
 * JSON request bodies, shared by every API surface. A body-carrying request must declare application/json: a
 * browser cannot send that cross-origin without a CORS preflight, which is what closes CVE-2023-43472.
 */
export function requireJsonContentType(c: Context): void {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw invalid(
      `Bad Request. Content-Type must be one of [application/json]; got ${JSON.stringify(type || '(none)')}.`,
    );
  }
}

/**
 * The body as a JSON object; an empty body is `{}`. `unwrapString` accepts a JSON string that itself holds the
 * JSON object, as MLflow does.
 */
export async function readJsonObject(
  c: Context,
  opts: { maxBytes?: number; unwrapString?: boolean } = {},
): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (opts.maxBytes !== undefined && text.length > opts.maxBytes) {
    throw invalid(
      `The request body is ${text.length} bytes; this endpoint accepts at most ${opts.maxBytes} bytes.`,
    );
  }
  if (!text.trim()) return {};
  let parsed = parseJson(text);
  if (opts.unwrapString && typeof parsed === 'string') parsed = parseJson(parsed);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MloopError('BAD_REQUEST', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** A native-API body: JSON with only the named fields, so a misspelt field is an error, not silently ignored. */
export async function readFields(
  c: Context,
  fields: readonly string[],
  opts: { maxBytes?: number } = {},
): Promise<Record<string, unknown>> {
  requireJsonContentType(c);
  const body = await readJsonObject(c, opts);
  const unknown = Object.keys(body).find((k) => !fields.includes(k));
  if (unknown !== undefined) {
    throw invalid(
      `Unknown field ${JSON.stringify(unknown)} in the request body: expected ${fields.join(', ')}.`,
    );
  }
  return body;
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
