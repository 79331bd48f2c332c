import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newUuid } from '../core/ids.js';
import { decide as gateDecide } from '../learn/gate.js';
import type { Services } from '../server/services.js';
import type { CommandResult } from './command.js';
import { runCommand } from './command.js';
import {
  afterBake,
  afterGate,
  type BakeVerdict,
  canaryRoutes,
  canaryTotals,
  championUri,
  judgeBake,
  promotedRoutes,
  sameRoutes,
} from './decide.js';
import type { CanaryHealth } from './health.js';
import type { LoopService } from './loop-service.js';
import type { LoopPolicy } from './policy.js';
import {
  type MonitoringReader,
  monitoringTrigger,
  newDataTrigger,
  scheduleTrigger,
  type TriggerSource,
} from './triggers.js';
import type { CanaryState, LoopRun, Route, StoredPolicy } from './types.js';

/** The mloop CLI of this installation, for the default `mloop evaluate` gate. */
const MLOOP_BIN = fileURLToPath(new URL('../../bin/mloop.js', import.meta.url));
const ACTOR = 'mloop-loop';

export interface ControllerOptions {
  services: Services;
  loops: LoopService;
  /** The URL commands reach this server at (MLOOP_TRACKING_URI of training and gate commands). */
  serverUrl: string;
  /** Command logs go to `<logDir>/<run id>/{train,gate}.log`. */
  logDir: string;
  health: CanaryHealth;
  monitoring: MonitoringReader;
  tickMs?: number;
  /** Extra environment for commands (e.g. MLOOP_TOKEN when the server has --auth). */
  env?: Record<string, string>;
  log?: (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>) => void;
}

type GateOutcome =
  | { kind: 'blessed' | 'not_blessed'; evidence: unknown }
  | { kind: 'error'; message: string; evidence: unknown }
  | { kind: 'aborted' };

/**
 * The continuous-training controller. On each tick it evaluates the triggers of every policy, starts queued runs
 * whose model is free, and advances every active run by one step. Each step writes its new state (with the event
 * that explains it) before it acts, and each action is idempotent (routes are compared before they are set, aliases
 * are moved to a fixed version), so a server that stops anywhere resumes on its next start: training that was cut
 * off fails cleanly, a gate runs again, a canary keeps baking (or is rolled back), a promotion or rollback finishes.
 */
