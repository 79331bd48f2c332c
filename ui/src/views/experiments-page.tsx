import { Empty } from '../components/status';
import { ExperimentList } from './experiment-list';
import { ExperimentRuns } from './experiment-runs';

export function ExperimentsPage({ id }: { id?: string | undefined }) {
  return (
    <div className="split">
      <aside className="sidebar">
        <ExperimentList current={id} />
      </aside>
      <main className="main">
        {id ? (
          <ExperimentRuns key={id} id={id} />
        ) : (
          <Empty title="Choose an experiment">Its runs open here, with search, sorting and charts.</Empty>
        )}
      </main>
    </div>
  );
}
