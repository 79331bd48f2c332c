import type { LoopEvent, LoopRun } from '../loop/types.js';
import type { MloopClient } from '../sdk/client.js';
import { fixed, type Narrator } from './narrator.js';
import { MODEL } from './policy.js';
import { type LoopRunSummary, pickNumbers } from './summary.js';

export const TERMINAL = new Set(['succeeded', 'failed', 'rejected', 'rolled_back']);

/** Prints loop events as they appear, once each. */
export class EventFeed {
  #seen = new Set<string>();
  constructor(
    private readonly client: MloopClient,
    private readonly say: Narrator,
  ) {}

  async print(): Promise<void> {
    const { items } = await this.client.loopEvents(MODEL);
    for (const e of items) {
      const key = `${e.runId}:${e.seq}`;
      if (this.#seen.has(key)) continue;
      this.#seen.add(key);
      const good = ![
        'gate_rejected',
        'rollback_decided',
        'training_failed',
        'gate_failed',
        'step_error',
      ].includes(e.kind);
      this.say.outcome(`loop ${e.kind.replaceAll('_', ' ')}: ${e.message}`, good);
      const evidence = triggerEvidence(e);
      if (evidence) this.say.say(`   evidence: ${evidence}`);
      const gate = gateOf(e);
      const auc = (side: string) => fixed(gate?.numbers?.[side]?.roc_auc);
      if (gate?.numbers)
        this.say.say(
          `   gate on the freshest labeled week: challenger ROC AUC ${auc('challenger')}, champion ${auc('champion')}${gate.reasons?.length ? ` — ${gate.reasons.join(' ')}` : ''}`,
        );
    }
  }

  async activeRun(): Promise<LoopRun | undefined> {
    const { items } = await this.client.listLoopRuns(MODEL);
    return items.find((r) => !TERMINAL.has(r.state));
  }
}

/**
 * What a drift or performance trigger fired on, in words: the window may be older than the month just narrated (a
 * cooldown can hold a trigger back until it ends).
 */
function triggerEvidence(e: LoopEvent): string | undefined {
  if (e.kind !== 'triggered') return undefined;
  const ev = (e.evidence as { evidence?: Record<string, unknown> } | undefined)?.evidence;
  const report = ev?.report as
    | { window?: { end: string; modelVersion: string; rows: number }; method?: string; statistic?: number }
    | undefined;
  const w = report?.window;
  if (!w) return undefined;
  const when = new Date(w.end).toISOString().slice(11, 19);
  const what = report.method
    ? `${String(ev?.column)} ${report.method} ${fixed(report.statistic)}`
    : `drift share ${fixed(ev?.share as number | undefined)}`;
  return `${what} in the v${w.modelVersion} window that ended at ${when} UTC (${w.rows.toLocaleString('en-US')} rows)`;
}

interface GateNumbers {
  blessed?: boolean;
  reasons?: string[];
  numbers?: Record<string, Record<string, number> | null>;
}

/** The gate's decision in an event's evidence: `mloop evaluate`'s blessing, or the run-metrics decision itself. */
function gateOf(e: LoopEvent | undefined): GateNumbers | undefined {
  if (!e || !['gate_passed', 'canary_started', 'gate_rejected', 'gate_failed'].includes(e.kind))
    return undefined;
  const evidence = (e.kind === 'canary_started' ? (e.evidence as { gate?: unknown })?.gate : e.evidence) as
    | (GateNumbers & { report?: { blessing?: GateNumbers } })
    | undefined;
  return evidence?.report?.blessing ?? evidence;
}

export function runSummary(run: LoopRun, events: LoopEvent[]): LoopRunSummary {
  const gate = events.map(gateOf).find((g) => g !== undefined);
  const bake = events.find((e) => ['bake_passed', 'rollback_decided'].includes(e.kind))?.evidence as
    | Record<string, unknown>
    | undefined;
  return {
    id: run.id,
    trigger: run.trigger.kind,
    state: run.state,
    ...(run.championVersion ? { champion: run.championVersion } : {}),
    ...(run.challengerVersion ? { challenger: run.challengerVersion } : {}),
    ...(run.dataVersion ? { dataVersion: run.dataVersion } : {}),
    gate: gate
      ? {
          blessed: gate.blessed ?? false,
          numbers: Object.fromEntries(
            Object.entries(gate.numbers ?? {}).filter(([, v]) => v !== null),
          ) as Record<string, Record<string, number>>,
        }
      : null,
    canary: bake ? pickNumbers(bake, ['requests', 'errors', 'errorRate', 'p99Ms', 'elapsedMs']) : null,
    ...(run.reason ? { reason: run.reason } : {}),
    events: events.map((e) => e.kind),
  };
}
