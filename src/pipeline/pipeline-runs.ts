import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { joinStorePath, storePathOf } from '../artifacts/artifact-uri.js';
import { invalid, notFound, show } from '../core/errors.js';
import type { Store } from '../store/open-store.js';
import { hydrateRuns } from '../tracking/run-hydrate.js';
import type { RunService } from '../tracking/run-service.js';
import { decodePageToken, encodePageToken } from '../tracking/search/page-token.js';
import { RUN_STATUSES, type Run, type RunStatus, TAG } from '../tracking/types.js';
import {
  PIPELINE_RECORD_ARTIFACT,
  PIPELINE_SUMMARY_TAG,
  type PipelineRunRecord,
  type RecordedStage,
  summaryOf as summaryCounts,
} from './run-record.js';
import { STAGE_OUTPUT_SOURCE, STAGE_TAGS } from './tracking.js';

const PARENT_TAG = 'mlflow.parentRunId';
const ERROR_TAG = 'mloop.pipeline.error';
/** A record is a few kilobytes per stage; anything far larger is not one `mloop repro` wrote. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export interface PipelineRunSummary {
  runId: string;
  experimentId: string;
  status: RunStatus;
  startTime: number;
  endTime?: number;
  userId: string;
  gitCommit?: string;
  gitBranch?: string;
  /** Stages by outcome (`ran`, `restored`, `up-to-date`, `failed`, …); from the executions when no record exists. */
  counts: Record<string, number>;
}

/** One execution of a stage (a retried stage has several). */
export interface StageAttempt {
  runId: string;
  attempt: number;
  status: RunStatus;
  how?: string;
  startTime: number;
  endTime?: number;
  error?: string;
}

export interface PipelineStageView extends Omit<RecordedStage, 'run'> {
  run?: string;
  attemptRuns: StageAttempt[];
  metrics: Record<string, number>;
  outs: { path: string; hash: string }[];
}

export interface PipelineRunDetail extends PipelineRunSummary {
  /** False when the pipeline run ended without writing its record (killed, or an older mloop): stages are then
   * rebuilt from their executions, edges from their upstream inputs, and stages that did not execute are absent. */
  recorded: boolean;
  stages: PipelineStageView[];
}

const tag = (run: Run, key: string) => run.data.tags.find((t) => t.key === key)?.value;

function summaryOf(run: Run, counts: Record<string, number>): PipelineRunSummary {
  const commit = tag(run, TAG.gitCommit);
  const branch = tag(run, TAG.gitBranch);
  return {
    runId: run.info.runId,
    experimentId: run.info.experimentId,
    status: run.info.status,
    startTime: run.info.startTime,
    ...(run.info.endTime ? { endTime: run.info.endTime } : {}),
    userId: run.info.userId,
    ...(commit ? { gitCommit: commit } : {}),
    ...(branch ? { gitBranch: branch } : {}),
    counts,
  };
}

const howOf = (run: Run): string => {
  const how = tag(run, STAGE_TAGS.how);
  if (how) return how;
  return run.info.status === 'RUNNING' ? 'running' : run.info.status.toLowerCase();
};

/** Counts of the last attempt of each stage, for runs without a summary tag. */
function countExecutions(children: Run[]): Record<string, number> {
  const last = new Map<string, Run>();
  for (const c of children) {
    const name = tag(c, STAGE_TAGS.stage) ?? c.info.runName;
    const prev = last.get(name);
    if (!prev || Number(tag(c, STAGE_TAGS.attempt) ?? 0) >= Number(tag(prev, STAGE_TAGS.attempt) ?? 0))
      last.set(name, c);
  }
  const counts: Record<string, number> = {};
  for (const r of last.values()) counts[howOf(r)] = (counts[howOf(r)] ?? 0) + 1;
  return counts;
}

function parseSummary(value: string | undefined): Record<string, number> | undefined {
  if (!value) return undefined;
  try {
    const v = JSON.parse(value) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const out: Record<string, number> = {};
      for (const [k, n] of Object.entries(v)) if (typeof n === 'number') out[k] = n;
      return out;
    }
  } catch {
    // A hand-set tag that is not JSON: count the executions instead.
  }
  return undefined;
}