export class LoopController {
  readonly #o: ControllerOptions;
  readonly #epoch = newUuid();
  readonly #busy = new Map<string, Promise<void>>();
  /** The last step failure recorded per run. */
  readonly #errors = new Map<string, string>();
  readonly #abort = new AbortController();
  readonly #sources: TriggerSource[];
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #closed = false;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#sources = [
      scheduleTrigger,
      newDataTrigger(options.services.datasets),
      monitoringTrigger(options.monitoring),
    ];
  }

  get #loops(): LoopService {
    return this.#o.loops;
  }

  start(): void {
    const loop = () => {
      if (this.#closed) return;
      this.#timer = setTimeout(async () => {
        await this.tick();
        loop();
      }, this.#o.tickMs ?? 2000);
    };
    void this.tick().then(loop);
  }

  /** One pass: triggers, queued runs, a step of every active run. Steps run in the background. */
  tick(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#ticking ??= this.#tick().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    try {
      const policies = await this.#loops.listPolicies();
      for (const p of policies) {
        if (this.#closed) return;
        await this.#evaluateTriggers(p).catch((err) =>
          this.#log('warn', 'loop_trigger_failed', { model: p.model, error: (err as Error).message }),
        );
        if (!(await this.#loops.activeRun(p.model))) await this.#loops.startQueued(p.model);
      }
      for (const run of await this.#loops.activeRuns()) {
        if (this.#closed || this.#busy.has(run.id)) continue;
        const step = this.#step(run)
          .then(() => {
            this.#errors.delete(run.id);
          })
          .catch(async (err) => {
            const message = `The ${run.state} step failed: ${(err as Error).message}; it is retried on the next tick.`;
            // One event per distinct failure, not one per tick while it lasts.
            if (this.#errors.get(run.id) === message) return;
            this.#errors.set(run.id, message);
            this.#log('error', 'loop_step_failed', { run: run.id, state: run.state, error: String(err) });
            await this.#loops.addEvent(run.id, { kind: 'step_error', message }).catch(() => undefined);
          })
          .finally(() => this.#busy.delete(run.id));
        this.#busy.set(run.id, step);
      }
    } catch (err) {
      this.#log('error', 'loop_tick_failed', { error: String(err) });
    }
  }

  /** Resolves when no step of this controller is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#ticking || this.#busy.size) {
      await this.#ticking;
      await Promise.all(this.#busy.values());
    }
  }

  /** Stops ticking and kills running commands; their runs stay in their state for the next start to settle. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#abort.abort();
    await this.#ticking?.catch(() => undefined);
    await Promise.all(this.#busy.values());
  }

  // ── triggers ───────────────────────────────────────────────────────────────────────────────────────────

  async #evaluateTriggers(p: StoredPolicy): Promise<void> {
    if (p.policy.triggers.length === 0 || (await this.#loops.queuedRun(p.model))) return;
    const recent = await this.#loops.runs(p.model, 20);
    const last = recent[0];
    const now = Date.now();
    if (last && p.policy.cooldownMs > 0 && now - (last.finishedTimestamp ?? now) < p.policy.cooldownMs)
      return;
    const versions = [p.dataVersion, ...recent.map((r) => r.dataVersion)].filter(
      (v): v is number => v !== undefined,
    );
    const ctx = {
      now,
      sinceMs: last?.creationTimestamp ?? p.creationTimestamp,
      ...(versions.length ? { dataVersion: Math.max(...versions) } : {}),
    };
    for (const trigger of p.policy.triggers)
      for (const source of this.#sources) {
        const firing = await source.evaluate(p, trigger, ctx);
        if (!firing) continue;
        const { outcome, run } = await this.#loops.trigger(p.model, firing.kind, firing.evidence);
        this.#log('info', 'loop_triggered', { model: p.model, trigger: firing.kind, run: run.id, outcome });
        return;
      }
  }

  // ── steps ──────────────────────────────────────────────────────────────────────────────────────────────

  async #step(run: LoopRun): Promise<void> {
    switch (run.state) {
      case 'pending':
        return this.#train(run);
      case 'training':
        // Nothing in this process runs it (this process's own training holds the run busy): a restart cut it off.
        await this.#loops.transition(run.id, 'training', 'failed', {
          kind: 'interrupted',
          message:
            'The server stopped while the training command ran; the run failed and nothing was deployed. Start a new one with `mloop loop run`.',
          evidence: { stepStartedAt: run.stepStartedAt ?? null },
        });
        return;
      case 'gating':
        return this.#gate(run);
      case 'canary':
      case 'awaiting_approval':
        return this.#bake(run);
      case 'promoting':
        return this.#promote(run);
      case 'rolling_back':
        return this.#rollback(run);
      default:
        return;
    }
  }

  async #train(run: LoopRun): Promise<void> {
    const { registry } = this.#o.services;
    const policy = run.policy;
    const champion = await registry.versionByAlias(run.model, 'champion').catch(() => undefined);
    const dataVersion = await this.#loops.latestDataVersion(policy);
    const startedAt = Date.now();
    const moved = await this.#loops.transition(
      run.id,
      'pending',
      'training',
      {
        kind: 'training_started',
        message: `Training: ${policy.train.command}`,
        evidence: {
          command: policy.train.command,
          workdir: policy.workdir,
          champion: champion?.version ?? null,
          dataVersion: dataVersion ?? null,
        },
      },
      {
        stepStartedAt: startedAt,
        ...(champion ? { championVersion: champion.version } : {}),
        ...(dataVersion !== undefined ? { dataVersion } : {}),
      },
    );
    if (!moved) return;
    const logFile = join(this.#o.logDir, run.id, 'train.log');
    const result = await this.#command({
      shell: policy.train.command,
      policy,
      run,
      timeoutMs: policy.train.timeoutMs,
      logFile,
    });
    if (result.aborted) return;
    if (result.code !== 0) {
      await this.#loops.transition(run.id, 'training', 'failed', {
        kind: 'training_failed',
        message: result.timedOut
          ? `The training command timed out after ${Math.round(policy.train.timeoutMs / 1000)} s.`
          : `The training command exited with ${result.code ?? 'a signal'}.`,
        evidence: commandEvidence(result, logFile),
      });
      return;
    }
    const version = await this.#newestVersionSince(run.model, startedAt);
    if (!version) {
      await this.#loops.transition(run.id, 'training', 'failed', {
        kind: 'training_failed',
        message: `The training command succeeded but registered no new version of '${run.model}'; it must register one (e.g. mloop train --register ${run.model}).`,
        evidence: commandEvidence(result, logFile),
      });
      return;
    }
    await registry.setVersionTag(run.model, version, 'mloop.loop_run', run.id);
    await registry.setVersionTag(run.model, version, 'mloop.loop_trigger', run.trigger.kind);
    await registry.setAlias(run.model, 'challenger', version, ACTOR);
    const gating = await this.#loops.transition(
      run.id,
      'training',
      'gating',
      {
        kind: 'challenger_registered',
        message: `Training registered ${run.model} v${version}; alias challenger points at it.`,
        evidence: { version, ...commandEvidence(result, logFile) },
      },
      { challengerVersion: version, stepStartedAt: Date.now() },
    );
    if (gating)
      await this.#gate({
        ...run,
        state: 'gating',
        challengerVersion: version,
        ...(champion ? { championVersion: champion.version } : {}),
        ...(dataVersion !== undefined ? { dataVersion } : {}),
      });
  }

  async #newestVersionSince(model: string, since: number): Promise<string | undefined> {
    const row = await this.#o.services.store.db
      .selectFrom('model_versions')
      .select('version')
      .where('name', '=', model)
      .where('creation_timestamp', '>=', since)
      .orderBy('version', 'desc')
      .executeTakeFirst();
    return row ? String(row.version) : undefined;
  }

  async #gate(run: LoopRun): Promise<void> {
    const outcome = await this.#runGate(run);
    if (outcome.kind === 'aborted') return;
    const policy = run.policy;
    if (outcome.kind !== 'blessed') {
      await this.#dropChallenger(run);
      await this.#loops.transition(run.id, 'gating', outcome.kind === 'error' ? 'failed' : 'rejected', {
        kind: outcome.kind === 'error' ? 'gate_failed' : 'gate_rejected',
        message:
          outcome.kind === 'error'
            ? `The gate could not decide: ${outcome.message}`
            : `The gate did not bless v${run.challengerVersion}; the champion stays v${run.championVersion ?? '(none)'}.`,
        evidence: outcome.evidence,
      });
      return;
    }
    const next = afterGate(policy);
    if (next === 'canary') {
      const deployment = await this.#o.services.deployments.get(policy.deployment);
      const snap = await this.#o.health.snapshot(deployment.name, run.model, run.challengerVersion!);
      const canary: CanaryState = {
        startedAt: Date.now(),
        carried: { requests: 0, errors: 0 },
        epoch: this.#epoch,
        baseline: { requests: snap.requests, errors: snap.errors },
      };
      const routes = canaryRoutes(run.model, deployment.routes, policy.rollout.canary);
      const moved = await this.#loops.transition(
        run.id,
        'gating',
        'canary',
        {
          kind: 'canary_started',
          message: `The gate blessed v${run.challengerVersion}; it takes ${policy.rollout.canary}% of ${deployment.name}'s traffic while it bakes.`,
          evidence: { gate: outcome.evidence, routesBefore: deployment.routes, routes },
        },
        { routesBefore: deployment.routes, canary },
      );
      if (moved) await this.#ensureRoutes(policy.deployment!, routes);
      return;
    }
    await this.#loops.transition(run.id, 'gating', next, {
      kind: 'gate_passed',
      message:
        next === 'awaiting_approval'
          ? `The gate blessed v${run.challengerVersion}; waiting for approval (mloop loop approve ${run.id}).`
          : `The gate blessed v${run.challengerVersion}; promoting it.`,
      evidence: outcome.evidence,
    });
    if (next === 'promoting') await this.#promote({ ...run, state: 'promoting' });
  }

  async #runGate(run: LoopRun): Promise<GateOutcome> {
    const { gate } = run.policy;
    const challenger = `models:/${run.model}/${run.challengerVersion}`;
    const champion = run.championVersion ? championUri(run.model) : undefined;
    if (gate.using === 'run_metrics') {
      const numbers = async (version: string) => {
        const mv = await this.#o.services.registry.getVersion(run.model, version);
        if (!mv.runId) return undefined;
        const r = await this.#o.services.runs.get(mv.runId);
        return Object.fromEntries(r.data.metrics.map((m) => [m.key, m.value]));
      };
      const mine = await numbers(run.challengerVersion!);
      if (!mine)
        return {
          kind: 'error',
          message: `v${run.challengerVersion} has no source run, so it has no metrics to gate on.`,
          evidence: null,
        };
      const theirs = run.championVersion ? ((await numbers(run.championVersion)) ?? null) : null;
      try {
        const d = gateDecide(theirs, mine, gate.rules);
        return { kind: d.blessed ? 'blessed' : 'not_blessed', evidence: { using: 'run_metrics', ...d } };
      } catch (err) {
        return {
          kind: 'error',
          message: (err as Error).message,
          evidence: { challenger: mine, champion: theirs },
        };
      }
    }
    const logFile = join(this.#o.logDir, run.id, 'gate.log');
    const spec =
      gate.using === 'command'
        ? { shell: gate.command! }
        : {
            file: process.execPath,
            args: [
              MLOOP_BIN,
              'evaluate',
              '--model',
              challenger,
              ...(champion ? ['--champion', champion] : []),
              '--data',
              gate.data!,
              ...(gate.target ? ['--target', gate.target] : []),
              ...(gate.metric ? ['--metric', gate.metric] : []),
              ...gate.bounds.flatMap((b) => ['--bound', b]),
              ...(gate.minImprovement !== undefined
                ? ['--min-improvement', String(gate.minImprovement)]
                : []),
              '--json',
            ],
          };
    const result = await this.#command({
      ...spec,
      policy: run.policy,
      run,
      timeoutMs: gate.timeoutMs,
      logFile,
      env: {
        MLOOP_CHALLENGER: challenger,
        MLOOP_CHAMPION: champion ?? '',
      },
    });
    if (result.aborted) return { kind: 'aborted' };
    let report: unknown = null;
    try {
      report = JSON.parse(result.stdout);
    } catch {
      report = null;
    }
    const evidence = { using: gate.using, report, ...commandEvidence(result, logFile) };
    if (result.code === 0) return { kind: 'blessed', evidence };
    // `mloop evaluate` also exits 1 on an error; only its JSON blessing says "not blessed".
    const blessing = (report as { blessing?: { blessed?: unknown } } | null)?.blessing;
    if (result.code === 1 && (gate.using === 'command' || blessing?.blessed === false))
      return { kind: 'not_blessed', evidence };
    return {
      kind: 'error',
      message: result.timedOut
        ? `the gate command timed out after ${Math.round(gate.timeoutMs / 1000)} s`
        : `the gate command exited with ${result.code ?? 'a signal'} (0 = blessed, 1 = not blessed)`,
      evidence,
    };
  }

  /** Canary and awaiting approval: keep the canary routes, watch the challenger's health, decide. */
  async #bake(run: LoopRun): Promise<void> {
    const policy = run.policy;
    if (!policy.deployment || !run.canary || policy.rollout.canary === 0) return;
    const routes = canaryRoutes(run.model, run.routesBefore ?? [], policy.rollout.canary);
    if (await this.#ensureRoutes(policy.deployment, routes))
      await this.#loops.addEvent(run.id, {
        kind: 'routes_restored',
        message: `The deployment's routes were not the canary's; set them again.`,
        evidence: { routes },
      });
    let canary = run.canary;
    const snap = await this.#o.health.snapshot(policy.deployment, run.model, run.challengerVersion!);
    if (canary.epoch !== this.#epoch) {
      // A new server process: its counters start at zero; what the old one counted is carried over.
      const carried = canary.last
        ? { requests: canary.last.requests, errors: canary.last.errors }
        : canary.carried;
      canary = {
        ...canary,
        carried,
        epoch: this.#epoch,
        baseline: { requests: snap.requests, errors: snap.errors },
      };
      await this.#loops.saveCanary(run.id, run.state, canary);
      await this.#loops.addEvent(run.id, {
        kind: 'resumed',
        message: `The server restarted during the ${run.state === 'canary' ? 'bake' : 'wait for approval'}; resumed with ${carried.requests} requests and ${carried.errors} errors carried over.`,
        evidence: { carried, routes },
      });
    }
    const totals = canaryTotals(canary, snap);
    const elapsed = Date.now() - canary.startedAt;
    await this.#loops.saveCanary(run.id, run.state, { ...canary, last: { ...totals, at: Date.now() } });
    if (run.state !== 'canary') return;
    const judged = judgeBake(policy.rollout, totals, elapsed);
    const loadFailure = snap.loadFailures
      ? `v${run.challengerVersion} failed to load on ${policy.deployment} (${snap.loadFailures} attempt(s); the server log's model_load_failed and 'mloop deploy show ${policy.deployment}' say why)`
      : undefined;
    const verdict: BakeVerdict =
      loadFailure && judged.kind !== 'rollback'
        ? { kind: 'rollback', reasons: [loadFailure], numbers: judged.numbers }
        : judged;
    if (verdict.kind === 'rollback') {
      const reason = `Canary rolled back: ${verdict.reasons.join('; ')}.`;
      if (
        await this.#loops.transition(
          run.id,
          'canary',
          'rolling_back',
          { kind: 'rollback_decided', message: reason, evidence: verdict.numbers },
          { reason },
        )
      )
        await this.#rollback({ ...run, state: 'rolling_back', reason });
      return;
    }
    if (verdict.kind === 'passed') {
      const next = afterBake(policy);
      const moved = await this.#loops.transition(run.id, 'canary', next, {
        kind: 'bake_passed',
        message:
          next === 'awaiting_approval'
            ? `The canary baked cleanly (${totals.requests} requests, ${totals.errors} errors); waiting for approval (mloop loop approve ${run.id}).`
            : `The canary baked cleanly (${totals.requests} requests, ${totals.errors} errors); promoting.`,
        evidence: verdict.numbers,
      });
      if (moved && next === 'promoting') await this.#promote({ ...run, state: 'promoting' });
    }
  }

  async #promote(run: LoopRun): Promise<void> {
    const { registry } = this.#o.services;
    const version = run.challengerVersion!;
    const current = await registry.versionByAlias(run.model, 'champion').catch(() => undefined);
    if (current?.version !== version) await registry.setAlias(run.model, 'champion', version, ACTOR);
    if (this.#o.services.serving?.started) void this.#o.services.serving.sync();
    const routes = promotedRoutes(run.model);
    if (run.policy.deployment) await this.#ensureRoutes(run.policy.deployment, routes);
    await this.#dropChallenger(run);
    await this.#loops.transition(run.id, 'promoting', 'succeeded', {
      kind: 'promoted',
      message: `${run.model} v${version} is the champion${run.policy.deployment ? ` and takes all of ${run.policy.deployment}'s traffic` : ''} (${previousChampion(current?.version ?? run.championVersion)}).`,
      evidence: {
        champion: { from: current?.version ?? null, to: version },
        ...(run.policy.deployment ? { routes } : {}),
      },
    });
  }

  async #rollback(run: LoopRun): Promise<void> {
    const deployment = run.policy.deployment;
    const routes = run.routesBefore;
    if (deployment && routes?.length) await this.#ensureRoutes(deployment, routes);
    await this.#dropChallenger(run);
    await this.#loops.transition(run.id, 'rolling_back', 'rolled_back', {
      kind: 'rolled_back',
      message: `Traffic is back on the routes before the canary; the champion stays v${run.championVersion ?? '(none)'}.`,
      evidence: { reason: run.reason ?? null, ...(routes ? { routes } : {}) },
    });
  }

  /** Sets the deployment's routes unless they already route the same; true when it had to set them. */
  async #ensureRoutes(name: string, routes: Route[]): Promise<boolean> {
    const { deployments, serving } = this.#o.services;
    const d = await deployments.get(name);
    if (sameRoutes(d.routes, routes)) return false;
    await deployments.setRoutes(name, { routes, shadows: d.shadows }, ACTOR);
    if (serving?.started) void serving.sync();
    return true;
  }

  async #dropChallenger(run: LoopRun): Promise<void> {
    const { registry } = this.#o.services;
    const current = await registry.versionByAlias(run.model, 'challenger').catch(() => undefined);
    if (current && current.version === run.challengerVersion)
      await registry.deleteAlias(run.model, 'challenger', ACTOR).catch(() => undefined);
  }

  #command(spec: {
    shell?: string;
    file?: string;
    args?: string[];
    policy: LoopPolicy;
    run: LoopRun;
    timeoutMs: number;
    logFile: string;
    env?: Record<string, string>;
  }): Promise<CommandResult> {
    return runCommand({
      ...(spec.shell !== undefined ? { shell: spec.shell } : {}),
      ...(spec.file !== undefined ? { file: spec.file, args: spec.args ?? [] } : {}),
      cwd: spec.policy.workdir,
      env: {
        ...this.#o.env,
        MLOOP_TRACKING_URI: this.#o.serverUrl,
        MLFLOW_TRACKING_URI: this.#o.serverUrl,
        MLOOP_LOOP_RUN_ID: spec.run.id,
        MLOOP_LOOP_MODEL: spec.run.model,
        MLOOP_LOOP_TRIGGER: spec.run.trigger.kind,
        ...spec.env,
      },
      timeoutMs: spec.timeoutMs,
      logFile: spec.logFile,
      signal: this.#abort.signal,
    });
  }

  #log(level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>): void {
    if (this.#o.log) this.#o.log(level, event, fields);
    else
      process.stderr.write(
        `${JSON.stringify({ level, event, ...fields, time: new Date().toISOString() })}\n`,
      );
  }
}

function commandEvidence(result: CommandResult, logFile: string) {
  return {
    exitCode: result.code,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    log: logFile,
    tail: result.tail,
  };
}

const previousChampion = (version: string | undefined) =>
  version ? `was v${version}` : 'there was no champion';
