import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode } from '../core/errors.js';
import { isMloopError } from '../core/errors.js';

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
  INTERNAL_ERROR: 500,
};

export interface ErrorBody {
  error_code: ErrorCode;
  message: string;
}

export function errorResponse(err: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  if (isMloopError(err))
    return { status: STATUS[err.code], body: { error_code: err.code, message: err.message } };
  return {
    status: 500,
    body: { error_code: 'INTERNAL_ERROR', message: 'Internal error; see the server log for details.' },
  };
}
