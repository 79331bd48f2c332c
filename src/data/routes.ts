import { Readable } from 'node:stream';
import { type Context, Hono } from 'hono';
import { invalid, show } from '../core/errors.js';
import { readJsonObject, requireJsonContentType } from '../server/json-body.js';
import type { TrackingServices } from '../server/tracking-services.js';
import { validateHash } from './dataset-service.js';
import { inferSchema } from './schema/schema.js';
import { validateProfile } from './schema/validate-profile.js';

const VERSION_FIELDS = [
  'hash',
  'kind',
  'size',
  'files',
  'rows',
  'format',
  'schema',
  'profile',
  'sourcePath',
  'userId',
];

/**
 * The native API of datasets (`/api/v1/datasets…`) and of their content (`/api/v1/dataset-content…`). Content is
 * raw bytes (application/octet-stream), checked against its SHA-256 as it streams in; everything else is JSON.
 */
export function dataRoutes(services: () => TrackingServices): Hono {
  const api = new Hono();

  api.get('/datasets', async (c) => c.json({ items: await services().datasets.list() }));
  api.get('/datasets/:name/versions', async (c) =>
    c.json({ items: await services().datasets.versions(c.req.param('name')) }),
  );
  api.post('/datasets/:name/versions', async (c) => {
    const b = await body(c, VERSION_FIELDS);
    const { version, created } = await services().datasets.recordVersion(c.req.param('name'), b);
    return c.json({ ...version, created }, created ? 201 : 200);
  });
  api.get('/datasets/:name/versions/:ref', async (c) => {
    const s = services();
    const version = await s.datasets.get(c.req.param('name'), c.req.param('ref'));
    return c.json({ ...version, runs: await s.datasets.runs(version) });
  });

  // A version's profile against the schema of another version (by default the one before it), as TFDV validates
  // new statistics against the schema: no rows are read.
  api.get('/datasets/:name/versions/:ref/validation', async (c) => {
    const s = services();
    const name = c.req.param('name');
    const version = await s.datasets.get(name, c.req.param('ref'));
    const againstRef = c.req.query('against');
    if (againstRef === undefined && version.version === 1)
      return c.json({
        version: 1,
        against: null,
        rows: version.rows,
        anomalies: [],
        note: 'The first version: there is no earlier schema to validate it against.',
      });
    const against = await s.datasets.get(name, againstRef ?? String(version.version - 1));
    if (!against.profile || !version.profile)
      return c.json({
        version: version.version,
        against: against.version,
        rows: version.rows,
        anomalies: [],
        note: `${name}@${(against.profile ? version : against).version} is not tabular data; it has no profile to validate.`,
      });
    const report = validateProfile(inferSchema(against.profile), version.profile);
    return c.json({ version: version.version, against: against.version, ...report });
  });

  api.post('/dataset-content/missing', async (c) => {
    const b = await body(c, ['hashes']);
    return c.json({ missing: await services().datasets.missingContent(b.hashes ?? []) });
  });
  api.put('/dataset-content/:hash', async (c) => {
    const hash = validateHash(c.req.param('hash'), 'hash');
    // A browser cannot send application/octet-stream cross-origin without a CORS preflight (CVE-2023-43472).
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/octet-stream')
      throw invalid(`Content-Type must be application/octet-stream; got ${show(type || '(none)')}.`);
    const raw = c.req.raw.body;
    const stream = raw
      ? Readable.fromWeb(raw as import('node:stream/web').ReadableStream)
      : Readable.from([]);
    const result = await services().datasets.putContent(hash, stream);
    return c.json(result, result.stored ? 201 : 200);
  });
  api.get('/dataset-content/:hash', async (c) => {
    const { body: content, size } = await services().datasets.getContent(c.req.param('hash'));
    return new Response(Readable.toWeb(content) as ReadableStream, {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    });
  });
  return api;
}

async function body(c: Context, fields: readonly string[]) {
  requireJsonContentType(c);
  const b = await readJsonObject(c);
  const unknown = Object.keys(b).find((k) => !fields.includes(k));
  if (unknown !== undefined)
    throw invalid(`Unknown field ${show(unknown)} in the request body: expected ${fields.join(', ')}.`);
  return b;
}
