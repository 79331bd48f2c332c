import { type Context, Hono } from 'hono';
import type { ServingManager } from '../../serving/serving-manager.js';
import { bodyWithin } from '../http.js';
import { oipErrorReply, oipInfer } from './infer.js';

export interface OipOptions {
  /** Server name and version for `GET /v2`. */
  server: { name: string; version: string };
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
}

/**
 * The Open Inference Protocol (V2) over REST, with the binary tensor data extension. Errors are `{"error": "…"}`
 * with the status the serving error maps to. Mount at `/v2`.
 */
export function oipRoutes(serving: () => ServingManager, opts: OipOptions): Hono {
  const v2 = new Hono();
  v2.onError((err, c) => oipError(c, err));

  v2.get('/', (c) =>
    c.json({ name: opts.server.name, version: opts.server.version, extensions: ['binary_tensor_data'] }),
  );
  v2.get('/health/live', (c) => c.json({ live: true }));
  v2.get('/health/ready', (c) => {
    const ready = serving().ready();
    return c.json({ ready }, ready ? 200 : 503);
  });

  const metadata = (c: Context) => {
    const version = c.req.param('version');
    const m = serving().metadata(c.req.param('name')!, version);
    return c.json({
      name: m.name,
      versions: version === undefined ? m.versions : [m.version],
      platform: 'onnx_onnxv1',
      inputs: m.inputs,
      outputs: m.outputs,
    });
  };
  const ready = (c: Context) => {
    const name = c.req.param('name')!;
    const ok = serving().modelReady(name, c.req.param('version'));
    return c.json({ name, ready: ok }, ok ? 200 : 503);
  };
  const infer = async (c: Context) => {
    const startedAt = performance.now();
    const body = await bodyWithin(c, opts.maxBodyBytes);
    const version = c.req.param('version');
    const reply = await oipInfer(serving(), {
      name: c.req.param('name')!,
      ...(version === undefined ? {} : { version }),
      body,
      header: (h) => c.req.header(h),
      startedAt,
    });
    return c.body(reply.body as string, reply.status as 200, reply.headers);
  };

  v2.get('/models/:name', metadata);
  v2.get('/models/:name/versions/:version', metadata);
  v2.get('/models/:name/ready', ready);
  v2.get('/models/:name/versions/:version/ready', ready);
  v2.post('/models/:name/infer', infer);
  v2.post('/models/:name/versions/:version/infer', infer);
  v2.all('*', (c) =>
    c.json(
      { error: `No Open Inference Protocol endpoint ${c.req.method} ${new URL(c.req.url).pathname}.` },
      404,
    ),
  );
  return v2;
}

export function oipError(c: Context, err: unknown): Response {
  const reply = oipErrorReply(err);
  return c.body(reply.body as string, reply.status as 400, reply.headers);
}
