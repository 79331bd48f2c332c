/** Where a paginated search takes its page size and token, and where it answers with the next token. */
export interface PageFields {
  size: string;
  token: string;
  next: string;
}

export const MLFLOW_PAGE: PageFields = { size: 'max_results', token: 'page_token', next: 'next_page_token' };
export const NATIVE_PAGE: PageFields = { size: 'maxResults', token: 'pageToken', next: 'nextPageToken' };

/**
 * Bounds on refilling one page whose items the caller may not all read: a caller who can read almost nothing of a
 * large store gets a short page with a valid next token after this much work, rather than a scan of everything.
 */
export const REFILL_LIMITS = { rounds: 20, scanned: 50_000 };

/** Requests the refill made itself: they are filtered like any other, but never refilled (no recursion). */
const internal = new WeakSet<Request>();

export const isRefillRequest = (req: Request): boolean => internal.has(req);

/**
 * The same search as `original`, for the `size` items after `token`: the query or the JSON body the client sent,
 * with only the page size and token replaced, and the client's own credentials.
 */
export function nextPageRequest(
  original: Request,
  message: Record<string, unknown>,
  page: PageFields,
  token: string,
  size: number,
): Request {
  const headers = new Headers(original.headers);
  headers.delete('content-length');
  let req: Request;
  if (original.method === 'GET' || original.method === 'HEAD') {
    const url = new URL(original.url);
    url.searchParams.set(page.token, token);
    url.searchParams.set(page.size, String(size));
    req = new Request(url, { method: 'GET', headers });
  } else {
    headers.set('content-type', 'application/json');
    const body = JSON.stringify({ ...message, [page.token]: token, [page.size]: size });
    req = new Request(original.url, { method: original.method, headers, body });
  }
  internal.add(req);
  return req;
}
