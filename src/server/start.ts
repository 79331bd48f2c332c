import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { openArtifactStore } from '../artifacts/open-artifact-store.js';
import type { ResolvedConfig } from '../config/config.js';
import { type ControllerOptions, LoopController } from '../loop/controller.js';
import { servingHealth } from '../loop/health.js';
import { monitoringReader } from '../loop/monitoring-reader.js';
import { type MonitoringReader, NO_MONITORING } from '../loop/triggers.js';
import { type MonitoringOptions, monitoringEnv } from '../monitor/monitoring-service.js';
import { createServingManager, type ServingOptions, storeSource } from '../serving/create-serving.js';
import { fanOut } from '../serving/payload-hook.js';
import { openStore } from '../store/open-store.js';
import { createApp } from './app.js';
import { createServices, type Services } from './services.js';
import { defaultUiDir, loadStaticUi } from './static-ui.js';

export interface RunningServer {
  url: string;
  services: Services;
  close(): Promise<void>;
}

/** Opens the stores (running migrations), ensures the Default experiment and listens. */
export async function startServer(
  config: ResolvedConfig,
  serving: Pick<ServingOptions, 'hook' | 'log' | 'workers' | 'pollMs' | 'retryFailedMs'> = {},
  /** Live monitoring of the deployments served here; false turns it off (env MLOOP_MONITORING=off). */
  monitoring: MonitoringOptions | false = monitoringEnv(),
  loop: LoopOptions = {},
): Promise<RunningServer> {
  const store = await openStore(config.store);
  const artifacts = openArtifactStore(config.artifacts);
  const services = createServices(store, artifacts, monitoring ? { monitoring } : {});
  const ingest = monitoring ? services.monitoring.ingest : undefined;
  const hook = fanOut([ingest, serving.hook]);
  await services.experiments.ensureDefault();
  const { manager, metrics } = createServingManager(
    storeSource(services.deployments),
    services.registry,
    artifacts,
    {
      cacheDir: join(config.home, 'model-cache'),
      ...servingEnv(),
      ...serving,
      ...(hook ? { hook } : {}),
    },
  );
  services.serving = manager;
  services.servingMetrics = metrics;
  if (monitoring) {
    metrics.collect(() => services.monitoring.ingest.renderMetrics());
    services.monitoring.start();
  }
  const uiDir = defaultUiDir();
  const ui = uiDir ? loadStaticUi(uiDir) : undefined;
  const app = createApp(services, {
    ...(ui ? { ui } : {}),
    security: {
      auth: config.auth,
      allowedHosts: config.allowedHosts === '*' ? '*' : [...config.allowedHosts],
      corsOrigins: [...config.corsOrigins],
      ...(config.rateLimit ? { rateLimit: config.rateLimit } : {}),
    },
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolveListen, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolveListen(s));
    s.once('error', reject);
  });
  // Clients such as the mlflow client keep connections alive; a generous keep-alive avoids reconnect storms.
  (server as unknown as { keepAliveTimeout: number }).keepAliveTimeout = 65_000;
  // Deployments load in the background; /v2/health/ready says when they are all answering.
  void manager.start();
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  const env = loopEnv();
  const controller = env.enabled
    ? new LoopController({
        services,
        loops: services.loops,
        // Commands reach the server over loopback when it listens on every interface.
        serverUrl: WILDCARD.has(config.host) ? `http://127.0.0.1:${port}` : url,
        logDir: join(config.home, 'loop-logs'),
        health: servingHealth(metrics),
        monitoring:
          loop.monitoring ??
          (monitoring
            ? monitoringReader(services.monitoring, Date.now, monitoring.evaluator?.graceMs)
            : NO_MONITORING),
        tickMs: loop.tickMs ?? env.tickMs ?? 2000,
        ...(loop.log ? { log: loop.log } : {}),
      })
    : undefined;
  if (controller) {
    services.loopController = controller;
    controller.start();
  }
  return {
    url,
    services,
    close: async () => {
      await controller?.close();
      await new Promise<void>((done) => server.close(() => done()));
      await manager.close();
      await services.monitoring.close();
      await store.close();
    },
  };
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

export interface LoopOptions {
  tickMs?: number;
  /** Where the controller's structured log lines go (default: JSON lines on the console). */
  log?: ControllerOptions['log'];
  /** Monitoring's read side for the drift and performance triggers (default: this server's live monitoring). */
  monitoring?: MonitoringReader;
}

/** The loop controller's knobs: MLOOP_LOOP=off leaves it out (e.g. on extra replicas), MLOOP_LOOP_TICK_MS. */
export function loopEnv(env: NodeJS.ProcessEnv = process.env): { enabled: boolean; tickMs?: number } {
  const tick = env.MLOOP_LOOP_TICK_MS;
  return {
    enabled: env.MLOOP_LOOP !== 'off',
    ...(tick && /^\d+$/.test(tick) && Number(tick) > 0 ? { tickMs: Number(tick) } : {}),
  };
}

/** Serving knobs from the environment: MLOOP_SERVING_WORKERS, MLOOP_SERVING_POLL_MS. */
export function servingEnv(env: NodeJS.ProcessEnv = process.env): { workers?: number; pollMs?: number } {
  const int = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  const workers = int(env.MLOOP_SERVING_WORKERS);
  const pollMs = int(env.MLOOP_SERVING_POLL_MS);
  return { ...(workers ? { workers } : {}), ...(pollMs ? { pollMs } : {}) };
}
