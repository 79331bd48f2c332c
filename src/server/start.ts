import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { openArtifactStore } from '../artifacts/open-artifact-store.js';
import type { ResolvedConfig } from '../config/config.js';
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
export async function startServer(config: ResolvedConfig): Promise<RunningServer> {
  const store = await openStore(config.store);
  const artifacts = openArtifactStore(config.artifacts);
  const services = createServices(store, artifacts);
  await services.experiments.ensureDefault();
  const uiDir = defaultUiDir();
  const ui = uiDir ? loadStaticUi(uiDir) : undefined;
  const app = createApp(services, ui ? { ui } : {});
  const server = await new Promise<ReturnType<typeof serve>>((resolveListen, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolveListen(s));
    s.once('error', reject);
  });
  // Clients such as the mlflow client keep connections alive; a generous keep-alive avoids reconnect storms.
  (server as unknown as { keepAliveTimeout: number }).keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    services,
    close: async () => {
      await new Promise<void>((done) => server.close(() => done()));
      await store.close();
    },
  };
}
