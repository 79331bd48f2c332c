import type { Kysely, Transaction } from 'kysely';
import { invalid, MloopError, notFound, show } from '../core/errors.js';
import { newRunId } from '../core/ids.js';
import type { DatasetService } from '../data/dataset-service.js';
import type { RegistryService } from '../registry/registry-service.js';
import { validateModelName } from '../registry/validation.js';
import type { Store } from '../store/open-store.js';
import { isUniqueViolation } from '../tracking/experiment-service.js';
import { type LoopPolicy, parsePolicy, type TriggerKind } from './policy.js';
import {
  type ActiveState,
  isTerminal,
  type LoopEvent,
  type LoopRun,
  type RunState,
  type StoredPolicy,
} from './types.js';

type LoopTables = {
  loop_policies: {
    model: string;
    source: string;
    spec: string;
    revision: number;
    data_version: number | null;
    actor: string;
    creation_timestamp: number;
    last_updated_timestamp: number;
  };
  loop_runs: {
    id: string;
    model: string;
    slot: string | null;
    state: string;
    trigger_kind: string;
    trigger_evidence: string;
    policy: string;
    data_version: number | null;
    champion_version: string | null;
    challenger_version: string | null;
    routes_before: string | null;
    canary: string | null;
    step_started_at: number | null;
    reason: string | null;
    actor: string;
    creation_timestamp: number;
    last_updated_timestamp: number;
    finished_timestamp: number | null;
  };
  loop_events: {
    run_id: string;
    seq: number;
    model: string;
    kind: string;
    state: string;
    message: string;
    evidence: string | null;
    actor: string;
    timestamp: number;
  };
};
type Db = Kysely<LoopTables>;
type RunRow = LoopTables['loop_runs'];

export interface EventInput {
  kind: string;
  message: string;
  evidence?: unknown;
  actor?: string;
}

/** Changes a transition may make to a run besides its state. */
export interface RunPatch {
  dataVersion?: number;
  championVersion?: string | null;
  challengerVersion?: string | null;
  routesBefore?: unknown;
  canary?: unknown;
  stepStartedAt?: number | null;
  reason?: string;
}

const CONTROLLER = 'mloop-loop';

/**
 * Loop policies, runs and events in the metadata store. At most one active and one queued run per model is a unique
 * index (`slot`), so two servers or two triggers can never start a second run; every state change is a conditional
 * update (`where state = from`) written in one transaction with its event, so a change and its record never part.
 */
export class LoopService {
  readonly #db: Db;
  constructor(
    private readonly store: Store,
    private readonly registry: RegistryService,
    private readonly datasets: DatasetService,
  ) {
    this.#db = store.db.withTables<LoopTables>() as unknown as Db;
  }

  // ── policies ───────────────────────────────────────────────────────────────────────────────────────────

