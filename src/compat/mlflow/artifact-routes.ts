import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Hono } from 'hono';
import { safeArtifactPath } from '../../artifacts/safe-path.js';
import type { TrackingServices } from '../../server/tracking-services.js';
import { listRunArtifacts } from '../../tracking/run-artifacts.js';
import type { Rpc } from './rpc.js';

const PROXY_PREFIX = '/api/2.0/mlflow-artifacts/artifacts';

/** `artifacts/list` of the tracking API: a run's files relative to its artifact root. */
export const artifactRpcs: Rpc[] = [
  {
    method: 'GET',
    path: '/artifacts/list',
    handle: async (m, s) => {
      const listing = await listRunArtifacts(s.runs, s.artifacts, m.run_id ?? m.run_uuid, m.path);
      return {
        root_uri: listing.rootUri,
        files: listing.files.map((e) => ({
          path: e.path,
          is_dir: e.isDir,
          ...(e.isDir ? {} : { file_size: e.size ?? 0 }),
        })),
      };
    },
  },
];

/** Raw path after a prefix, still percent-encoded, so that the safety check sees what the client sent. */
function rawPathAfter(url: string, prefix: string): string {
  const path = new URL(url).pathname;
  const at = path.indexOf(prefix);
  return path.slice(at + prefix.length).replace(/^\//, '');
}

/** MLflow's artifact proxy (`mlflow-artifacts:` URIs): download, upload, list and delete through the server. */
export function mountArtifactProxy(app: Hono, services: () => TrackingServices): void {
  app.get(PROXY_PREFIX, async (c) => {
    const dir = safeArtifactPath(c.req.query('path') ?? '', 'path', { allowEmpty: true });
    const entries = await services().artifacts.list(dir);
    return c.json({
      files: entries.map((e) => ({
        path: e.path.slice(dir ? dir.length + 1 : 0),
        is_dir: e.isDir,
        ...(e.isDir ? {} : { file_size: e.size ?? 0 }),
      })),
    });
  });
  app.get(`${PROXY_PREFIX}/*`, async (c) => {
    const path = safeArtifactPath(rawPathAfter(c.req.url, PROXY_PREFIX), 'path');
    const object = await services().artifacts.get(path);
    const name = path.slice(path.lastIndexOf('/') + 1);
    return new Response(Readable.toWeb(object.body) as ReadableStream, {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(object.size),
        'content-disposition': `attachment; filename="${name.replace(/["\\]/g, '_')}"`,
        'x-content-type-options': 'nosniff',
      },
    });
  });
  app.put(`${PROXY_PREFIX}/*`, async (c) => {
    const path = safeArtifactPath(rawPathAfter(c.req.url, PROXY_PREFIX), 'path');
    const body = c.req.raw.body;
    const stream = body ? Readable.fromWeb(body as WebReadableStream) : Readable.from([]);
    await services().artifacts.put(path, stream);
    return c.json({});
  });
  app.delete(`${PROXY_PREFIX}/*`, async (c) => {
    const path = safeArtifactPath(rawPathAfter(c.req.url, PROXY_PREFIX), 'path');
    await services().artifacts.delete(path);
    return c.json({});
  });
}
