import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode } from '../core/errors.js';
import { isMloopError, MloopError } from '../core/errors.js';

/** The one place where error codes become HTTP statuses (MLflow's ERROR_CODE_TO_HTTP_STATUS). */
const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_CONFLICT: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  TEMPORARILY_UNAVAILABLE: 503,
  INSUFFICIENT_STORAGE: 507,
  INTERNAL_ERROR: 500,
};

export interface ErrorBody {
  error_code: ErrorCode;
  message: string;
}

/** Codes of a database or disk that is out of reach or out of space: the request may succeed later. */
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'SQLITE_BUSY',
]);
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);
const LOST_CONNECTION =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/** Infrastructure faults become their own answers (503, 507) instead of a generic 500. */
export function classifyFault(err: unknown): MloopError | undefined {
  const e = err as { code?: string; message?: string; cause?: { code?: string } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  if ((code && UNAVAILABLE.has(code)) || LOST_CONNECTION.test(e?.message ?? '')) {
    return new MloopError(
      'TEMPORARILY_UNAVAILABLE',
      'The metadata store is unreachable right now; retry shortly.',
      {
        cause: err,
      },
    );
  }
  if (code && NO_SPACE.has(code)) {
    return new MloopError(
      'INSUFFICIENT_STORAGE',
      'The store is out of space; nothing was written. Free space or raise the quota, then retry.',
      { cause: err },
    );
  }
  return undefined;
}

export function errorResponse(err: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  const fault = isMloopError(err) ? undefined : classifyFault(err);
  if (fault) return { status: STATUS[fault.code], body: { error_code: fault.code, message: fault.message } };
  if (isMloopError(err))
    return { status: STATUS[err.code], body: { error_code: err.code, message: err.message } };
  return {
    status: 500,
    body: { error_code: 'INTERNAL_ERROR', message: 'Internal error; see the server log for details.' },
  };
}