  async applyPolicy(source: unknown, workdir: unknown, actor: string): Promise<StoredPolicy> {
    const policy = parsePolicy(source, workdir);
    await this.registry.getModel(policy.model);
    if (policy.deployment) {
      const d = await this.#deployment(policy.deployment);
      if (d !== policy.model)
        throw invalid(
          `Deployment ${show(policy.deployment)} serves model ${show(d)}, not ${show(policy.model)}; the loop can only roll out versions of the model the deployment serves.`,
        );
    }
    const dataVersion = await this.latestDataVersion(policy);
    const now = Date.now();
    await this.#db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('loop_policies')
        .select(['revision', 'data_version'])
        .where('model', '=', policy.model)
        .executeTakeFirst();
      const values = {
        source: JSON.stringify(source),
        spec: JSON.stringify(policy),
        actor,
        last_updated_timestamp: now,
      };
      if (row)
        await tx
          .updateTable('loop_policies')
          .set({
            ...values,
            revision: row.revision + 1,
            data_version: row.data_version ?? dataVersion ?? null,
          })
          .where('model', '=', policy.model)
          .execute();
      else
        await tx
          .insertInto('loop_policies')
          .values({
            model: policy.model,
            ...values,
            revision: 1,
            data_version: dataVersion ?? null,
            creation_timestamp: now,
          })
          .execute();
    });
    return this.getPolicy(policy.model);
  }

  async #deployment(name: string): Promise<string> {
    const row = await this.store.db
      .selectFrom('deployments')
      .select('model_name')
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row)
      throw notFound(
        `Deployment ${show(name)} not found; create it first with 'mloop deploy create ${name} --model models:/MODEL@champion'.`,
      );
    return row.model_name;
  }

  /** The newest version of the policy's new-data dataset (or data.dataset), if it names one that exists. */
  async latestDataVersion(policy: LoopPolicy): Promise<number | undefined> {
    const name =
      policy.triggers.find((t) => t.kind === 'new_data')?.dataset ??
      (policy.data?.dataset as string | undefined);
    if (!name) return undefined;
    try {
      return (await this.datasets.get(name, 'latest')).version;
    } catch {
      return undefined;
    }
  }

  async getPolicy(modelValue: unknown): Promise<StoredPolicy> {
    const model = validateModelName(modelValue, 'model');
    const row = await this.#db
      .selectFrom('loop_policies')
      .selectAll()
      .where('model', '=', model)
      .executeTakeFirst();
    if (!row)
      throw notFound(`No loop policy for model ${show(model)}; register one with 'mloop loop apply'.`);
    return toPolicy(row);
  }

  async listPolicies(): Promise<StoredPolicy[]> {
    const rows = await this.#db.selectFrom('loop_policies').selectAll().orderBy('model').execute();
    return rows.map(toPolicy);
  }

  async deletePolicy(modelValue: unknown): Promise<void> {
    const p = await this.getPolicy(modelValue);
    const active = await this.activeRun(p.model);
    if (active)
      throw new MloopError(
        'RESOURCE_CONFLICT',
        `Loop run ${active.id} of ${show(p.model)} is ${active.state}; wait for it to finish (or reject it) before removing the policy.`,
      );
    const queued = await this.queuedRun(p.model);
    if (queued)
      await this.transition(queued.id, 'queued', 'failed', {
        kind: 'cancelled',
        message: `The loop policy of ${p.model} was removed; this queued run will not start.`,
      });
    await this.#db.deleteFrom('loop_policies').where('model', '=', p.model).execute();
  }

  // ── runs ───────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Starts a run for a trigger, or queues it behind the active run; a trigger that fires while one is already
   * queued is recorded on the queued run instead of queueing a second.
   */
  async trigger(
    model: string,
    kind: TriggerKind,
    evidence: unknown,
    actor = CONTROLLER,
  ): Promise<{ run: LoopRun; outcome: 'started' | 'queued' | 'coalesced' }> {
    const stored = await this.getPolicy(model);
    const message = `Trigger ${kind} fired.`;
    for (const [slot, state] of [
      [model, 'pending'],
      [`${model}#queued`, 'queued'],
    ] as const) {
      const id = newRunId();
      const now = Date.now();
      try {
        await this.#db.transaction().execute(async (tx) => {
          await tx
            .insertInto('loop_runs')
            .values({
              id,
              model,
              slot,
              state,
              trigger_kind: kind,
              trigger_evidence: JSON.stringify(evidence ?? null),
              policy: JSON.stringify(stored.policy),
              data_version: null,
              champion_version: null,
              challenger_version: null,
              routes_before: null,
              canary: null,
              step_started_at: null,
              reason: null,
              actor,
              creation_timestamp: now,
              last_updated_timestamp: now,
              finished_timestamp: null,
            })
            .execute();
          await this.#event(tx, id, model, state, {
            kind: state === 'queued' ? 'queued' : 'triggered',
            message:
              state === 'queued'
                ? `${message} Another run of ${model} is in flight, so this one waits for it.`
                : message,
            evidence: { trigger: kind, evidence },
            actor,
          });
        });
        return { run: await this.getRun(id), outcome: state === 'queued' ? 'queued' : 'started' };
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
    const queued = await this.#bySlot(`${model}#queued`);
    if (!queued) return this.trigger(model, kind, evidence, actor);
    await this.addEvent(queued.id, {
      kind: 'coalesced',
      message: `${message} A run of ${model} is already queued; the firing is recorded on it.`,
      evidence: { trigger: kind, evidence },
      actor,
    });
    return { run: queued, outcome: 'coalesced' };
  }

  /** Moves the queued run of a model into the active slot, if the slot is free. */
  async startQueued(model: string): Promise<LoopRun | undefined> {
    const queued = await this.#bySlot(`${model}#queued`);
    if (!queued) return undefined;
    try {
      const moved = await this.#db.transaction().execute(async (tx) => {
        const res = await tx
          .updateTable('loop_runs')
          .set({ slot: model, state: 'pending', last_updated_timestamp: Date.now() })
          .where('id', '=', queued.id)
          .where('state', '=', 'queued')
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return false;
        await this.#event(tx, queued.id, model, 'pending', {
          kind: 'dequeued',
          message: 'The previous run finished; this queued run starts.',
        });
        return true;
      });
      return moved ? this.getRun(queued.id) : undefined;
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  /**
   * Moves a run from `from` to `to` with its event, in one transaction, only if it is still in `from`; false when
   * another writer moved it first. A terminal state frees the model's slot.
   */
  async transition(
    id: string,
    from: RunState,
    to: RunState,
    event: EventInput,
    patch: RunPatch = {},
  ): Promise<boolean> {
    const now = Date.now();
    return this.#db.transaction().execute(async (tx) => {
      const set: Partial<RunRow> = { state: to, last_updated_timestamp: now };
      if (patch.dataVersion !== undefined) set.data_version = patch.dataVersion;
      if (patch.championVersion !== undefined) set.champion_version = patch.championVersion;
      if (patch.challengerVersion !== undefined) set.challenger_version = patch.challengerVersion;
      if (patch.routesBefore !== undefined) set.routes_before = JSON.stringify(patch.routesBefore);
      if (patch.canary !== undefined) set.canary = JSON.stringify(patch.canary);
      if (patch.stepStartedAt !== undefined) set.step_started_at = patch.stepStartedAt;
      if (patch.reason !== undefined) set.reason = patch.reason;
      if (isTerminal(to)) {
        set.slot = null;
        set.finished_timestamp = now;
      }
      const res = await tx
        .updateTable('loop_runs')
        .set(set)
        .where('id', '=', id)
        .where('state', '=', from)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      const row = await tx
        .selectFrom('loop_runs')
        .select('model')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      await this.#event(tx, id, row.model, to, event);
      return true;
    });
  }

  /** A person approves the promotion of a run waiting for it. */
  async approve(idValue: unknown, actor: string): Promise<LoopRun> {
    const run = await this.getRun(idValue);
    if (run.state !== 'awaiting_approval')
      throw new MloopError(
        'RESOURCE_CONFLICT',
        `Loop run ${run.id} is ${run.state}; only a run awaiting approval can be approved.`,
      );
    await this.#moveOrConflict(run, 'promoting', {
      kind: 'approved',
      message: `${actor} approved the promotion of v${run.challengerVersion}.`,
      actor,
    });
    return this.getRun(run.id);
  }

  /** A person stops a run during its canary or while it awaits approval: traffic goes back, nothing is promoted. */
  async reject(idValue: unknown, actor: string, reasonValue?: unknown): Promise<LoopRun> {
    const run = await this.getRun(idValue);
    const reason =
      typeof reasonValue === 'string' && reasonValue.trim() ? reasonValue.trim().slice(0, 1000) : '';
    if (run.state !== 'awaiting_approval' && run.state !== 'canary')
      throw new MloopError(
        'RESOURCE_CONFLICT',
        `Loop run ${run.id} is ${run.state}; only a run in its canary or awaiting approval can be rejected.`,
      );
    const message = `${actor} rejected v${run.challengerVersion}${reason ? `: ${reason}` : ''}.`;
    await this.#moveOrConflict(
      run,
      'rolling_back',
      { kind: 'rejected', message, actor },
      { reason: message },
    );
    return this.getRun(run.id);
  }

  async #moveOrConflict(run: LoopRun, to: RunState, event: EventInput, patch: RunPatch = {}): Promise<void> {
    if (!(await this.transition(run.id, run.state, to, event, patch)))
      throw new MloopError(
        'RESOURCE_CONFLICT',
        `Loop run ${run.id} changed state meanwhile; look again with 'mloop loop status ${run.model}'.`,
      );
  }

  /** Saves canary bookkeeping without changing the state. */
  async saveCanary(id: string, state: RunState, canary: unknown): Promise<void> {
    await this.#db
      .updateTable('loop_runs')
      .set({ canary: JSON.stringify(canary), last_updated_timestamp: Date.now() })
      .where('id', '=', id)
      .where('state', '=', state)
      .execute();
  }

  async addEvent(id: string, event: EventInput): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      // Lock the run's row (PostgreSQL) so concurrent events of one run take distinct sequence numbers.
      let q = tx.selectFrom('loop_runs').select(['model', 'state']).where('id', '=', id);
      if (this.store.dialect.lockForUpdate) q = q.forUpdate();
      const row = await q.executeTakeFirstOrThrow();
      await this.#event(tx, id, row.model, row.state as RunState, event);
    });
  }

  async #event(
    tx: Transaction<LoopTables>,
    runId: string,
    model: string,
    state: RunState,
    e: EventInput,
  ): Promise<void> {
    const last = await tx
      .selectFrom('loop_events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('run_id', '=', runId)
      .executeTakeFirst();
    await tx
      .insertInto('loop_events')
      .values({
        run_id: runId,
        seq: Number(last?.seq ?? 0) + 1,
        model,
        kind: e.kind,
        state,
        message: e.message,
        evidence: e.evidence === undefined ? null : JSON.stringify(e.evidence),
        actor: e.actor ?? CONTROLLER,
        timestamp: Date.now(),
      })
      .execute();
  }

  async getRun(idValue: unknown): Promise<LoopRun> {
    if (typeof idValue !== 'string' || !/^[0-9a-f]{32}$/.test(idValue))
      throw invalid(`Invalid loop run id ${show(idValue)}: expected 32 lowercase hex characters.`);
    const row = await this.#db
      .selectFrom('loop_runs')
      .selectAll()
      .where('id', '=', idValue)
      .executeTakeFirst();
    if (!row) throw notFound(`Loop run ${idValue} not found; 'mloop loop history MODEL' lists the runs.`);
    return toRun(row);
  }

  async #bySlot(slot: string): Promise<LoopRun | undefined> {
    const row = await this.#db
      .selectFrom('loop_runs')
      .selectAll()
      .where('slot', '=', slot)
      .executeTakeFirst();
    return row ? toRun(row) : undefined;
  }

  activeRun = (model: string): Promise<LoopRun | undefined> => this.#bySlot(model);
  queuedRun = (model: string): Promise<LoopRun | undefined> => this.#bySlot(`${model}#queued`);

  /** Every run that holds an active slot (the controller's work list). */
  async activeRuns(): Promise<LoopRun[]> {
    const rows = await this.#db
      .selectFrom('loop_runs')
      .selectAll()
      .where('slot', 'is not', null)
      .where('state', '!=', 'queued')
      .orderBy('creation_timestamp')
      .execute();
    return rows.map(toRun);
  }

  async runs(modelValue: unknown, limit = 50): Promise<LoopRun[]> {
    const model = validateModelName(modelValue, 'model');
    const rows = await this.#db
      .selectFrom('loop_runs')
      .selectAll()
      .where('model', '=', model)
      .orderBy('creation_timestamp', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toRun);
  }

  /** The newest run of a model, any state: the watermark of triggers. */
  async lastRun(model: string): Promise<LoopRun | undefined> {
    return (await this.runs(model, 1))[0];
  }

  async events(filter: { model?: unknown; runId?: string }, limit = 1000): Promise<LoopEvent[]> {
    let q = this.#db.selectFrom('loop_events').selectAll();
    if (filter.runId) q = q.where('run_id', '=', filter.runId);
    if (filter.model !== undefined) q = q.where('model', '=', validateModelName(filter.model, 'model'));
    const rows = await q.orderBy('timestamp').orderBy('run_id').orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({
      runId: r.run_id,
      seq: r.seq,
      model: r.model,
      kind: r.kind,
      state: r.state as RunState,
      message: r.message,
      ...(r.evidence === null ? {} : { evidence: JSON.parse(r.evidence) }),
      actor: r.actor,
      timestamp: Number(r.timestamp),
    }));
  }
}