/**
 * Pipeline runs as `mloop repro` records them (src/pipeline/tracking.ts): a parent run tagged
 * `mloop.pipeline.run=true`, a child run per stage execution, and the run's record artifact. Read only.
 */
export class PipelineRunService {
  constructor(
    private readonly store: Store,
    private readonly runs: RunService,
    private readonly artifacts: ArtifactStore,
  ) {}

  /** Newest first, `limit` at a time (50 by default); `nextPageToken` fetches the page after. */
  async list(
    opts: { experimentId?: string; status?: RunStatus; limit?: number; pageToken?: string } = {},
  ): Promise<{ items: PipelineRunSummary[]; nextPageToken?: string }> {
    const limit = opts.limit ?? 50;
    const offset = decodePageToken(opts.pageToken);
    let q = this.store.db
      .selectFrom('runs as r')
      .innerJoin('tags as t', 't.run_id', 'r.run_id')
      .where('t.key', '=', STAGE_TAGS.pipelineRun)
      .where('t.value', '=', 'true')
      .where('r.lifecycle_stage', '=', 'active');
    if (opts.experimentId !== undefined) q = q.where('r.experiment_id', '=', Number(opts.experimentId));
    if (opts.status) q = q.where('r.status', '=', opts.status);
    const rows = await q
      .select('r.run_id')
      .orderBy('r.start_time', 'desc')
      .orderBy('r.run_id')
      .limit(limit + 1)
      .offset(offset)
      .execute();
    const more = rows.length > limit;
    const parents = await hydrateRuns(
      this.store,
      rows.slice(0, limit).map((r) => r.run_id),
    );
    const unsummarised = parents.filter((p) => !parseSummary(tag(p, PIPELINE_SUMMARY_TAG)));
    const children = await this.childrenOf(unsummarised.map((p) => p.info.runId));
    const items = parents.map((p) =>
      summaryOf(
        p,
        parseSummary(tag(p, PIPELINE_SUMMARY_TAG)) ?? countExecutions(children.get(p.info.runId) ?? []),
      ),
    );
    return more ? { items, nextPageToken: encodePageToken(offset + limit) } : { items };
  }

  async get(runId: string): Promise<PipelineRunDetail> {
    const parent = await this.runs.get(runId);
    if (tag(parent, STAGE_TAGS.pipelineRun) !== 'true')
      throw notFound(
        `Run ${show(runId)} is not a pipeline run (it has no tag ${STAGE_TAGS.pipelineRun}=true); pipeline runs are the parent runs \`mloop repro\` creates.`,
      );
    const [children, record] = await Promise.all([
      this.childrenOf([parent.info.runId]).then((m) => m.get(parent.info.runId) ?? []),
      this.record(parent.info.artifactUri),
    ]);
    const byStage = new Map<string, Run[]>();
    for (const c of children) {
      const name = tag(c, STAGE_TAGS.stage) ?? c.info.runName;
      byStage.set(name, [...(byStage.get(name) ?? []), c]);
    }
    for (const list of byStage.values())
      list.sort((a, b) => Number(tag(a, STAGE_TAGS.attempt)) - Number(tag(b, STAGE_TAGS.attempt)));
    const stages = record
      ? record.stages.map((s) => view(s, byStage.get(s.name) ?? []))
      : [...byStage].map(([name, runs]) => view(fromExecutions(name, runs), runs));
    const summary = record
      ? (parseSummary(tag(parent, PIPELINE_SUMMARY_TAG)) ?? summaryCounts(record))
      : countExecutions(children);
    return { ...summaryOf(parent, summary), recorded: record !== undefined, stages };
  }

