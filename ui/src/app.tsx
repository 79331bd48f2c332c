import { lazy, Suspense, useEffect } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { ErrorBoundary } from './components/error-boundary';
import { Loading } from './components/status';
import { ComparePage } from './views/compare-page';
import { DataPage } from './views/data-page';
import { DatasetPage } from './views/dataset-page';
import { DeploymentPage } from './views/deployment-page';
import { DeploymentsPage } from './views/deployments-page';
import { ExperimentsPage } from './views/experiments-page';
import { ModelPage } from './views/model-page';
import { ModelsPage } from './views/models-page';
import { NotFoundPage } from './views/not-found-page';
import { RunPage } from './views/run-page';
import { VersionPage } from './views/version-page';

// Pipelines and monitoring load on first visit: most sessions never open them, and the first paint stays small.
const MonitoringPage = lazy(() =>
  import('./views/monitoring-page').then((m) => ({ default: m.MonitoringPage })),
);
const PipelinesPage = lazy(() =>
  import('./views/pipelines-page').then((m) => ({ default: m.PipelinesPage })),
);
const PipelineRunPage = lazy(() =>
  import('./views/pipeline-run-page').then((m) => ({ default: m.PipelineRunPage })),
);

const NAV = [
  { href: '/experiments', label: 'Experiments', match: ['/experiments', '/runs', '/compare'] },
  { href: '/models', label: 'Models', match: ['/models'] },
  { href: '/data', label: 'Data', match: ['/data'] },
  { href: '/pipelines', label: 'Pipelines', match: ['/pipelines'] },
  { href: '/deployments', label: 'Deployments', match: ['/deployments'] },
  { href: '/monitoring', label: 'Monitoring', match: ['/monitoring'] },
];

/** Route parameters arrive decodeURI'd by the router; finish the job for %2F-style escapes. */
const param = (value: string | undefined): string => {
  try {
    return decodeURIComponent(value ?? '');
  } catch {
    return value ?? '';
  }
};

function TopBar() {
  const [location] = useLocation();
  return (
    <header className="topbar">
      <Link href="/experiments" className="brand" aria-label="mloop home">
        <svg width="22" height="22" viewBox="0 0 32 32" aria-hidden="true">
          <path
            d="M8 21a8 8 0 1 1 16 0"
            fill="none"
            stroke="currentColor"
            strokeWidth="3.2"
            strokeLinecap="round"
          />
          <circle cx="24" cy="21" r="2.8" fill="#9fd0ff" />
        </svg>
        mloop
      </Link>
      <nav aria-label="Sections">
        {NAV.map((n) => {
          const active = (n.match ?? [n.href]).some((m) => location === m || location.startsWith(`${m}/`));
          return (
            <Link
              key={n.href}
              href={n.href}
              className={`nav-link${active ? ' active' : ''}`}
              aria-current={active ? 'page' : undefined}
            >
              {n.label}
            </Link>
          );
        })}
      </nav>
    </header>
  );
}

function useTitle() {
  const [location] = useLocation();
  useEffect(() => {
    const section = location.split('/')[1] || 'experiments';
    document.title = `${section.charAt(0).toUpperCase()}${section.slice(1)} · mloop`;
  }, [location]);
}

export function App() {
  const [location] = useLocation();
  useTitle();
  return (
    <div className="app">
      <TopBar />
      <ErrorBoundary resetKey={location}>
        <Suspense fallback={<Loading label="Loading view…" />}>
          <Switch>
            <Route path="/">
              <Redirect to="/experiments" replace />
            </Route>
            <Route path="/experiments">
              <ExperimentsPage />
            </Route>
            <Route path="/experiments/:id">{(p) => <ExperimentsPage id={param(p.id)} />}</Route>
            <Route path="/runs/:id">{(p) => <RunPage key={p.id} runId={param(p.id)} />}</Route>
            <Route path="/compare">
              <ComparePage />
            </Route>
            <Route path="/models">
              <ModelsPage />
            </Route>
            <Route path="/models/:name">{(p) => <ModelPage key={p.name} name={param(p.name)} />}</Route>
            <Route path="/models/:name/versions/:version">
              {(p) => (
                <VersionPage key={`${p.name}/${p.version}`} name={param(p.name)} version={param(p.version)} />
              )}
            </Route>
            <Route path="/data">
              <DataPage />
            </Route>
            <Route path="/data/:name">{(p) => <DatasetPage key={p.name} name={param(p.name)} />}</Route>
            <Route path="/pipelines">
              <PipelinesPage />
            </Route>
            <Route path="/pipelines/:id">{(p) => <PipelineRunPage key={p.id} id={param(p.id)} />}</Route>
            <Route path="/deployments">
              <DeploymentsPage />
            </Route>
            <Route path="/deployments/:name">
              {(p) => <DeploymentPage key={p.name} name={param(p.name)} />}
            </Route>
            <Route path="/monitoring">
              <MonitoringPage />
            </Route>
            <Route>
              <NotFoundPage />
            </Route>
          </Switch>
        </Suspense>
      </ErrorBoundary>
    </div>
  );
}
