import type { ReactNode } from 'react';
import { ApiError } from '../api/http';
import type { AsyncState } from '../lib/use-async';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function ErrorBox({ error, retry, title }: { error: Error; retry?: () => void; title?: string }) {
  const code = (error as { code?: string }).code;
  // Asking again with the same bad input (a 400) cannot help; anything else might.
  const retryable = !(error instanceof ApiError) || error.status !== 400;
  return (
    <div className="state state-error" role="alert">
      <strong>{title ?? 'Could not load this view'}</strong>
      <p>
        {error.message}
        {code ? <span className="muted"> ({code})</span> : null}
      </p>
      {retry && retryable ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <strong>{title}</strong>
      {children ? <div className="muted">{children}</div> : null}
    </div>
  );
}

/** Loading, error (with retry) or the content built from the data. */
export function AsyncView<T>({
  state,
  children,
  label,
}: {
  state: AsyncState<T> & { reload?: () => void };
  children: (data: T) => ReactNode;
  label?: string;
}) {
  if (state.status === 'loading') return <Loading {...(label ? { label } : {})} />;
  if (state.status === 'error')
    return <ErrorBox error={state.error} {...(state.reload ? { retry: state.reload } : {})} />;
  return <>{children(state.data)}</>;
}
