import { useCallback } from 'react';
import { useSearchParams } from 'wouter';

/**
 * One query-string parameter as state, so a view's filters and options are part of its URL and can be shared.
 * Setting the default value removes the parameter; changes replace the history entry unless `push` is set.
 */
export function useQueryParam(
  name: string,
  fallback = '',
  opts: { push?: boolean } = {},
): [string, (value: string) => void] {
  const [params, setParams] = useSearchParams();
  const value = params.get(name) ?? fallback;
  const push = opts.push ?? false;
  const set = useCallback(
    (next: string) => {
      setParams(
        (prev) => {
          const p = new URLSearchParams(prev);
          if (next === fallback || next === '') p.delete(name);
          else p.set(name, next);
          return p;
        },
        { replace: !push },
      );
    },
    [setParams, name, fallback, push],
  );
  return [value, set];
}

/** A comma-separated list parameter. */
export function useQueryList(name: string): [string[], (values: string[]) => void] {
  const [raw, setRaw] = useQueryParam(name);
  const list = raw ? raw.split(',').filter(Boolean) : [];
  const set = useCallback((values: string[]) => setRaw(values.join(',')), [setRaw]);
  return [list, set];
}

/**
 * Sets several parameters in one navigation (separate `useQueryParam` setters each start from the URL of the last
 * render, so calling two of them in a row would keep only the second change). Empty values remove the parameter.
 */
export function useSetQueryParams(opts: { push?: boolean } = {}): (values: Record<string, string>) => void {
  const [, setParams] = useSearchParams();
  const push = opts.push ?? false;
  return useCallback(
    (values: Record<string, string>) => {
      setParams(
        (prev) => {
          const p = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(values)) {
            if (v === '') p.delete(k);
            else p.set(k, v);
          }
          return p;
        },
        { replace: !push },
      );
    },
    [setParams, push],
  );
}
