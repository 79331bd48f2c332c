/**
 * Domain errors carry a stable code and no HTTP details; `server/http-errors.ts` maps codes to statuses.
 * Codes are MLflow's ErrorCode names because the MLflow clients branch on them.
 */
export type ErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'BAD_REQUEST'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'ENDPOINT_NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'RESOURCE_CONFLICT'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'INSUFFICIENT_STORAGE'
  | 'INTERNAL_ERROR';

export class MloopError extends Error {
  override readonly name = 'MloopError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const invalid = (message: string): MloopError => new MloopError('INVALID_PARAMETER_VALUE', message);
export const notFound = (message: string): MloopError => new MloopError('RESOURCE_DOES_NOT_EXIST', message);
export const alreadyExists = (message: string): MloopError =>
  new MloopError('RESOURCE_ALREADY_EXISTS', message);

/** Renders a received value for an error message without flooding it. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export const isMloopError = (err: unknown): err is MloopError => err instanceof MloopError;
