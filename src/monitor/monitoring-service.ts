import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { notFound, show } from '../core/errors.js';
import type { DatasetService } from '../data/dataset-service.js';
import type { RegistryService } from '../registry/registry-service.js';
import { validateDeploymentName } from '../serving/deployment-service.js';
import type { Store } from '../store/open-store.js';
import type { RunService } from '../tracking/run-service.js';
import { type MonitorConfig, type PublicMonitorConfig, publicConfig } from './config.js';
import { MonitorConfigStore } from './config-store.js';
import { type Alert, type EvaluatorOptions, listAlerts, MonitorEvaluator } from './evaluator.js';
import { type FeedbackResult, parseFeedback, recordFeedback } from './feedback.js';
import { type IngestOptions, MonitorIngest } from './ingest.js';
import { ReferenceCache } from './reference.js';
import { type WindowReport, windowReports } from './report.js';
import { type DriftFn, profileDrift } from './window-drift.js';
import type { WindowRange } from './windows.js';

export interface MonitoringDeps {
  store: Store;
  artifacts: ArtifactStore;
  registry: RegistryService;
  runs: RunService;
  datasets: DatasetService;
}

export interface MonitoringOptions {
  ingest?: IngestOptions;
  evaluator?: EvaluatorOptions;
  /** How often closed windows are looked for (default 5 s). */
  evaluateMs?: number;
  /** Drift of a window against its reference (default: `profileDrift`, the drift API over both profiles). */
  drift?: DriftFn;
}

export interface MonitorReport {
  deployment: string;
  from: number;
  to: number;
  config: PublicMonitorConfig;
  windows: WindowReport[];
  alerts: Alert[];
}

/**
 * Live monitoring of deployments: the ingest path that serving feeds (`ingest`, the PayloadHook), the evaluator of
 * closed windows, and the queries the API and the CLI answer from. Timers run only after `start()`, so a process
 * that only reads (a `--home` CLI) opens no background work.
 */
export class MonitoringService {
  readonly configs: MonitorConfigStore;
  readonly ingest: MonitorIngest;
  readonly evaluator: MonitorEvaluator;
  readonly references: ReferenceCache;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly deps: MonitoringDeps,
    private opts: MonitoringOptions = {},
  ) {
    this.opts = { drift: profileDrift, ...opts };
    this.configs = new MonitorConfigStore(deps.store);
    this.references = new ReferenceCache(deps);
    this.ingest = new MonitorIngest(deps.store, deps.artifacts, this.configs, opts.ingest);
    this.evaluator = new MonitorEvaluator(
      {
        store: deps.store,
        configs: this.configs,
        references: this.references,
        write: (query) => this.ingest.execute(query),
        ...(this.opts.drift ? { drift: this.opts.drift } : {}),
      },
      opts.evaluator,
    );
  }

  /** Starts flushing the ingest path and, when `evaluate`, looking for closed windows. */
  start(opts: { evaluate?: boolean } = {}): void {
    this.ingest.start();
    if (opts.evaluate === false) return;
    const tick = () => {
      this.#timer = setTimeout(() => {
        void this.evaluator.tick().finally(() => {
          if (!this.#closed) tick();
        });
      }, this.opts.evaluateMs ?? 5_000);
      this.#timer.unref();
    };
    tick();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.ingest.close();
  }

  async config(deployment: unknown): Promise<PublicMonitorConfig> {
    const name = validateDeploymentName(deployment, 'deployment');
    return publicConfig(await this.configs.get(name));
  }

  async updateConfig(deployment: unknown, input: unknown): Promise<PublicMonitorConfig> {
    const name = validateDeploymentName(deployment, 'deployment');
    const next = await this.configs.update(name, input, (c) => this.#checkReference(c));
    return publicConfig(next);
  }

  async resetConfig(deployment: unknown): Promise<void> {
    await this.configs.reset(validateDeploymentName(deployment, 'deployment'));
  }

  async #checkReference(config: MonitorConfig): Promise<void> {
    if (!config.referenceDataset) return;
    const at = config.referenceDataset.lastIndexOf('@');
    const v = await this.deps.datasets.get(
      config.referenceDataset.slice(0, at),
      config.referenceDataset.slice(at + 1),
    );
    if (!v.profile)
      throw notFound(
        `Dataset version ${show(config.referenceDataset)} has no profile, so it cannot be a reference; record a tabular version.`,
      );
  }

  async windows(
    deployment: unknown,
    range: WindowRange,
    opts: { profiles?: boolean } = {},
  ): Promise<WindowReport[]> {
    const name = validateDeploymentName(deployment, 'deployment');
    const config = await this.configs.get(name);
    return windowReports(
      {
        store: this.deps.store,
        references: this.references,
        ...(this.opts.drift ? { drift: this.opts.drift } : {}),
      },
      name,
      config,
      range,
      opts,
    );
  }

  async report(deployment: unknown, range: WindowRange): Promise<MonitorReport> {
    const name = validateDeploymentName(deployment, 'deployment');
    const [config, windows, alerts] = await Promise.all([
      this.config(name),
      this.windows(name, range),
      listAlerts(this.deps.store, {
        deployment: name,
        windowFrom: range.from,
        windowTo: range.to,
        limit: 1000,
      }),
    ]);
    return { deployment: name, from: range.from, to: range.to, config, windows, alerts };
  }

  /** Records ground truth; the touched windows' performance and bias rules are evaluated after the answer. */
  async feedback(body: Record<string, unknown>): Promise<FeedbackResult> {
    const result = await recordFeedback(this.deps.store, this.configs, parseFeedback(body));
    void this.evaluator.labelsArrived(result.windows);
    return result;
  }

  alerts(filter: { deployment?: string; from?: number; to?: number; limit?: number }): Promise<Alert[]> {
    return listAlerts(this.deps.store, filter);
  }
}

/**
 * Monitoring settings from the environment: MLOOP_MONITORING=off turns it off; MLOOP_WEBHOOK_ALLOWED_HOSTS
 * (comma-separated host names or addresses) lets webhooks reach those private or loopback hosts;
 * MLOOP_MONITOR_FLUSH_MS, MLOOP_MONITOR_WINDOW_WRITE_MS and MLOOP_MONITOR_QUEUE_SIZE tune the ingest path.
 */
export function monitoringEnv(env: NodeJS.ProcessEnv = process.env): MonitoringOptions | false {
  if (/^(off|false|0)$/i.test(env.MLOOP_MONITORING ?? '')) return false;
  const int = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  const allowed = (env.MLOOP_WEBHOOK_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const flushMs = int(env.MLOOP_MONITOR_FLUSH_MS);
  const queueSize = int(env.MLOOP_MONITOR_QUEUE_SIZE);
  const windowWriteMs = int(env.MLOOP_MONITOR_WINDOW_WRITE_MS);
  return {
    ingest: {
      ...(flushMs ? { flushMs } : {}),
      ...(queueSize ? { queueSize } : {}),
      ...(windowWriteMs ? { windowWriteMs } : {}),
    },
    evaluator: { webhooks: { allowedHosts: allowed } },
  };
}
