import { ServingError, statusOf } from '../../serving/errors.js';
import type { ServingManager } from '../../serving/serving-manager.js';
import { validateInputs } from '../../serving/validate.js';
import { type HttpReply, MODEL_VERSION_HEADER, PREDICTION_ID_HEADER } from '../http.js';
import { encodeTensor, HEADER_LENGTH } from './binary.js';
import { parseInferRequest, renderOutputs } from './wire.js';

export interface OipInferRequest {
  /** The model (deployment) name and optional version from the path. */
  name: string;
  version?: string;
  /** The whole body, already read and within the size limit. */
  body: Uint8Array;
  header(name: string): string | undefined;
  /** When the request arrived (performance.now()), for the latency metrics. */
  startedAt: number;
}

/**
 * `POST /v2/models/{name}[/versions/{version}]/infer`: parse, validate against the serving version's signature,
 * run, and render the answer, JSON or with the binary tensor extension. Throws ServingError for bad input.
 */
export async function oipInfer(serving: ServingManager, req: OipInferRequest): Promise<HttpReply> {
  const { body, binary } = splitBody(req.body, req.header(HEADER_LENGTH));
  const request = parseInferRequest(body, binary);
  const result = await serving.infer(
    {
      deployment: req.name,
      ...(req.version === undefined ? {} : { version: req.version }),
      header: req.header,
      ...(request.outputs ? { outputs: request.outputs.map((o) => o.name) } : {}),
      startedAt: req.startedAt,
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
  if (!blobs.length)
    return { status: 200, headers: { ...headers, 'content-type': 'application/json' }, body: header };
  const head = Buffer.from(header);
  return {
    status: 200,
    headers: { ...headers, 'content-type': 'application/octet-stream', [HEADER_LENGTH]: String(head.length) },
    body: Buffer.concat([head, ...blobs]),
  };
}

/** The OIP error body (`{"error": …}`) with the status a serving error maps to; anything else is a logged 500. */
export function oipErrorReply(err: unknown): HttpReply {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (err instanceof ServingError) {
    if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
    return { status: statusOf(err.code), headers, body: JSON.stringify({ error: err.message }) };
  }
  console.error('mloop serving: unexpected error', err);
  return {
    status: 500,
    headers,
    body: JSON.stringify({ error: 'Internal error; see the server log for details.' }),
  };
}

const utf8 = new TextDecoder();

function splitBody(
  bytes: Uint8Array,
  headerLength: string | undefined,
): { body: unknown; binary?: Uint8Array } {
  if (headerLength === undefined) return { body: parse(utf8.decode(bytes)) };
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
  return { body: parse(utf8.decode(bytes.subarray(0, n))), binary: bytes.subarray(n) };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ServingError('INVALID_INPUT', `Malformed JSON in request body: ${(err as Error).message}.`);
  }
}
