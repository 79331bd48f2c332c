/**
 * Serving errors: a stable code each, no HTTP details. `statusOf` is the one place that maps them to HTTP statuses;
 * the protocol adapters (OIP, MLflow scoring) only choose the body shape.
 */
export type ServingErrorCode =
  | 'INVALID_INPUT'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_NOT_READY'
  | 'QUEUE_FULL'
  | 'TIMEOUT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INFERENCE_FAILED';

export class ServingError extends Error {
  override readonly name = 'ServingError';
  constructor(
    readonly code: ServingErrorCode,
    message: string,
    /** For QUEUE_FULL: seconds after which a retry is likely to be accepted. */
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const STATUS: Record<ServingErrorCode, 400 | 404 | 413 | 415 | 429 | 500 | 503 | 504> = {
  INVALID_INPUT: 400,
  MODEL_NOT_FOUND: 404,
  MODEL_NOT_READY: 503,
  QUEUE_FULL: 429,
  TIMEOUT: 504,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INFERENCE_FAILED: 500,
};

export const statusOf = (code: ServingErrorCode) => STATUS[code];

/** Triton's failure reasons, for `nv_inference_request_failure{reason}`; INVALID is mloop's for bad input. */
export type FailureReason = 'REJECTED' | 'CANCELED' | 'BACKEND' | 'INVALID' | 'OTHER';

export function failureReason(err: unknown): FailureReason {
  if (!(err instanceof ServingError)) return 'OTHER';
  switch (err.code) {
    case 'QUEUE_FULL':
    case 'TIMEOUT':
      return 'REJECTED';
    case 'INFERENCE_FAILED':
      return 'BACKEND';
    case 'INVALID_INPUT':
    case 'PAYLOAD_TOO_LARGE':
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 'INVALID';
    default:
      return 'OTHER';
  }
}

export const badInput = (message: string) => new ServingError('INVALID_INPUT', message);
