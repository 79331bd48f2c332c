import { useState } from 'react';
import { Link } from 'wouter';
import { searchExperiments } from '../api/client';
import type { Experiment } from '../api/types';
import { AsyncView, Empty } from '../components/status';
import { useAsync } from '../lib/use-async';

const MAX_PAGES = 10;

/** Every active experiment (up to 10,000), most recently updated first, with a quick name filter. */
export function ExperimentList({ current }: { current: string | undefined }) {
  const [find, setFind] = useState('');
  const state = useAsync('experiments', async (signal) => {
    const all: Experiment[] = [];
    let token: string | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const page = await searchExperiments({ ...(token ? { pageToken: token } : {}) }, signal);
      all.push(...page.items);
      token = page.nextPageToken;
      if (!token) break;
    }
    return all;
  });
  return (
    <nav className="experiment-list" aria-label="Experiments">
      <h2>Experiments</h2>
      <input
        type="search"
        placeholder="Filter experiments"
        aria-label="Filter experiments"
        value={find}
        onChange={(e) => setFind(e.target.value)}
      />
      <AsyncView state={state} label="Loading experiments…">
        {(experiments) => {
          const needle = find.trim().toLowerCase();
          const shown = experiments.filter((e) => e.name.toLowerCase().includes(needle));
          if (experiments.length === 0) return <Empty title="No experiments yet." />;
          if (shown.length === 0) return <Empty title={`No experiment matches “${find}”.`} />;
          return (
            <ul>
              {shown.map((e) => (
                <li key={e.experiment_id}>
                  <Link
                    href={`/experiments/${e.experiment_id}`}
                    className={e.experiment_id === current ? 'active' : ''}
                    aria-current={e.experiment_id === current ? 'page' : undefined}
                    title={e.name}
                  >
                    <span className="exp-name">{e.name}</span>
                    <span className="muted small">#{e.experiment_id}</span>
                  </Link>
                </li>
              ))}
            </ul>
          );
        }}
      </AsyncView>
    </nav>
  );
}
