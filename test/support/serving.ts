import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageFiles, type Signature } from '../../src/registry/model-package.js';
import type { Services } from '../../src/server/services.js';
import { REPO_ROOT } from './server-process.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'mloop-onnx-'));
const built = new Map<string, Promise<Uint8Array>>();

/** Builds an ONNX test model with Python `onnx` (test/python/make_onnx_model.py); cached per arguments. */
export function buildOnnx(
  python: string,
  kind: string,
  args: Record<string, number> = {},
): Promise<Uint8Array> {
  const flags = Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const key = [kind, ...flags].join(' ');
  let model = built.get(key);
  if (!model) {
    const out = join(dir, `${built.size}-${kind}.onnx`);
    model = exec(python, [join(REPO_ROOT, 'test/python/make_onnx_model.py'), kind, out, ...flags]).then(
      () => new Uint8Array(readFileSync(out)),
    );
    built.set(key, model);
  }
  return model;
}

export const featureColumns = (n: number): Signature => ({
  inputs: Array.from({ length: n }, (_, i) => ({ type: 'float' as const, name: `f${i}` })),
  outputs: [{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 1] } }],
});

/** Logs a run with the package under `model/` and registers it as a new version of `name`. */
export async function registerOnnx(
  services: Services,
  name: string,
  onnxModel: Uint8Array,
  signature?: Signature,
  extraFiles: Record<string, string> = {},
): Promise<string> {
  const run = await services.runs.create({});
  const base = run.info.artifactUri.slice('mlflow-artifacts:/'.length);
  const files = packageFiles({ onnxModel, signature: signature ?? { inputs: [] }, runId: run.info.runId });
  if (!signature) {
    const text = new TextDecoder()
      .decode(files.get('MLmodel'))
      .replace(/signature:[\s\S]*?params: null\n/, '');
    files.set('MLmodel', new TextEncoder().encode(text));
  }
  for (const [path, text] of Object.entries(extraFiles)) files.set(path, new TextEncoder().encode(text));
  for (const [path, bytes] of files) await services.artifacts.put(`${base}/model/${path}`, bytes);
  await services.registry.createModel({ name }).catch(() => undefined);
  const v = await services.registry.createVersion({ name, source: `runs:/${run.info.runId}/model` });
  return v.version;
}

export async function json(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function waitFor(check: () => Promise<boolean> | boolean, ms = 30_000, what = 'condition') {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
