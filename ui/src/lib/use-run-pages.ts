import { useCallback, useEffect, useRef, useState } from 'react';
import { searchRuns } from '../api/client';
import { isAbort } from '../api/http';
import { RunColumns } from './run-rows';

export interface RunQuery {
  experimentIds: string[];
  filter: string;
  orderBy: string[];
}

export interface RunPages {
  /** The runs loaded so far; grows in place as pages arrive (`count` says how many). */
  runs: RunColumns;
  count: number;
  /** True until the server says there are no more pages. */
  hasMore: boolean;
  loading: boolean;
  error?: Error;
  /** Fetches the next page unless one is on its way (or all are loaded). */
  loadMore(): void;
  retry(): void;
}

const FIRST_PAGE = 200;
const NEXT_PAGE = 1000;

/**
 * Runs of a search, page by page with the server's page tokens: a small first page so the table paints at
 * once, then larger ones as the table scrolls towards the end of what is loaded.
 */
export function useRunPages(query: RunQuery): RunPages {
  const key = JSON.stringify(query);
  const [, setVersion] = useState(0);
  const s = useRef({
    key: '',
    runs: new RunColumns(),
    token: undefined as string | undefined,
    hasMore: true,
    loading: false,
    error: undefined as Error | undefined,
    controller: undefined as AbortController | undefined,
  });

  const fetchPage = useCallback(() => {
    const st = s.current;
    if (st.loading || !st.hasMore || st.error) return;
    const forKey = st.key;
    const q = JSON.parse(forKey) as RunQuery;
    const controller = new AbortController();
    st.controller = controller;
    st.loading = true;
    setVersion((v) => v + 1);
    searchRuns(
      {
        experimentIds: q.experimentIds,
        filter: q.filter,
        orderBy: q.orderBy,
        maxResults: st.runs.length === 0 ? FIRST_PAGE : NEXT_PAGE,
        ...(st.token ? { pageToken: st.token } : {}),
      },
      controller.signal,
    ).then(
      (page) => {
        if (s.current.key !== forKey) return;
        st.runs.append(page.items);
        st.token = page.nextPageToken;
        st.hasMore = Boolean(page.nextPageToken);
        st.loading = false;
        setVersion((v) => v + 1);
      },
      (err: unknown) => {
        if (s.current.key !== forKey || isAbort(err)) return;
        st.loading = false;
        st.error = err instanceof Error ? err : new Error(String(err));
        setVersion((v) => v + 1);
      },
    );
  }, []);

  useEffect(() => {
    const st = s.current;
    st.controller?.abort();
    Object.assign(st, {
      key,
      runs: new RunColumns(),
      token: undefined,
      hasMore: true,
      loading: false,
      error: undefined,
    });
    fetchPage();
    return () => st.controller?.abort();
  }, [key, fetchPage]);

  const retry = useCallback(() => {
    s.current.error = undefined;
    fetchPage();
  }, [fetchPage]);

  const st = s.current;
  return {
    runs: st.runs,
    count: st.key === key ? st.runs.length : 0,
    hasMore: st.hasMore,
    loading: st.key !== key || st.loading,
    ...(st.error ? { error: st.error } : {}),
    loadMore: fetchPage,
    retry,
  };
}
