import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { openArtifactStore } from '../artifacts/open-artifact-store.js';
import { PermissionService } from '../auth/permission-service.js';
import { UserService } from '../auth/user-service.js';
import type { ResolvedConfig } from '../config/config.js';
import { DatasetService } from '../data/dataset-service.js';
import { type MonitoringOptions, MonitoringService, monitoringEnv } from '../monitor/monitoring-service.js';
import { RegistryService } from '../registry/registry-service.js';
import { browserProtections } from '../server/security.js';
import { openStore } from '../store/open-store.js';
import { ExperimentService } from '../tracking/experiment-service.js';
import { LoggedModelService } from '../tracking/logged-model-service.js';
import { RunService } from '../tracking/run-service.js';
import { type BatchingOptions, DEFAULT_BATCHING } from './batching.js';
import {
  createServingManager,
  DEFAULT_MAX_BODY,
  type ServingOptions,
  staticSource,
} from './create-serving.js';
import { validateBatching } from './deployment-service.js';
import { parseModelUri } from './model-uri.js';
import { fanOut } from './payload-hook.js';
import { type ReplicaAccessOptions, replicaAccess } from './replica-access.js';
import { replicaListener } from './replica-listener.js';
import type { ServingManager } from './serving-manager.js';
import { createServingApp } from './standalone-app.js';

export interface ReplicaOptions extends Pick<ServingOptions, 'workers' | 'hook' | 'log' | 'runtime'> {
  model: string;
  name?: string;
  stickyHeader?: string;
  batching?: Partial<BatchingOptions>;
  pollMs?: number;
  /** Live monitoring of this replica's predictions into the shared store; false turns it off. */
  monitoring?: MonitoringOptions | false;
}

export interface RunningReplica {
  url: string;
  name: string;
  manager: ServingManager;
  monitoring?: MonitoringService;
  close(): Promise<void>;
}

/**
 * `mloop serve`: one model from the registry, served under one name by its own HTTP app. It reads the same store
 * and artifact store as the server, and follows the model's alias without a restart.
 */
export async function startReplica(config: ResolvedConfig, opts: ReplicaOptions): Promise<RunningReplica> {
  const { name: modelName } = parseModelUri(opts.model, '--model');
  const name = opts.name ?? modelName;
  const store = await openStore(config.store);
  try {
    const artifacts = openArtifactStore(config.artifacts);
    const experiments = new ExperimentService(store);
    const runs = new RunService(store, experiments);
    const registry = new RegistryService(store, runs, new LoggedModelService(store, experiments));
    const spec = {
      routes: [{ model: opts.model, weight: 100 }],
      shadows: [],
      batching: { ...DEFAULT_BATCHING, ...validateBatching(opts.batching ?? {}) },
      ...(opts.stickyHeader ? { stickyHeader: opts.stickyHeader.toLowerCase() } : {}),
    };
    await registry.resolveVersion(modelName, parseModelUri(opts.model).ref);
    const monitoringOptions = opts.monitoring ?? monitoringEnv();
    const monitoring = monitoringOptions
      ? new MonitoringService(
          { store, artifacts, registry, runs, datasets: new DatasetService(store, artifacts) },
          monitoringOptions,
        )
      : undefined;
    const hook = fanOut([monitoring?.ingest, opts.hook]);
    const { manager, metrics } = createServingManager(staticSource(name, spec), registry, artifacts, {
      cacheDir: join(config.home, 'model-cache'),
      ...(opts.pollMs === undefined ? {} : { pollMs: opts.pollMs }),
      ...(opts.workers === undefined ? {} : { workers: opts.workers }),
      ...(hook ? { hook } : {}),
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.runtime ? { runtime: opts.runtime } : {}),
    });
    if (monitoring) {
      metrics.collect(() => monitoring.ingest.renderMetrics());
      monitoring.start();
    }
    await manager.start();
    const security = {
      auth: config.auth,
      allowedHosts: config.allowedHosts === '*' ? ('*' as const) : [...config.allowedHosts],
      corsOrigins: [...config.corsOrigins],
    };
    const access: ReplicaAccessOptions | undefined = config.auth
      ? { users: new UserService(store), permissions: new PermissionService(store), model: modelName }
      : undefined;
    const app = createServingApp(manager, metrics, name, {
      maxBodyBytes: DEFAULT_MAX_BODY,
      middleware: [browserProtections(security), ...(access ? [replicaAccess(access)] : [])],
    });
    const server = createServer(
      replicaListener({
        app,
        serving: manager,
        deployment: name,
        maxBodyBytes: DEFAULT_MAX_BODY,
        security,
        ...(access ? { access } : {}),
      }),
    );
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolveListen());
    });
    server.keepAliveTimeout = 65_000;
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return {
      url: `http://${host}:${port}`,
      name,
      manager,
      ...(monitoring ? { monitoring } : {}),
      close: async () => {
        await new Promise<void>((done) => server.close(() => done()));
        await manager.close();
        await monitoring?.close();
        await store.close();
        await artifacts.close?.();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
