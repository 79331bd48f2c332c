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
