import { type Context, Hono } from 'hono';
import { ServingError, statusOf } from '../../serving/errors.js';
import type { ServingManager } from '../../serving/serving-manager.js';
import { validateInputs } from '../../serving/validate.js';
import { encodeTensor, HEADER_LENGTH } from './binary.js';
import { parseInferRequest, renderOutputs } from './wire.js';

export interface OipOptions {
  /** Server name and version for `GET /v2`. */
  server: { name: string; version: string };
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
}

export const PREDICTION_ID_HEADER = 'x-mloop-prediction-id';
export const MODEL_VERSION_HEADER = 'x-mloop-model-version';

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
    const name = c.req.param('name')!;
    const version = c.req.param('version');
    const { body, binary } = await readBody(c, opts.maxBodyBytes);
    const request = parseInferRequest(body, binary);
    const result = await serving().infer(
      {
        deployment: name,
        ...(version === undefined ? {} : { version }),
        header: (h) => c.req.header(h),
        ...(request.outputs ? { outputs: request.outputs.map((o) => o.name) } : {}),
        startedAt,
      },
      (spec, model) => validateInputs(spec, request.inputs, model),
    );
    const wantsBinary = (n: string) =>
      request.outputs?.find((o) => o.name === n)?.binary ?? request.binaryOutput;
    const { json, blobs } = renderOutputs(result.outputs, wantsBinary, encodeTensor);
    const header = JSON.stringify({
      model_name: result.deployment,
      model_version: result.modelVersion,
      id: request.id ?? result.predictionId,
      parameters: { prediction_id: result.predictionId },
      outputs: json,
    });
    const headers: Record<string, string> = {
      [PREDICTION_ID_HEADER]: result.predictionId,
      [MODEL_VERSION_HEADER]: result.modelVersion,
    };
    if (!blobs.length) return c.body(header, 200, { ...headers, 'content-type': 'application/json' });
    const head = Buffer.from(header);
    return c.body(Buffer.concat([head, ...blobs]), 200, {
      ...headers,
      'content-type': 'application/octet-stream',
      [HEADER_LENGTH]: String(head.length),
    });
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

async function readBody(c: Context, max: number): Promise<{ body: unknown; binary?: Uint8Array }> {
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > max) throw tooLarge(declared, max);
  const headerLength = c.req.header(HEADER_LENGTH);
  if (headerLength === undefined) {
    const text = await c.req.text();
    if (text.length > max) throw tooLarge(text.length, max);
    return { body: parse(text) };
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length > max) throw tooLarge(bytes.length, max);
  const n = Number(headerLength);
  if (!Number.isSafeInteger(n) || n < 0 || n > bytes.length)
    throw new ServingError(
      'INVALID_INPUT',
      `${HEADER_LENGTH} ${JSON.stringify(headerLength)} does not fit the body.`,
    );
  if (n === 0)
    throw new ServingError(
      'INVALID_INPUT',
      'Raw binary requests (Inference-Header-Content-Length: 0) are not supported; send the JSON header with binary_data_size.',
    );
  return { body: parse(new TextDecoder().decode(bytes.subarray(0, n))), binary: bytes.subarray(n) };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ServingError('INVALID_INPUT', `Malformed JSON in request body: ${(err as Error).message}.`);
  }
}

const tooLarge = (size: number, max: number) =>
  new ServingError('PAYLOAD_TOO_LARGE', `The request body is ${size} bytes; the limit is ${max} bytes.`);

/** `$inference_error_response`: {"error": message}; 429 carries Retry-After. */
export function oipError(c: Context, err: unknown): Response {
  if (err instanceof ServingError) {
    const headers: Record<string, string> = {};
    if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
    return c.json({ error: err.message }, statusOf(err.code), headers);
  }
  console.error('mloop serving: unexpected error', err);
  return c.json({ error: 'Internal error; see the server log for details.' }, 500);
}
