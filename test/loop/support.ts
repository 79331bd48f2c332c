import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { resolveConfig } from '../../src/config/config.js';
import { packageFiles, type Signature } from '../../src/registry/model-package.js';
import type { LoopOptions } from '../../src/server/start.js';
import { type RunningServer, startServer } from '../../src/server/start.js';

const exec = promisify(execFile);
export const REGISTER_SCRIPT = resolve(import.meta.dirname, 'fixtures/register-version.mjs');

/** The real server (HTTP, serving, loop controller) in this process, fast ticks and polls for tests. */
export function startLoopServer(
  home: string,
  store?: string,
  loop: LoopOptions = {},
): Promise<RunningServer> {
  const config = resolveConfig({ home, port: 0, ...(store ? { store } : {}) }, {});
  return startServer(config, { pollMs: 100, workers: 1, log: () => undefined }, undefined, {
    tickMs: 100,
    ...loop,
  });
}

/** Writes a model package (MLmodel + model.onnx) to a fresh directory, for the training script to upload. */
export function writePackage(onnx: Uint8Array, signature: Signature): string {
  const dir = mkdtempSync(join(tmpdir(), 'mloop-pkg-'));
  mkdirSync(dir, { recursive: true });
  for (const [path, bytes] of packageFiles({ onnxModel: onnx, signature }))
    writeFileSync(join(dir, path), bytes);
  return dir;
}

/** The training command of a policy: registers the package as a new version, logging the metrics on its run. */
export const trainCommand = (model: string, pkg: string, metrics: string[], env = ''): string =>
  `${env ? `${env} ` : ''}"${process.execPath}" "${REGISTER_SCRIPT}" ${model} "${pkg}" ${metrics.join(' ')}`;

/** Registers a version the way the loop's training would (for the champion). */
export async function registerVersion(url: string, model: string, pkg: string, metrics: string[]) {
  await exec(process.execPath, [REGISTER_SCRIPT, model, pkg, ...metrics], {
    env: { ...process.env, MLOOP_TRACKING_URI: url },
  });
}

export function api(url: string) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    const v = await probe().catch((err) => {
      last = err;
      return undefined;
    });
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

/** Waits for a loop run to reach one of the states; returns the run and its events. */
export async function waitForRun(url: string, id: string, states: string[], ms = 60_000) {
  const call = api(url);
  let seen: unknown;
  try {
    return await until(
      `loop run ${id} to reach ${states.join('/')}`,
      async () => {
        const { body } = await call('GET', `/loop-runs/${id}`);
        seen = body;
        return states.includes(body.run.state) ? (body as { run: any; events: any[] }) : undefined;
      },
      ms,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(seen)}`);
  }
}

/** Waits until a deployment answers (its version loaded). */
export async function ready(url: string, deployment: string): Promise<void> {
  await until(`${deployment} to be ready`, async () =>
    (await fetch(`${url}/v2/models/${deployment}/ready`)).status === 200 ? true : undefined,
  );
}

/** Sends inference requests (4 features) to a deployment until stopped; counts the answers by status. */
export function traffic(url: string, deployment: string) {
  let running = true;
  const statuses: Record<number, number> = {};
  const loop = (async () => {
    while (running) {
      const res = await fetch(`${url}/v2/models/${deployment}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [{ name: 'X', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }],
        }),
      }).catch(() => undefined);
      if (res) {
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        await res.arrayBuffer();
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    statuses,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
