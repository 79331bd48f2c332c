import { randomBytes } from 'node:crypto';
import { type CompiledQuery, sql } from 'kysely';
import type { Store } from '../store/open-store.js';
import { breachedRules, type Firing, type WindowEvidence } from './alert-rules.js';
import type { AlertKind, MonitorConfig } from './config.js';
import type { MonitorConfigStore } from './config-store.js';
import { type ReportDeps, type WindowReport, windowReports } from './report.js';
import { type DeliveryOptions, type DeliveryResult, deliver } from './webhooks.js';

export interface Alert {
  id: string;
  deployment: string;
  rule: string;
  kind: AlertKind;
  windowStart: number;
  windowEnd: number;
  value: number | null;
  bound: number | null;
  message: string;
  deliveries: DeliveryResult[];
  createdAt: number;
}

/** How long after its end a window counts as closed, by default: replicas flush late rows until then. */
export const CLOSE_GRACE_MS = 5_000;

export interface EvaluatorOptions {
  /** How long after a window ends before it counts as closed: replicas flush late rows until then (default 5 s). */
  graceMs?: number;
  /** Closed windows older than this are not evaluated any more (default 1 day). */
  lookbackMs?: number;
  webhooks?: DeliveryOptions;
  log?: (event: string, fields: Record<string, unknown>) => void;
}

const LABEL_KINDS: ReadonlySet<AlertKind> = new Set(['performance', 'bias']);

/**
 * Evaluates closed windows once across all replicas: inserting the window's row into monitor_evaluations is the
 * claim, so only one process evaluates it. Rules that break raise alerts, de-duplicated per rule by the cool-down,
 * stored, and delivered to the webhooks. Ground truth that arrives later re-evaluates the performance and bias rules
 * of its windows. Expired predictions are purged here too.
 */
export class MonitorEvaluator {
  readonly id = randomBytes(6).toString('hex');
  readonly #log: NonNullable<EvaluatorOptions['log']>;
  #running: Promise<void> | undefined;

  constructor(
    private readonly deps: ReportDeps & {
      configs: MonitorConfigStore;
      /** Runs the purge's DELETE (the ingest's worker, off the serving thread); on the store by default. */
      write?: (query: CompiledQuery) => Promise<unknown>;
    },
    private readonly opts: EvaluatorOptions = {},
  ) {
    this.#log = opts.log ?? ((event, fields) => console.error(`mloop monitor: ${event}`, fields));
  }

  get store(): Store {
    return this.deps.store;
  }

