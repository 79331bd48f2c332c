/** An error the server answered ({error_code, message}), or a failure to reach it (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function request<T>(url: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    if (init.signal?.aborted) throw err;
    throw new ApiError(0, 'NETWORK', `Cannot reach the mloop server (${(err as Error).message}).`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const e = body as { error_code?: string; message?: string } | undefined;
    throw new ApiError(
      res.status,
      e?.error_code ?? `HTTP_${res.status}`,
      e?.message ?? `${res.status} ${res.statusText}: ${text.slice(0, 200)}`,
    );
  }
  if (body === undefined) throw new ApiError(res.status, 'BAD_RESPONSE', `Expected JSON from ${url}.`);
  return body as T;
}

export const getJson = <T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> =>
  request<T>(withQuery(path, query), { signal: signal ?? null, headers: { accept: 'application/json' } });

export const postJson = <T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> =>
  request<T>(path, {
    method: 'POST',
    signal: signal ?? null,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });

export const isAbort = (err: unknown): boolean => err instanceof DOMException && err.name === 'AbortError';
