import { uuidv7 } from '../core/ids.js';
import type { Tensor } from './datatypes.js';
import type { DeploymentSpec, DeploymentStatus, RouteStatus } from './deployment-types.js';
import { failureReason, ServingError } from './errors.js';
import type { ServingLogger } from './log.js';
import type { ServingMetrics } from './metrics.js';
import { ModelInstance } from './model-instance.js';
import type { LoadedModel, ModelCache, VersionRef } from './model-loader.js';
import type { ModelSpec, TensorMeta } from './model-spec.js';
import {
  type ModelMeta,
  NOOP_PAYLOAD_HOOK,
  type PayloadHook,
  type PredictionRecord,
} from './payload-hook.js';
import { mirrors, pickRoute, stickyPoint } from './router.js';
import type { ModelRuntime } from './runtimes/runtime.js';

/** Where the deployments to serve come from: the metadata store, or one fixed spec for `mloop serve`. */
export interface DeploymentSource {
  revisions(): Promise<Map<string, number>>;
  spec(name: string): Promise<DeploymentSpec>;
}

/** `models:/…` → the version it names right now (aliases move). */
export type VersionResolver = (modelUri: string) => Promise<VersionRef>;

interface Slot {
  model: string;
  weight: number;
  shadow: boolean;
  instance?: ModelInstance;
  failure?: { version?: string; message: string };
}

interface Active {
  name: string;
  revision: number;
  spec: DeploymentSpec;
  /** What answers requests now; replaced whole, only by a table whose loads succeeded. */
  table: Slot[];
  /** Set while the table does not match the spec (a load failed or is pending). */
  pending: boolean;
}

export interface InferenceResult {
  predictionId: string;
  deployment: string;
  modelVersion: string;
  outputs: Tensor[];
}

export interface InferOptions {
  deployment: string;
  version?: string;
  /** Reads a request header (for sticky routing). */
  header?: (name: string) => string | undefined;
  /** Output names to return; all by default. */
  outputs?: string[];
  /** When the request arrived (performance.now()), for the latency metrics. */
  startedAt?: number;
}

export interface ServingManagerOptions {
  source: DeploymentSource;
  resolve: VersionResolver;
  runtime: ModelRuntime;
  cache: ModelCache;
  metrics: ServingMetrics;
  log: ServingLogger;
  hook?: PayloadHook;
  /** How often the source and the registry are polled for route changes and alias moves (default 1000 ms). */
  pollMs?: number;
  /** How long a version that failed to load is left alone before the next try (default 30 s). */
  retryFailedMs?: number;
  /**
   * Batches per worker a version may have in the runtime at once (default 2): one running, one waiting in the
   * worker's inbox, so a worker never idles while the main thread is busy or not scheduled.
   */
  inFlightPerWorker?: number;
}

/**
 * Serves deployments: keeps, for each, a table of routes to loaded model versions, and follows the source and the
 * registry. A new table (new routes, a moved alias) is built beside the old one and swapped in only once every
 * version in it loaded, so requests never wait for a load and a failed load never replaces a working version.
 * Requests already queued on a replaced version finish there; the version is unloaded when its queue is empty.
 */
export class ServingManager {
  readonly #active = new Map<string, Active>();
  readonly #failed = new Map<string, { message: string; at: number }>();
  readonly #hook: PayloadHook;
  #records: PredictionRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  #closed = false;

  constructor(private readonly opts: ServingManagerOptions) {
    this.#hook = opts.hook ?? NOOP_PAYLOAD_HOOK;
  }