  /** One pass: evaluate every closed, unclaimed window, then purge expired predictions. Passes never overlap. */
  tick(now = Date.now()): Promise<void> {
    this.#running ??= this.#tick(now).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #tick(now: number): Promise<void> {
    const grace = this.opts.graceMs ?? CLOSE_GRACE_MS;
    const windows = await this.store.db
      .selectFrom('monitor_windows as w')
      .select(['w.deployment', 'w.window_start', 'w.window_ms'])
      .distinct()
      .where('w.window_start', '>=', now - (this.opts.lookbackMs ?? 86_400_000))
      .where(sql<boolean>`w.window_start + w.window_ms + ${grace} <= ${now}`)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('monitor_evaluations as e')
              .select('e.deployment')
              .whereRef('e.deployment', '=', 'w.deployment')
              .whereRef('e.window_start', '=', 'w.window_start'),
          ),
        ),
      )
      .orderBy('w.window_start')
      .execute();
    for (const w of windows) {
      const start = Number(w.window_start);
      const claimed = await this.store.db
        .insertInto('monitor_evaluations')
        .values({
          deployment: w.deployment,
          window_start: start,
          window_ms: Number(w.window_ms),
          evaluator: this.id,
          result: null,
          evaluated_at: now,
        })
        .onConflict((oc) => oc.columns(['deployment', 'window_start']).doNothing())
        .executeTakeFirst();
      if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) continue;
      try {
        const summary = await this.evaluate(w.deployment, start, start + Number(w.window_ms), now);
        await this.store.db
          .updateTable('monitor_evaluations')
          .set({ result: JSON.stringify(summary) })
          .where('deployment', '=', w.deployment)
          .where('window_start', '=', start)
          .execute();
      } catch (err) {
        this.#log('evaluation_failed', {
          deployment: w.deployment,
          windowStart: start,
          error: (err as Error).message,
        });
      }
    }
    await this.#purge(now);
  }

  /** Evaluates one window's rules (all, or only those of `kinds`) and raises what breaks. */
  async evaluate(
    deployment: string,
    start: number,
    end: number,
    now = Date.now(),
    kinds?: ReadonlySet<AlertKind>,
  ): Promise<{ versions: WindowReport[]; alerts: string[] }> {
    const config = await this.deps.configs.get(deployment);
    const reports = await windowReports(this.deps, deployment, config, { from: start, to: start + 1 });
    const alerts: string[] = [];
    const rules = kinds ? config.alerts.filter((r) => kinds.has(r.kind)) : config.alerts;
    for (const report of reports) {
      if (report.shadow || rules.length === 0) continue;
      for (const firing of breachedRules(rules, evidenceOf(report, config.minLabeledRows))) {
        const alert = await this.#raise(deployment, config, firing, start, end, report.modelVersion, now);
        if (alert) alerts.push(alert.id);
      }
    }
    return { versions: reports, alerts };
  }

  /** After ground truth arrived: the performance and bias rules of the windows it touched, once they are closed. */
  async labelsArrived(
    windows: readonly { deployment: string; windowStart: number }[],
    now = Date.now(),
  ): Promise<void> {
    for (const w of windows) {
      const config = await this.deps.configs.get(w.deployment);
      const end = w.windowStart + config.windowMs;
      if (end > now) continue;
      await this.evaluate(w.deployment, w.windowStart, end, now, LABEL_KINDS).catch((err: Error) =>
        this.#log('evaluation_failed', {
          deployment: w.deployment,
          windowStart: w.windowStart,
          error: err.message,
        }),
      );
    }
  }

  async #raise(
    deployment: string,
    config: MonitorConfig,
    firing: Firing,
    start: number,
    end: number,
    version: string,
    now: number,
  ): Promise<Alert | undefined> {
    const last = await this.store.db
      .selectFrom('monitor_alerts')
      .select(['created_at', 'window_start'])
      .where('deployment', '=', deployment)
      .where('rule', '=', firing.rule.name)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    // Cool-down: one alert per rule per period; the same window never alerts twice for one rule.
    if (last && (now - Number(last.created_at) < config.cooldownMs || Number(last.window_start) === start))
      return;
    const alert: Alert = {
      id: randomBytes(16).toString('hex'),
      deployment,
      rule: firing.rule.name,
      kind: firing.rule.kind,
      windowStart: start,
      windowEnd: end,
      value: firing.value,
      bound: Number.isFinite(firing.bound) ? firing.bound : null,
      message: `${deployment} (version ${version}), window ${new Date(start).toISOString()}: ${firing.message}`,
      deliveries: [],
      createdAt: now,
    };
    await this.store.db
      .insertInto('monitor_alerts')
      .values({
        id: alert.id,
        deployment,
        rule: alert.rule,
        kind: alert.kind,
        window_start: start,
        window_end: end,
        value: firing.value,
        bound: Number.isFinite(firing.bound) ? firing.bound : null,
        message: alert.message,
        deliveries: '[]',
        created_at: now,
      })
      .execute();
    if (config.webhooks.length > 0) {
      const { deliveries: _, ...data } = alert;
      alert.deliveries = await Promise.all(
        config.webhooks.map((hook) =>
          deliver(hook, { entity: 'monitor_alert', action: 'triggered', data }, this.opts.webhooks),
        ),
      );
      await this.store.db
        .updateTable('monitor_alerts')
        .set({ deliveries: JSON.stringify(alert.deliveries) })
        .where('id', '=', alert.id)
        .execute();
    }
    return alert;
  }

  /**
   * Deletes the predictions past their deployment's retention. It runs every tick on the replica that serves
   * requests, so both statements must cost little when nothing expired, however many predictions are kept: the
   * deployments come from a skip scan of the (deployment, window_start) index, one index probe per deployment (a
   * plain DISTINCT read the whole index, 7–13 ms at 100,000 predictions), and the DELETE is bounded by window_start
   * as well (every row with timestamp < cutoff has window_start ≤ timestamp), so it walks only the expired part of
   * that index instead of all of the deployment's rows (20 ms at 100,000).
   */
  async #purge(now: number): Promise<void> {
    const { rows } = await sql<{ deployment: string }>`
      with recursive d(deployment) as (
        select min(deployment) from monitor_predictions
        union all
        select (select min(p.deployment) from monitor_predictions p where p.deployment > d.deployment)
        from d where d.deployment is not null
      )
      select deployment from d where deployment is not null`.execute(this.store.db);
    const write = this.deps.write ?? ((q: CompiledQuery) => this.store.db.executeQuery(q));
    for (const { deployment } of rows) {
      const config = await this.deps.configs.get(deployment);
      const cutoff = now - config.retentionMs;
      await write(
        this.store.db
          .deleteFrom('monitor_predictions')
          .where('deployment', '=', deployment)
          .where('window_start', '<', cutoff)
          .where('timestamp', '<', cutoff)
          .compile(),
      );
    }
  }
}

