import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type ServerProcess, startServerProcess } from '../../test/support/server-process.js';

export type { ServerProcess };

/** `npm run build` when a file under src/ is newer than dist/, so the server under test runs the current code. */
export function ensureBuilt(log: (line: string) => void): void {
  const builtAt = mtime(join(REPO_ROOT, 'dist/cli/main.js'));
  if (builtAt !== undefined && newest(join(REPO_ROOT, 'src')) <= builtAt) return;
  log('building dist/ (src/ is newer than the last build) …');
  execFileSync(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
}

/** A real `mloop server` child process (bin/mloop.js → dist/) on 127.0.0.1, on the given store. */
export function startMloop(storeUri: string): Promise<ServerProcess> {
  return startServerProcess({ args: ['--store', storeUri] });
}

/**
 * POSTs a JSON body (already serialized) to an MLflow endpoint and returns the parsed answer; anything but 200
 * throws, so a benchmark can never count a rejected request. Node's fetch (undici) keeps connections alive.
 */
export async function post<T = unknown>(url: string, body: string): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST ${url} → ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}
