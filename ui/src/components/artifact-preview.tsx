import { useEffect, useState } from 'react';
import { artifactUrl } from '../api/client';
import { ApiError } from '../api/http';
import { parseCsv } from '../lib/csv';
import { formatBytes } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { AsyncView } from './status';

const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  svg: 'image/svg+xml',
};
const TEXT_LIMIT = 5 * 1024 * 1024;
const IMAGE_LIMIT = 20 * 1024 * 1024;

type Preview =
  | { kind: 'image'; url: string }
  | { kind: 'json'; text: string }
  | { kind: 'table'; rows: string[][]; truncated: boolean }
  | { kind: 'text'; text: string }
  | { kind: 'binary' }
  | { kind: 'too-large' };

const extension = (path: string) => {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
};

async function loadPreview(
  url: string,
  path: string,
  size: number | undefined,
  signal: AbortSignal,
): Promise<Preview> {
  const ext = extension(path);
  const image = IMAGE_TYPES[ext];
  if ((size ?? 0) > (image ? IMAGE_LIMIT : TEXT_LIMIT)) return { kind: 'too-large' };
  const res = await fetch(url, { signal });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error_code?: string; message?: string };
    throw new ApiError(res.status, body.error_code ?? `HTTP_${res.status}`, body.message ?? res.statusText);
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  // The proxy sends every file as application/octet-stream; the type comes from the name, shown from a blob.
  if (image) return { kind: 'image', url: URL.createObjectURL(new Blob([bytes], { type: image })) };
  if (bytes.subarray(0, 8192).includes(0)) return { kind: 'binary' };
  const text = new TextDecoder().decode(bytes);
  if (ext === 'json') {
    try {
      return { kind: 'json', text: JSON.stringify(JSON.parse(text), null, 2) };
    } catch {
      return { kind: 'text', text };
    }
  }
  if (ext === 'csv' || ext === 'tsv') return { kind: 'table', ...parseCsv(text, ext === 'tsv' ? '\t' : ',') };
  return { kind: 'text', text };
}

/** A file of a run: images, JSON (formatted), CSV/TSV (as a table) and text shown inline; anything else linked. */
export function ArtifactPreview({
  artifactUri,
  path,
  size,
}: {
  artifactUri: string;
  path: string;
  size?: number;
}) {
  const url = artifactUrl(artifactUri, path);
  const state = useAsync(`preview:${url}`, (signal) => loadPreview(url, path, size, signal));
  const [objectUrl, setObjectUrl] = useState<string>();
  const data = state.status === 'ok' ? state.data : undefined;
  useEffect(() => {
    if (data?.kind !== 'image') return;
    setObjectUrl(data.url);
    return () => URL.revokeObjectURL(data.url);
  }, [data]);
  const name = path.slice(path.lastIndexOf('/') + 1);
  return (
    <div className="preview" data-preview={path}>
      <header className="preview-head">
        <strong className="mono">{path}</strong>
        <span className="muted small">{formatBytes(size)}</span>
        <a className="button" href={url} download={name}>
          Download
        </a>
      </header>
      <AsyncView state={state} label={`Loading ${name}…`}>
        {(p) => {
          switch (p.kind) {
            case 'image':
              return objectUrl ? <img className="preview-image" src={objectUrl} alt={path} /> : null;
            case 'json':
            case 'text':
              return <pre className={`preview-text${p.kind === 'json' ? ' json' : ''}`}>{p.text}</pre>;
            case 'table':
              return <CsvTable rows={p.rows} truncated={p.truncated} />;
            case 'too-large':
              return <p className="muted">This file is too large to preview here; download it instead.</p>;
            default:
              return <p className="muted">No preview for this type of file.</p>;
          }
        }}
      </AsyncView>
    </div>
  );
}

function CsvTable({ rows, truncated }: { rows: string[][]; truncated: boolean }) {
  const [head, ...body] = rows;
  if (!head) return <p className="muted">Empty file.</p>;
  return (
    <div className="preview-table">
      <table className="grid-table" aria-label="Table preview">
        <thead>
          <tr>
            {head.map((h, i) => (
              <th key={i}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {body.map((r, i) => (
            <tr key={i}>
              {r.map((v, j) => (
                <td key={j}>{v}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        {body.length.toLocaleString('en-US')} rows shown
        {truncated ? ' (the first 1,000; download for the rest)' : ''}.
      </p>
    </div>
  );
}