  /** Child runs of each parent, by parent id (one query for the ids, one hydration). */
  private async childrenOf(parentIds: string[]): Promise<Map<string, Run[]>> {
    const out = new Map<string, Run[]>();
    if (parentIds.length === 0) return out;
    const rows = await this.store.db
      .selectFrom('tags as t')
      .innerJoin('runs as r', 'r.run_id', 't.run_id')
      .where('t.key', '=', PARENT_TAG)
      .where('t.value', 'in', parentIds)
      .where('r.lifecycle_stage', '=', 'active')
      .select(['t.run_id', 't.value'])
      .execute();
    const parentOf = new Map(rows.map((r) => [r.run_id, r.value]));
    for (const run of await hydrateRuns(this.store, [...parentOf.keys()])) {
      const p = parentOf.get(run.info.runId)!;
      out.set(p, [...(out.get(p) ?? []), run]);
    }
    return out;
  }

  private async record(artifactUri: string): Promise<PipelineRunRecord | undefined> {
    const path = joinStorePath(storePathOf(artifactUri), PIPELINE_RECORD_ARTIFACT);
    if (!(await this.artifacts.exists(path))) return undefined;
    const object = await this.artifacts.get(path);
    if (object.size > MAX_RECORD_BYTES) {
      object.body.destroy();
      return undefined;
    }
    const chunks: Buffer[] = [];
    for await (const c of object.body) chunks.push(c as Buffer);
    try {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PipelineRunRecord;
      return parsed?.version === 1 && Array.isArray(parsed.stages) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
}

function attemptOf(run: Run): StageAttempt {
  const how = tag(run, STAGE_TAGS.how);
  const error = tag(run, ERROR_TAG);
  return {
    runId: run.info.runId,
    attempt: Number(tag(run, STAGE_TAGS.attempt) ?? 1),
    status: run.info.status,
    ...(how ? { how } : {}),
    startTime: run.info.startTime,
    ...(run.info.endTime ? { endTime: run.info.endTime } : {}),
    ...(error ? { error } : {}),
  };
}

function outsOf(run: Run | undefined): { path: string; hash: string }[] {
  const raw = run ? tag(run, STAGE_TAGS.outs) : undefined;
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v)
      ? v.filter(
          (o): o is { path: string; hash: string } =>
            typeof o?.path === 'string' && typeof o?.hash === 'string',
        )
      : [];
  } catch {
    return [];
  }
}

function view(stage: RecordedStage, runs: Run[]): PipelineStageView {
  const last = runs.at(-1);
  return {
    ...stage,
    attemptRuns: runs.map(attemptOf),
    metrics: Object.fromEntries((last?.data.metrics ?? []).map((m) => [m.key, m.value])),
    outs: outsOf(last),
  };
}

/** A stage as its executions show it, when the pipeline run left no record. */
function fromExecutions(name: string, runs: Run[]): RecordedStage {
  const last = runs.at(-1)!;
  const upstream = new Set<string>();
  for (const r of runs)
    for (const d of r.inputs.datasetInputs) {
      if (d.dataset.sourceType !== STAGE_OUTPUT_SOURCE) continue;
      try {
        const uri = (JSON.parse(d.dataset.source) as { uri?: string }).uri ?? '';
        if (uri.startsWith('mloop-stage:')) upstream.add(uri.slice('mloop-stage:'.length));
      } catch {
        // Not a source this tracker wrote; no edge.
      }
    }
  const how = howOf(last);
  const error = tag(last, ERROR_TAG);
  return {
    name,
    upstream: [...upstream].sort(),
    status:
      how === 'ran' || how === 'restored' || how === 'failed' || how === 'interrupted' || how === 'running'
        ? how
        : 'not-run',
    durationMs: (last.info.endTime ?? last.info.startTime) - runs[0]!.info.startTime,
    attempts: runs.length,
    cmd: tag(last, STAGE_TAGS.cmd) ?? '',
    ...(tag(last, STAGE_TAGS.key) ? { key: tag(last, STAGE_TAGS.key)! } : {}),
    run: last.info.runId,
    ...(error ? { error } : {}),
  };
}

export function parseStatus(value: string | undefined): RunStatus | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(RUN_STATUSES as readonly string[]).includes(value))
    throw invalid(`Invalid status ${show(value)}: expected one of ${RUN_STATUSES.join(', ')}.`);
  return value as RunStatus;
}
