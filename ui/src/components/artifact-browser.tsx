import { useState } from 'react';
import { listArtifacts } from '../api/client';
import type { ArtifactFile, Run } from '../api/types';
import { formatBytes } from '../lib/format';
import { useQueryParam } from '../lib/url-state';
import { useAsync } from '../lib/use-async';
import { ArtifactPreview } from './artifact-preview';
import { Empty, ErrorBox, Loading } from './status';

/** A run's artifacts as a tree (each directory listed when opened) beside a preview of the chosen file. */
export function ArtifactBrowser({ run }: { run: Run }) {
  const [path, setPath] = useQueryParam('path');
  const [sizes] = useState(() => new Map<string, number | undefined>());
  return (
    <div className="artifacts">
      <nav className="artifact-tree card" aria-label="Artifacts">
        <Directory runId={run.info.run_id} dir="" selected={path} onSelect={setPath} sizes={sizes} root />
      </nav>
      <div className="artifact-view card">
        {path ? (
          <ArtifactPreview artifactUri={run.info.artifact_uri} path={path} size={sizes.get(path)} />
        ) : (
          <Empty title="Choose a file to preview it.">
            Text, JSON, CSV/TSV tables and images are shown here.
          </Empty>
        )}
      </div>
    </div>
  );
}

function Directory({
  runId,
  dir,
  selected,
  onSelect,
  sizes,
  root = false,
}: {
  runId: string;
  dir: string;
  selected: string;
  onSelect(path: string): void;
  sizes: Map<string, number | undefined>;
  root?: boolean;
}) {
  const state = useAsync(`artifacts:${runId}:${dir}`, (signal) => listArtifacts(runId, dir, signal));
  if (state.status === 'loading') return <Loading label="Listing…" />;
  if (state.status === 'error')
    return <ErrorBox error={state.error} retry={state.reload} title="Could not list artifacts" />;
  const files = [...state.data.files].sort(
    (a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path),
  );
  if (files.length === 0)
    return root ? <Empty title="No artifacts logged." /> : <p className="muted small indent">Empty.</p>;
  return (
    <ul>
      {files.map((f) => (
        <Entry key={f.path} file={f} runId={runId} selected={selected} onSelect={onSelect} sizes={sizes} />
      ))}
    </ul>
  );
}

function Entry({
  file,
  runId,
  selected,
  onSelect,
  sizes,
}: {
  file: ArtifactFile;
  runId: string;
  selected: string;
  onSelect(path: string): void;
  sizes: Map<string, number | undefined>;
}) {
  const [open, setOpen] = useState(() => selected.startsWith(`${file.path}/`));
  const name = file.path.slice(file.path.lastIndexOf('/') + 1);
  if (!file.is_dir) sizes.set(file.path, file.file_size);
  if (file.is_dir) {
    return (
      <li>
        <button type="button" className="tree-item" aria-expanded={open} onClick={() => setOpen(!open)}>
          <span className="twisty" aria-hidden="true">
            {open ? '▾' : '▸'}
          </span>
          {name}/
        </button>
        {open ? (
          <Directory runId={runId} dir={file.path} selected={selected} onSelect={onSelect} sizes={sizes} />
        ) : null}
      </li>
    );
  }
  return (
    <li>
      <button
        type="button"
        aria-current={selected === file.path ? 'true' : undefined}
        className={`tree-item${selected === file.path ? ' active' : ''}`}
        onClick={() => onSelect(file.path)}
      >
        <span className="twisty" aria-hidden="true" />
        {name}
        <span className="muted small size">{formatBytes(file.file_size)}</span>
      </button>
    </li>
  );
}
