import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.map', '.svg', '.txt']);
/** Vite puts content-hashed files here; they never change under the same name. */
const IMMUTABLE_DIR = '/assets/';
/** The app loads only its own scripts; previews of artifacts are blob: URLs; uPlot sets inline styles. */
const CSP =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
/** Paths that belong to APIs: an unknown one is a JSON 404, never the app's HTML. */
const API_PREFIXES = ['/api/', '/ajax-api/'];

interface StaticFile {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
  html: boolean;
}

/** The built web UI (`dist/ui`), held in memory: a few hundred kilobytes, read once at start. */
export interface StaticUi {
  /** The response for a GET/HEAD that no route matched, or undefined when it is not the UI's to answer. */
  respond(req: Request): Response | undefined;
}

/** `dist/ui` next to the compiled server (`dist/server` → `dist/ui`), or the repository's when run from source. */
export function defaultUiDir(): string | undefined {
  const candidates = [new URL('../ui/', import.meta.url), new URL('../../dist/ui/', import.meta.url)];
  return candidates.map((u) => fileURLToPath(u)).find((dir) => existsSync(join(dir, 'index.html')));
}

export function loadStaticUi(dir: string): StaticUi | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const files = new Map<string, StaticFile>();
  for (const path of walk(dir)) {
    const urlPath = `/${relative(dir, path).split(sep).join('/')}`;
    const ext = extname(path).toLowerCase();
    const body = readFileSync(path);
    files.set(urlPath, {
      body,
      type: CONTENT_TYPES[ext] ?? 'application/octet-stream',
      ...(COMPRESSIBLE.has(ext) && body.length > 1024 ? { gzip: gzipSync(body) } : {}),
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      cacheControl: urlPath.startsWith(IMMUTABLE_DIR) ? 'public, max-age=31536000, immutable' : 'no-cache',
      html: ext === '.html',
    });
  }
  const index = files.get('/index.html')!;
  return {
    respond(req) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
      const path = new URL(req.url).pathname;
      const file = files.get(path);
      if (file) return send(req, file);
      if (API_PREFIXES.some((p) => path.startsWith(p))) return undefined;
      // Client-side routes (/experiments/1/runs/…) get the app; other clients (curl, scripts) a JSON 404.
      const wantsHtml = path === '/' || (req.headers.get('accept') ?? '').includes('text/html');
      return wantsHtml ? send(req, index) : undefined;
    },
  };
}

function send(req: Request, file: StaticFile): Response {
  const headers: Record<string, string> = {
    'content-type': file.type,
    'cache-control': file.cacheControl,
    etag: file.etag,
    'x-content-type-options': 'nosniff',
    vary: 'accept-encoding',
  };
  if (file.html) headers['content-security-policy'] = CSP;
  if (req.headers.get('if-none-match') === file.etag) return new Response(null, { status: 304, headers });
  const gzip = file.gzip && /\bgzip\b/.test(req.headers.get('accept-encoding') ?? '');
  const body = gzip ? file.gzip! : file.body;
  if (gzip) headers['content-encoding'] = 'gzip';
  headers['content-length'] = String(body.length);
  return new Response(req.method === 'HEAD' ? null : new Uint8Array(body), { headers });
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}