  /** Loads what the source names and starts polling it. */
  async start(): Promise<void> {
    await this.sync();
    const poll = () => {
      this.#timer = setTimeout(() => {
        this.sync().finally(() => {
          if (!this.#closed) poll();
        });
      }, this.opts.pollMs ?? 1000);
      this.#timer.unref();
    };
    poll();
  }

  get started(): boolean {
    return this.#timer !== undefined;
  }

  /** One pass over the source and the registry that starts after this call; concurrent callers share passes. */
  sync(): Promise<void> {
    if (!this.#syncing) {
      this.#syncing = this.#syncAll().finally(() => {
        this.#syncing = undefined;
      });
      return this.#syncing;
    }
    this.#next ??= this.#syncing.then(() => {
      this.#next = undefined;
      return this.sync();
    });
    return this.#next;
  }

  async #syncAll(): Promise<void> {
    let revisions: Map<string, number>;
    try {
      revisions = await this.opts.source.revisions();
    } catch (err) {
      this.opts.log('error', 'deployments_unreadable', { error: (err as Error).message });
      return;
    }
    for (const [name, active] of this.#active) {
      if (!revisions.has(name)) {
        this.#active.delete(name);
        this.#retire(active.table);
        this.opts.log('info', 'deployment_removed', { deployment: name });
      }
    }
    await Promise.all(
      [...revisions].map(async ([name, revision]) => {
        try {
          await this.#syncOne(name, revision);
        } catch (err) {
          this.opts.log('error', 'deployment_sync_failed', {
            deployment: name,
            error: (err as Error).message,
          });
        }
      }),
    );
  }

  async #syncOne(name: string, revision: number): Promise<void> {
    let active = this.#active.get(name);
    if (!active || active.revision !== revision) {
      const spec = await this.opts.source.spec(name);
      if (!active) {
        active = { name, revision, spec, table: [], pending: true };
        this.#active.set(name, active);
      } else {
        active.revision = revision;
        active.spec = spec;
        active.pending = true;
      }
      this.opts.log('info', 'deployment_routes', {
        deployment: name,
        revision,
        routes: spec.routes,
        shadows: spec.shadows,
      });
    }
    const spec = active.spec;
    const wanted: Slot[] = [
      ...spec.routes.map((r) => ({ model: r.model, weight: r.weight, shadow: false })),
      ...spec.shadows.map((s) => ({ model: s.model, weight: s.percent, shadow: true })),
    ];
    const created: ModelInstance[] = [];
    let complete = true;
    let changed = wanted.length !== active.table.length;
    await Promise.all(
      wanted.map(async (slot, i) => {
        const old = active.table.find((s) => s.model === slot.model && s.shadow === slot.shadow);
        if (!old || old.weight !== slot.weight || active.table.indexOf(old) !== i) changed = true;
        let ref: VersionRef;
        try {
          ref = await this.opts.resolve(slot.model);
        } catch (err) {
          slot.failure = { message: (err as Error).message };
          if (old?.instance) slot.instance = old.instance;
          else complete = false;
          return;
        }
        if (old?.instance && old.instance.version === ref.version) {
          slot.instance = old.instance;
          return;
        }
        const key = `${ref.name}/${ref.version}`;
        const failed = this.#failed.get(key);
        if (failed && Date.now() - failed.at < (this.opts.retryFailedMs ?? 30_000)) {
          slot.failure = { version: ref.version, message: failed.message };
          if (old?.instance) slot.instance = old.instance;
          else complete = false;
          return;
        }
        const started = performance.now();
        try {
          const loaded = await this.opts.cache.acquire(ref);
          const instance = new ModelInstance(
            name,
            loaded,
            this.opts.runtime,
            spec.batching,
            this.opts.metrics,
            this.opts.runtime.concurrency * (this.opts.inFlightPerWorker ?? 2),
          );
          created.push(instance);
          slot.instance = instance;
          changed = true;
          this.#failed.delete(key);
          this.opts.metrics.load(name, ref.version, true);
          this.opts.log('info', 'model_loaded', {
            deployment: name,
            model: slot.model,
            version: ref.version,
            ms: Math.round(performance.now() - started),
          });
        } catch (err) {
          const message = (err as Error).message;
          this.#failed.set(key, { message, at: Date.now() });
          this.opts.metrics.load(name, ref.version, false);
          this.opts.log('error', 'model_load_failed', {
            deployment: name,
            model: slot.model,
            version: ref.version,
            error: message,
            kept: old?.instance?.version,
          });
          slot.failure = { version: ref.version, message };
          if (old?.instance) slot.instance = old.instance;
          else complete = false;
        }
      }),
    );
    if (this.#closed || this.#active.get(name) !== active) {
      this.#retire(created.map((instance) => ({ model: '', weight: 0, shadow: false, instance })));
      return;
    }
    const servesNow = active.table.some((s) => !s.shadow && s.instance);
    const primaryMissing = wanted.some((s) => !s.shadow && !s.instance);
    if (!complete && servesNow && primaryMissing) {
      // Keep answering with the working table; report the failure on the routes.
      for (const s of active.table) {
        const w = wanted.find((x) => x.model === s.model && x.shadow === s.shadow);
        if (w?.failure) s.failure = w.failure;
        else delete s.failure;
      }
      active.pending = true;
      this.#retire(created.map((instance) => ({ model: '', weight: 0, shadow: false, instance })));
      return;
    }
    active.pending = !complete;
    if (!changed && wanted.every((w, i) => w.instance === active.table[i]?.instance)) {
      active.table.forEach((s, i) => {
        if (wanted[i]?.failure) s.failure = wanted[i].failure;
        else delete s.failure;
      });
      return;
    }
    const previous = active.table;
    active.table = wanted;
    for (const s of wanted) if (s.instance) this.opts.metrics.ready(name, s.instance.version, true);
    const kept = new Set(wanted.map((s) => s.instance));
    const retired = previous.filter((s) => s.instance && !kept.has(s.instance));
    if (retired.length)
      this.opts.log('info', 'routes_swapped', {
        deployment: name,
        now: wanted.map((s) => ({ model: s.model, version: s.instance?.version, shadow: s.shadow })),
        retired: retired.map((s) => s.instance!.version),
      });
    this.#retire(retired);
  }

  /** Unloads replaced versions once their queues are empty. */
  #retire(slots: Slot[]): void {
    for (const s of slots) {
      const instance = s.instance;
      if (!instance) continue;
      void instance.batcher.idle().then(async () => {
        const stillUsed = [...this.#active.values()].some((a) =>
          a.table.some((x) => x.instance === instance),
        );
        if (stillUsed) return;
        this.opts.metrics.ready(instance.deployment, instance.version, false);
        await this.opts.cache.release(instance.model.key);
      });
    }
  }

  // ── requests ────────────────────────────────────────────────────────────────────────────────────────────

  has(deployment: string): boolean {
    return this.#active.has(deployment);
  }

  names(): string[] {
    return [...this.#active.keys()];
  }

  /** Ready when every deployment has at least one route that answers (Triton's strict readiness). */
  ready(): boolean {
    for (const a of this.#active.values()) if (!a.table.some((s) => !s.shadow && s.instance)) return false;
    return true;
  }

  modelReady(deployment: string, version?: string): boolean {
    const a = this.#active.get(deployment);
    if (!a) throw notFound(deployment);
    return a.table.some(
      (s) => !s.shadow && s.instance && (version === undefined || s.instance.version === version),
    );
  }

  /** The instance that answers a metadata request: the named version, else the heaviest route's. */
  metadata(
    deployment: string,
    version?: string,
  ): {
    name: string;
    versions: string[];
    version: string;
    inputs: TensorMeta[];
    outputs: TensorMeta[];
    spec: ModelSpec;
  } {
    const a = this.#active.get(deployment);
    if (!a) throw notFound(deployment);
    const primary = a.table.filter((s) => !s.shadow && s.instance);
    const versions = [...new Set(primary.map((s) => s.instance!.version))];
    const instance =
      version === undefined
        ? primary.slice().sort((x, y) => y.weight - x.weight)[0]?.instance
        : this.#versionInstance(a, version);
    if (!instance) throw notReady(deployment);
    const spec = instance.model.spec;
    return {
      name: deployment,
      versions,
      version: instance.version,
      inputs: spec.inputs,
      outputs: spec.outputs,
      spec,
    };
  }

  status(deployment: string): DeploymentStatus {
    const a = this.#active.get(deployment);
    if (!a) return { state: 'not_served', routes: [] };
    const routes: RouteStatus[] = a.table.map((s) => ({
      model: s.model,
      shadow: s.shadow,
      ...(s.instance ? { version: s.instance.version } : {}),
      state: s.failure ? 'failed' : s.instance ? 'ready' : 'loading',
      ...(s.failure ? { message: `version ${s.failure.version ?? '?'}: ${s.failure.message}` } : {}),
    }));
    if (a.table.length === 0)
      for (const r of a.spec.routes) routes.push({ model: r.model, shadow: false, state: 'loading' });
    const primary = a.table.filter((s) => !s.shadow);
    const state = !primary.some((s) => s.instance)
      ? routes.some((r) => r.state === 'failed')
        ? 'failed'
        : 'loading'
      : a.pending || routes.some((r) => r.state !== 'ready')
        ? 'degraded'
        : 'ready';
    return { state, routes };
  }

  #versionInstance(a: Active, version: string): ModelInstance {
    const slot = a.table.find((s) => !s.shadow && s.instance?.version === version);
    if (!slot) {
      const served = a.table.filter((s) => !s.shadow && s.instance).map((s) => s.instance!.version);
      throw new ServingError(
        'MODEL_NOT_FOUND',
        `Model '${a.name}' has no version ${JSON.stringify(version)}; it serves version(s) ${served.join(', ') || 'none yet'}.`,
      );
    }
    return slot.instance!;
  }

  /**
   * Routes one request, builds its tensors for the chosen version (`build` validates against that version's
   * spec), runs it, mirrors it to shadow routes, and hands the result to the payload hook.
   */
  async infer(
    opts: InferOptions,
    build: (spec: ModelSpec, model: string) => Tensor[],
  ): Promise<InferenceResult> {
    const startedAt = opts.startedAt ?? performance.now();
    const a = this.#active.get(opts.deployment);
    if (!a) {
      this.opts.metrics.failure(opts.deployment, 'OTHER');
      throw notFound(opts.deployment);
    }
    let instance: ModelInstance | undefined;
    try {
      if (opts.version !== undefined) instance = this.#versionInstance(a, opts.version);
      else {
        const primary = a.table.filter((s) => !s.shadow && s.instance);
        const key = a.spec.stickyHeader ? opts.header?.(a.spec.stickyHeader) : undefined;
        const i = pickRoute(primary, key ? stickyPoint(key) : Math.random());
        instance = primary[i]?.instance;
      }
      if (!instance) throw notReady(opts.deployment);
    } catch (err) {
      this.opts.metrics.failure(opts.deployment, failureReason(err));
      throw err;
    }
    const metrics = instance.metrics;
    let inputs: Tensor[];
    try {
      inputs = build(instance.model.spec, opts.deployment);
      if (opts.outputs) checkOutputs(instance.model.spec, opts.outputs);
    } catch (err) {
      metrics.failure(failureReason(err));
      this.#reportFailure(opts.deployment, instance);
      throw err;
    }
    const shadows = opts.version === undefined ? a.table.filter((s) => s.shadow && s.instance) : [];
    metrics.pending(1);
    let outputs: Tensor[];
    try {
      outputs = await instance.infer(inputs);
    } catch (err) {
      metrics.failure(failureReason(err));
      this.#reportFailure(opts.deployment, instance);
      throw err;
    } finally {
      metrics.pending(-1);
    }
    const latencyMs = performance.now() - startedAt;
    metrics.success(latencyMs);
    const predictionId = uuidv7();
    const selected = opts.outputs ? outputs.filter((o) => opts.outputs!.includes(o.name)) : outputs;
    const record = this.#hook !== NOOP_PAYLOAD_HOOK;
    if (record) this.#record(opts.deployment, instance, predictionId, false, latencyMs, inputs, outputs);
    for (const s of shadows) {
      if (!mirrors(s.weight, Math.random())) continue;
      this.#shadow(opts.deployment, s.instance!, predictionId, inputs);
    }
    return { predictionId, deployment: opts.deployment, modelVersion: instance.version, outputs: selected };
  }

  #reportFailure(deployment: string, instance: ModelInstance): void {
    const hook = this.#hook;
    if (!hook.onFailure) return;
    try {
      hook.onFailure(deployment, instance.model.name, instance.version, Date.now());
    } catch (err) {
      this.opts.log('error', 'payload_hook_failed', { error: (err as Error).message });
    }
  }

  #shadow(deployment: string, instance: ModelInstance, predictionId: string, inputs: Tensor[]): void {
    const started = performance.now();
    instance.metrics.pending(1);
    instance.infer(inputs).then(
      (outputs) => {
        instance.metrics.pending(-1);
        const ms = performance.now() - started;
        instance.metrics.success(ms);
        this.#record(deployment, instance, predictionId, true, ms, inputs, outputs);
      },
      (err: unknown) => {
        instance.metrics.pending(-1);
        instance.metrics.failure(failureReason(err));
        this.opts.log('warn', 'shadow_failed', {
          deployment,
          version: instance.version,
          predictionId,
          error: (err as Error).message,
        });
      },
    );
  }

  #record(
    deployment: string,
    instance: ModelInstance,
    predictionId: string,
    shadow: boolean,
    latencyMs: number,
    inputs: Tensor[],
    outputs: Tensor[],
  ): void {
    this.#records.push({
      predictionId,
      deployment,
      model: instance.model.name,
      modelVersion: instance.version,
      shadow,
      timestamp: Date.now(),
      latencyMs,
      inputs,
      outputs,
      meta: modelMeta(instance.model),
    });
    // The hook runs after the answers of this turn are on their way: one immediate for all of them, not one each.
    if (this.#records.length === 1) setImmediate(() => this.#deliver());
  }

  #deliver(): void {
    const records = this.#records;
    this.#records = [];
    const hook = this.#hook;
    for (const record of records) {
      try {
        hook.onPrediction(record);
      } catch (err) {
        this.opts.log('error', 'payload_hook_failed', { error: (err as Error).message });
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#syncing?.catch(() => undefined);
    this.#active.clear();
    await this.opts.runtime.close();
  }
}

const META = new WeakMap<LoadedModel, ModelMeta>();

/** The package's column names, task and classes, read once per loaded version. */
function modelMeta(model: LoadedModel): ModelMeta {
  let meta = META.get(model);
  if (!meta) {
    meta = {};
    if (model.spec.columns) meta.columns = model.spec.columns.map((c) => c.name);
    const m = model.manifest.mloop;
    if (m?.task === 'regression' || m?.task === 'classification') meta.task = m.task;
    if (Array.isArray(m?.classes)) meta.classes = m.classes as (string | number)[];
    META.set(model, meta);
  }
  return meta;
}

const notFound = (name: string) =>
  new ServingError('MODEL_NOT_FOUND', `Unknown model '${name}': no deployment of that name is served here.`);
const notReady = (name: string) =>
  new ServingError('MODEL_NOT_READY', `Model '${name}' is not ready yet: no version of it has loaded.`);

function checkOutputs(spec: ModelSpec, names: string[]): void {
  for (const n of names)
    if (!spec.outputs.some((o) => o.name === n))
      throw new ServingError(
        'INVALID_INPUT',
        `Unknown output ${JSON.stringify(n)}; the model's outputs are ${spec.outputs.map((o) => `'${o.name}'`).join(', ')}.`,
      );
}
