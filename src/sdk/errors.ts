/** The server answered with an error: `status` is the HTTP status, `code` the stable error code. */
export class MloopApiError extends Error {
  override readonly name = 'MloopApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** No answer at all: the server is not running, not reachable, or the URL is wrong. */
export class MloopConnectionError extends Error {
  override readonly name = 'MloopConnectionError';
  constructor(
    /** The server URL that was tried. */
    readonly url: string,
    /** The system error code when known, e.g. ECONNREFUSED, ENOTFOUND. */
    readonly reason: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`Cannot reach the mloop server at ${url}${reason ? ` (${reason})` : ''}.`, options);
  }
}

/**
 * Why a fetch failed: the system error code (ECONNREFUSED, ENOTFOUND…) that undici nests in `cause`, sometimes in
 * an AggregateError, else the innermost message (such as "bad port").
 */
export function networkReason(err: unknown): string | undefined {
  let cause = (err as { cause?: unknown })?.cause;
  let message: string | undefined;
  for (let depth = 0; depth < 4 && cause; depth++) {
    const c = cause as { code?: unknown; errors?: unknown[]; cause?: unknown; message?: unknown };
    if (typeof c.code === 'string') return c.code;
    if (typeof c.message === 'string' && c.message) message = c.message;
    cause = c.errors?.[0] ?? c.cause;
  }
  return message;
}
