import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Dag } from './graph.js';
import type { StageOutcome, StageStatus } from './repro.js';

/** The record of one pipeline run, stored as an artifact of its parent run (the graph, every stage, log tails). */
export const PIPELINE_RECORD_ARTIFACT = 'pipeline/run.json';
/** Stage counts by status on the parent run, so listing pipeline runs reads tags, not artifacts. */
export const PIPELINE_SUMMARY_TAG = 'mloop.pipeline.summary';

/**
 * `not-run`: selected but never started (an earlier failure stopped the run); `not-selected`: outside the targets;
 * `running`: only seen while a pipeline run is still going, read from its executions (no record yet).
 */
export type RecordedStatus = StageStatus | 'not-run' | 'not-selected' | 'running';

export interface RecordedStage {
  name: string;
  /** Stages whose outputs this one reads: the DAG's edges. */
  upstream: string[];
  status: RecordedStatus;
  durationMs: number;
  attempts: number;
  cmd: string;
  key?: string;
  /** The tracking run of the execution (or, for an up-to-date stage, of the execution that made its outputs). */
  run?: string;
  error?: string;
  /** The last lines of the stage's log, for stages that ran (or failed) in this pipeline run. */
  log?: string[];
}

export interface PipelineRunRecord {
  version: 1;
  ok: boolean;
  interrupted: boolean;
  stages: RecordedStage[];
}

/** Enough to see why a stage failed without the project's files; the whole log stays in .mloop/logs. */
const LOG_LINES = 200;
const LOG_LINE_CHARS = 2000;
const LOG_BYTES = 256 * 1024;

export function pipelineRecord(
  dag: Dag,
  selected: readonly string[],
  outcomes: ReadonlyMap<string, StageOutcome>,
  result: { ok: boolean; interrupted: boolean },
  logFile: (stage: string) => string,
): PipelineRunRecord {
  const chosen = new Set(selected);
  const stages: RecordedStage[] = [];
  for (const [name, stage] of dag.stages) {
    const o = outcomes.get(name);
    const executed = o?.status === 'ran' || o?.status === 'failed';
    stages.push({
      name,
      upstream: [...(dag.upstream.get(name) ?? [])].sort(),
      status: o?.status ?? (chosen.has(name) ? 'not-run' : 'not-selected'),
      durationMs: o?.durationMs ?? 0,
      attempts: o?.attempts ?? 0,
      cmd: stage.cmd.join(' && '),
      ...(o?.key ? { key: o.key } : {}),
      ...(o?.run ? { run: o.run } : {}),
      ...(o?.error ? { error: o.error } : {}),
      ...(executed && o.attempts > 0 ? { log: logSince(logFile(name), o.logFrom ?? 0) } : {}),
    });
  }
  return { version: 1, ok: result.ok, interrupted: result.interrupted, stages };
}

/** The last lines written to a stage's log since `from` (the log file is appended to by every execution). */
function logSince(file: string, from: number): string[] {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return [];
  }
  const start = Math.max(from, size - LOG_BYTES);
  if (start >= size) return [];
  const buf = Buffer.alloc(size - start);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, start);
  } finally {
    closeSync(fd);
  }
  const lines = buf.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  // A cut through the middle of a line (or a UTF-8 sequence) leaves a partial first line: drop it.
  if (start > from) lines.shift();
  return lines.slice(-LOG_LINES).map((l) => l.slice(0, LOG_LINE_CHARS));
}

export function summaryOf(record: PipelineRunRecord): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of record.stages) counts[s.status] = (counts[s.status] ?? 0) + 1;
  return counts;
}
