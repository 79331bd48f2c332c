import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { DeploymentService } from './deployment-service.js';
import type { DeploymentSpec } from './deployment-types.js';
import { type ServingLogger, stderrLogger } from './log.js';
import { ServingMetrics } from './metrics.js';
import { ModelCache } from './model-loader.js';
import { parseModelUri } from './model-uri.js';
import type { PayloadHook } from './payload-hook.js';
import { OnnxWorkerPool } from './runtimes/onnx/onnx-pool.js';
import type { ModelRuntime } from './runtimes/runtime.js';
import { type DeploymentSource, ServingManager, type VersionResolver } from './serving-manager.js';

export interface ServingOptions {
  /** Inference worker threads (default: cores − 1, at least 1). */
  workers?: number;
  /** Where downloaded model files are kept (default: a directory under the OS temp dir). */
  cacheDir?: string;
  /** Registry and deployment poll interval in ms (default 1000). */
  pollMs?: number;
  retryFailedMs?: number;
  hook?: PayloadHook;
  log?: ServingLogger;
  /** Largest request body on /v2 and /invocations, in bytes (default 16 MiB). */
  maxBodyBytes?: number;
  /** Batches per worker in flight at once (default 2; env MLOOP_SERVING_INFLIGHT). */
  inFlightPerWorker?: number;
  /** A runtime to use instead of the onnxruntime worker pool. */
  runtime?: ModelRuntime;
}

export const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

export function registryResolver(registry: RegistryService): VersionResolver {
  return async (uri) => {
    const { name, ref } = parseModelUri(uri);
    const v = await registry.resolveVersion(name, ref);
    return { name: v.name, version: v.version, storageLocation: v.storageLocation };
  };
}

/** Deployments from the metadata store (the server). */
export function storeSource(deployments: DeploymentService): DeploymentSource {
  return {
    revisions: () => deployments.revisions(),
    spec: async (name) => {
      const d = await deployments.get(name);
      return {
        routes: d.routes,
        shadows: d.shadows,
        batching: d.batching,
        ...(d.stickyHeader ? { stickyHeader: d.stickyHeader } : {}),
      };
    },
  };
}

/** One fixed deployment (`mloop serve --model models:/…`): aliases in it are still followed. */
export function staticSource(name: string, spec: DeploymentSpec): DeploymentSource {
  return { revisions: async () => new Map([[name, 1]]), spec: async () => spec };
}

export function createServingManager(
  source: DeploymentSource,
  registry: RegistryService,
  artifacts: ArtifactStore,
  opts: ServingOptions = {},
): { manager: ServingManager; metrics: ServingMetrics } {
  const runtime =
    opts.runtime ?? new OnnxWorkerPool(opts.workers === undefined ? {} : { workers: opts.workers });
  const metrics = new ServingMetrics();
  const cache = new ModelCache(runtime, artifacts, opts.cacheDir ?? join(tmpdir(), 'mloop-model-cache'));
  const manager = new ServingManager({
    source,
    resolve: registryResolver(registry),
    runtime,
    cache,
    metrics,
    log: opts.log ?? stderrLogger,
    ...(opts.hook ? { hook: opts.hook } : {}),
    ...(opts.pollMs === undefined ? {} : { pollMs: opts.pollMs }),
    ...(opts.retryFailedMs === undefined ? {} : { retryFailedMs: opts.retryFailedMs }),
    inFlightPerWorker: opts.inFlightPerWorker ?? (Number(process.env.MLOOP_SERVING_INFLIGHT) || 2),
  });
  return { manager, metrics };
}
