import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { joinStorePath, storePathOf } from '../artifacts/artifact-uri.js';
import { safeArtifactPath } from '../artifacts/safe-path.js';
import { MANIFEST_FILE, type ModelManifest, parseManifest } from '../registry/model-package.js';
import { buildModelSpec, type ModelSpec } from './model-spec.js';
import type { ModelRuntime } from './runtimes/runtime.js';

/** A model version loaded into the runtime, shared by every deployment that routes to it. */
export interface LoadedModel {
  key: string;
  name: string;
  version: string;
  spec: ModelSpec;
  manifest: ModelManifest;
}

export interface VersionRef {
  name: string;
  version: string;
  storageLocation: string;
}

interface Entry {
  refs: number;
  loading: Promise<LoadedModel>;
}

/**
 * Downloads a version's package from the artifact store into a local cache, checks its manifest and signature
 * against the ONNX graph, and loads it into the runtime. Loads are shared and counted: a version used by two
 * routes is loaded once, and unloaded when the last one releases it. A load that fails leaves nothing behind.
 */
export class ModelCache {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly runtime: ModelRuntime,
    private readonly artifacts: ArtifactStore,
    private readonly cacheDir: string,
  ) {}

  acquire(ref: VersionRef): Promise<LoadedModel> {
    const key = `${ref.name}/${ref.version}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      const loading = this.#load(key, ref);
      entry = { refs: 0, loading };
      this.#entries.set(key, entry);
      const created = entry;
      loading.catch(() => {
        if (this.#entries.get(key) === created) this.#entries.delete(key);
      });
    }
    entry.refs++;
    return entry.loading;
  }

  async release(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (!entry || --entry.refs > 0) return;
    this.#entries.delete(key);
    await entry.loading.then(
      () => this.runtime.unload(key),
      () => undefined,
    );
  }

  get loadedKeys(): string[] {
    return [...this.#entries.keys()];
  }

  async #load(key: string, ref: VersionRef): Promise<LoadedModel> {
    const base = storePathOf(ref.storageLocation);
    const manifest = parseManifest(
      await this.#read(joinStorePath(base, MANIFEST_FILE)),
      `${ref.name}/${ref.version} ${MANIFEST_FILE}`,
    );
    const onnx = manifest.flavors.onnx;
    if (!onnx)
      throw new Error(
        `Model ${ref.name}/${ref.version} has no onnx flavor (flavors: ${Object.keys(manifest.flavors).join(', ')}); mloop serves ONNX models.`,
      );
    const dir = join(this.cacheDir, encodeURIComponent(ref.name), ref.version);
    const file = join(dir, 'model.onnx');
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      const object = await this.artifacts.get(safeArtifactPath(joinStorePath(base, onnx.data), 'onnx.data'));
      await pipeline(object.body, createWriteStream(tmp));
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
    }
    const info = await this.runtime.load(key, file);
    try {
      const spec = buildModelSpec(info.inputs, info.outputs, manifest.signature);
      return { key, name: ref.name, version: ref.version, spec, manifest };
    } catch (err) {
      await this.runtime.unload(key);
      throw err;
    }
  }

  async #read(path: string): Promise<string> {
    const { body } = await this.artifacts.get(path);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks).toString('utf8');
  }
}
