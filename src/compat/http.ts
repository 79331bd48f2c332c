import type { Context } from 'hono';
import { ServingError } from '../serving/errors.js';

/** An HTTP answer as plain data, so the Hono routes and the replica's direct listener send the same bytes. */
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** Every inference answer, whatever the protocol, names its prediction and the model version that answered. */
export const PREDICTION_ID_HEADER = 'x-mloop-prediction-id';
export const MODEL_VERSION_HEADER = 'x-mloop-model-version';

/** 413 for a body over the limit, from its declared or its actual size. */
export const tooLarge = (size: number, max: number): ServingError =>
  new ServingError('PAYLOAD_TOO_LARGE', `The request body is ${size} bytes; the limit is ${max} bytes.`);

/** A Hono request's whole body, refused (413) past `max` bytes as declared, before reading, or as read. */
export async function bodyWithin(c: Context, max: number): Promise<Uint8Array> {
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > max) throw tooLarge(declared, max);
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.length > max) throw tooLarge(body.length, max);
  return body;
}
