import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { type HttpReply, tooLarge } from '../compat/http.js';
import { scoringErrorReply, scoringInvoke } from '../compat/mlflow-scoring/invoke.js';
import { oipErrorReply, oipInfer } from '../compat/oip/infer.js';
import { browserVerdict, type SecurityOptions } from '../server/security.js';
import { type ReplicaAccessOptions, replicaPrincipal } from './replica-access.js';
import type { ServingManager } from './serving-manager.js';

const INFER = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/infer$/;

export interface ReplicaListenerOptions {
  /** Everything but inference: the replica's Hono app. */
  app: Hono;
  serving: ServingManager;
  /** The name the replica serves its model as (`/invocations` answers for it). */
  deployment: string;
  maxBodyBytes: number;
  security: SecurityOptions;
  /** With `--auth`: who may infer. */
  access?: ReplicaAccessOptions;
}

/** One of the inference protocols: its handler and its error body. */
interface Protocol {
  answer(body: Uint8Array, header: (h: string) => string | undefined, startedAt: number): Promise<HttpReply>;
  error(err: unknown): HttpReply;
}

/**
 * The replica's request listener. Inference — OIP's `POST /v2/models/{name}[/versions/{v}]/infer` and MLflow's
 * `POST /invocations`, the requests a replica exists for — is answered straight from Node's request and response
 * objects: the same checks, handlers and bytes as the Hono routes (`oipInfer`, `scoringInvoke`, `browserVerdict`,
 * `replicaPrincipal`), without building a Fetch `Request` and `Response` and running the middleware chain around
 * them — about a fifth of the serving thread's time per request at half load. Every other request goes to the Hono
 * app.
 */
export function replicaListener(opts: ReplicaListenerOptions): RequestListener {
  const fallback = getRequestListener(opts.app.fetch);
  const invocations: Protocol = {
    answer: (body, header, startedAt) =>
      scoringInvoke(opts.serving, opts.deployment, {
        contentType: header('content-type'),
        body,
        header,
        startedAt,
      }),
    error: scoringErrorReply,
  };
  return (req, res) => {
    if (req.method !== 'POST' || req.headers.host === undefined) return void fallback(req, res);
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    let protocol: Protocol | undefined;
    if (path === '/invocations') protocol = invocations;
    else {
      const m = INFER.exec(path);
      const name = m ? decodeParam(m[1]!) : null;
      const version = m?.[2] === undefined ? undefined : decodeParam(m[2]);
      if (name !== null && version !== null)
        protocol = {
          answer: (body, header, startedAt) =>
            oipInfer(opts.serving, {
              name,
              ...(version === undefined ? {} : { version }),
              body,
              header,
              startedAt,
            }),
          error: oipErrorReply,
        };
    }
    if (!protocol) return void fallback(req, res);
    const answer = protocol;
    direct(opts, req, res, path, answer).catch((err: unknown) => {
      if (!res.headersSent) send(res, answer.error(err), []);
      else res.destroy(err as Error);
    });
  };
}

async function direct(
  opts: ReplicaListenerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  protocol: Protocol,
): Promise<void> {
  const startedAt = performance.now();
  const header = (h: string): string | undefined => {
    const v = req.headers[h.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const verdict = browserVerdict(opts.security, 'POST', req.headers.host!.toLowerCase(), header('origin'));
  if ('refuse' in verdict)
    return send(
      res,
      { status: 403, headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: verdict.refuse },
      [],
    );
  const extra = 'headers' in verdict ? verdict.headers : [];
  if (opts.access) {
    const who = await replicaPrincipal(opts.access, 'POST', path, header('authorization'));
    if (who && 'status' in who) return send(res, who, extra);
  }
  let reply: HttpReply;
  try {
    const body = await readBody(req, opts.maxBodyBytes);
    if (!body) return void res.destroy();
    reply = await protocol.answer(body, header, startedAt);
  } catch (err) {
    reply = protocol.error(err);
    // A refused body is not read to its end: close the connection rather than wait for the rest of it.
    if (reply.status === 413) reply.headers.connection = 'close';
  }
  send(res, reply, extra);
}

/** The body, refused (413) past `max` bytes as declared or as it arrives; null when the client went away. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) return Promise.reject(tooLarge(declared, max));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.resume();
        reject(tooLarge(size, max));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
    req.on('close', () => resolve(null));
  });
}

function send(res: ServerResponse, reply: HttpReply, extra: [string, string][]): void {
  const headers: Record<string, string> = { ...reply.headers };
  for (const [k, v] of extra) headers[k] = v;
  headers['content-length'] = String(
    typeof reply.body === 'string' ? Buffer.byteLength(reply.body) : reply.body.byteLength,
  );
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

/** A path parameter as Hono decodes it; null when its percent-encoding is malformed (Hono answers those). */
function decodeParam(raw: string): string | null {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}