/** What a window's rules look at; realized performance and bias only once `minLabeledRows` labels arrived. */
export function evidenceOf(r: WindowReport, minLabeledRows = 1): WindowEvidence {
  const e: WindowEvidence = { errorRate: r.errorRate };
  if (r.latencyMs) e.latencyP99 = r.latencyMs.p99;
  if (r.drift) {
    e.driftShare = r.drift.share;
    e.columns = Object.fromEntries(
      Object.entries(r.drift.columns).map(([k, v]) => [k, { score: v.score, drifted: v.drifted }]),
    );
  }
  const labeled = (r.performance?.labeledRows ?? 0) >= minLabeledRows;
  if (r.performance?.metrics && labeled) e.performance = r.performance.metrics;
  if (r.performance?.estimated) e.estimated = r.performance.estimated;
  if (r.performance?.bias && labeled) {
    const { column: _c, groups: _g, ...values } = r.performance.bias;
    e.bias = values;
  }
  return e;
}

export async function listAlerts(
  store: Store,
  filter: {
    deployment?: string;
    /** Raised in [from, to). */
    from?: number;
    to?: number;
    /** About windows that start in [windowFrom, windowTo). */
    windowFrom?: number;
    windowTo?: number;
    limit?: number;
  },
): Promise<Alert[]> {
  let q = store.db.selectFrom('monitor_alerts').selectAll();
  if (filter.windowFrom !== undefined) q = q.where('window_start', '>=', filter.windowFrom);
  if (filter.windowTo !== undefined) q = q.where('window_start', '<', filter.windowTo);
  if (filter.deployment) q = q.where('deployment', '=', filter.deployment);
  if (filter.from !== undefined) q = q.where('created_at', '>=', filter.from);
  if (filter.to !== undefined) q = q.where('created_at', '<', filter.to);
  const rows = await q
    .orderBy('created_at', 'desc')
    .limit(filter.limit ?? 100)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    deployment: r.deployment,
    rule: r.rule,
    kind: r.kind as AlertKind,
    windowStart: Number(r.window_start),
    windowEnd: Number(r.window_end),
    value: Number.isFinite(Number(r.value)) ? Number(r.value) : null,
    bound: r.bound === null ? null : Number(r.bound),
    message: r.message,
    deliveries: JSON.parse(r.deliveries) as DeliveryResult[],
    createdAt: Number(r.created_at),
  }));
}