export const isActiveState = (s: RunState): s is ActiveState => s !== 'queued' && !isTerminal(s);

function toPolicy(row: LoopTables['loop_policies']): StoredPolicy {
  return {
    model: row.model,
    source: JSON.parse(row.source),
    policy: JSON.parse(row.spec),
    revision: row.revision,
    ...(row.data_version === null ? {} : { dataVersion: Number(row.data_version) }),
    actor: row.actor,
    creationTimestamp: Number(row.creation_timestamp),
    lastUpdatedTimestamp: Number(row.last_updated_timestamp),
  };
}

function toRun(row: RunRow): LoopRun {
  const opt = <T>(v: string | null, f: (x: string) => T) => (v === null ? undefined : f(v));
  const run: LoopRun = {
    id: row.id,
    model: row.model,
    state: row.state as RunState,
    trigger: { kind: row.trigger_kind as TriggerKind, evidence: JSON.parse(row.trigger_evidence) },
    policy: JSON.parse(row.policy),
    actor: row.actor,
    creationTimestamp: Number(row.creation_timestamp),
    lastUpdatedTimestamp: Number(row.last_updated_timestamp),
  };
  if (row.data_version !== null) run.dataVersion = Number(row.data_version);
  if (row.champion_version !== null) run.championVersion = row.champion_version;
  if (row.challenger_version !== null) run.challengerVersion = row.challenger_version;
  const before = opt(row.routes_before, JSON.parse);
  if (before) run.routesBefore = before;
  const canary = opt(row.canary, JSON.parse);
  if (canary) run.canary = canary;
  if (row.step_started_at !== null) run.stepStartedAt = Number(row.step_started_at);
  if (row.reason !== null) run.reason = row.reason;
  if (row.finished_timestamp !== null) run.finishedTimestamp = Number(row.finished_timestamp);
  return run;
}
