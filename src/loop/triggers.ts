import type { DatasetService } from '../data/dataset-service.js';
import { lastFireBetween, parseCron } from './cron.js';
import type { LoopTrigger } from './policy.js';
import type { StoredPolicy } from './types.js';

/** Why a run starts: which trigger, and what it saw. */
export interface TriggerFiring {
  kind: LoopTrigger['kind'];
  evidence: unknown;
  /** For new_data: the dataset version the run will train on. */
  dataVersion?: number;
}

/** What a trigger needs to know besides the policy: the watermark of the model's previous run. */
export interface TriggerContext {
  now: number;
  /** Only evidence newer than this counts: the newest run's start, or when the policy was applied. */
  sinceMs: number;
  /** The dataset version the newest run trained on (or the one current when the policy was applied). */
  dataVersion?: number;
}

/** The controller polls each source on its tick; a source answers for the triggers of its kinds. */
export interface TriggerSource {
  evaluate(
    policy: StoredPolicy,
    trigger: LoopTrigger,
    ctx: TriggerContext,
  ): Promise<TriggerFiring | undefined>;
}

/**
 * The monitoring branch's read side, per deployment and since a time. `undefined` means no data (yet). The server is
 * wired with `NO_MONITORING` until monitoring lands; that is the seam the integration fills.
 */
export interface MonitoringReader {
  /** From the newest window with a drift result and at least `minRows` rows. */
  driftShare(
    deployment: string,
    sinceMs: number,
    minRows: number,
  ): Promise<{ share: number; evidence: unknown } | undefined>;
  featureDrift(
    deployment: string,
    column: string,
    sinceMs: number,
    minRows: number,
  ): Promise<{ statistic: number; drifted: boolean; evidence: unknown } | undefined>;
  performance(
    deployment: string,
    metric: string,
    sinceMs: number,
  ): Promise<{ value: number; labels: number; evidence: unknown } | undefined>;
}

export const NO_MONITORING: MonitoringReader = {
  driftShare: async () => undefined,
  featureDrift: async () => undefined,
  performance: async () => undefined,
};

/** Cron schedules (UTC): fires when a scheduled minute passed since the previous run started. */
export const scheduleTrigger: TriggerSource = {
  async evaluate(_policy, trigger, ctx) {
    if (trigger.kind !== 'schedule') return undefined;
    const at = lastFireBetween(parseCron(trigger.cron), ctx.sinceMs, ctx.now);
    return at === undefined
      ? undefined
      : { kind: 'schedule', evidence: { cron: trigger.cron, scheduledAt: new Date(at).toISOString() } };
  },
};

/** A newer version of the dataset than the one the previous run trained on. */
export function newDataTrigger(datasets: DatasetService): TriggerSource {
  return {
    async evaluate(_policy, trigger, ctx) {
      if (trigger.kind !== 'new_data') return undefined;
      const latest = await datasets.get(trigger.dataset, 'latest').catch(() => undefined);
      if (!latest || (ctx.dataVersion !== undefined && latest.version <= ctx.dataVersion)) return undefined;
      return {
        kind: 'new_data',
        dataVersion: latest.version,
        evidence: {
          dataset: trigger.dataset,
          version: latest.version,
          hash: latest.hash,
          previousVersion: ctx.dataVersion ?? null,
          rows: latest.rows ?? null,
        },
      };
    },
  };
}

/** Dataset drift share, one feature's drift, and live performance below a bound, read through monitoring. */
export function monitoringTrigger(reader: MonitoringReader): TriggerSource {
  return {
    async evaluate(policy, trigger, ctx) {
      const deployment = policy.policy.deployment;
      if (!deployment) return undefined;
      if (trigger.kind === 'drift') {
        const r = await reader.driftShare(deployment, ctx.sinceMs, trigger.minRows);
        if (!r || r.share < trigger.share) return undefined;
        return {
          kind: 'drift',
          evidence: {
            deployment,
            share: r.share,
            threshold: trigger.share,
            minRows: trigger.minRows,
            report: r.evidence,
          },
        };
      }
      if (trigger.kind === 'feature_drift') {
        const r = await reader.featureDrift(deployment, trigger.column, ctx.sinceMs, trigger.minRows);
        if (!r?.drifted) return undefined;
        return {
          kind: 'feature_drift',
          evidence: {
            deployment,
            column: trigger.column,
            statistic: r.statistic,
            minRows: trigger.minRows,
            report: r.evidence,
          },
        };
      }
      if (trigger.kind === 'performance') {
        const r = await reader.performance(deployment, trigger.metric, ctx.sinceMs);
        if (!r || r.labels < trigger.minLabels || r.value >= trigger.below) return undefined;
        return {
          kind: 'performance',
          evidence: {
            deployment,
            metric: trigger.metric,
            value: r.value,
            below: trigger.below,
            labels: r.labels,
            minLabels: trigger.minLabels,
            report: r.evidence,
          },
        };
      }
      return undefined;
    },
  };
}
