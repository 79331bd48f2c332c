import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MloopClient } from '../sdk/client.js';
import { MloopApiError } from '../sdk/errors.js';
import type { LogInputsInput } from '../sdk/types.js';
import type { HashedPath } from './lock.js';
import { PointerIndex } from './pointer-index.js';
import {
  PIPELINE_RECORD_ARTIFACT,
  PIPELINE_SUMMARY_TAG,
  type PipelineRunRecord,
  summaryOf,
} from './run-record.js';
import type { Stage } from './spec.js';
import type { StageRunEnd, StageRunStart, Tracker } from './tracker.js';
import { yaml } from './yaml-lazy.js';

export const STAGE_TAGS = {
  pipelineRun: 'mloop.pipeline.run',
  stage: 'mloop.pipeline.stage',
  key: 'mloop.pipeline.key',
  attempt: 'mloop.pipeline.attempt',
  how: 'mloop.pipeline.how',
  outs: 'mloop.pipeline.outs',
  cmd: 'mloop.pipeline.cmd',
} as const;

/** Upstream outputs are logged as run inputs with this source type; `source` names the producing run. */
export const STAGE_OUTPUT_SOURCE = 'mloop-stage-output';

/** Numeric leaves of a JSON or YAML metrics file, by dotted key. */
export function readMetricsFile(file: string): Record<string, number> {
  const text = readFileSync(file, 'utf8');
  const doc = file.endsWith('.json') ? JSON.parse(text) : yaml().parse(text);
  const out: Record<string, number> = {};
  const walk = (v: unknown, prefix: string) => {
    if (typeof v === 'number' && Number.isFinite(v)) out[prefix] = v;
    else if (typeof v === 'boolean') out[prefix] = v ? 1 : 0;
    else if (v !== null && typeof v === 'object' && !Array.isArray(v))
      for (const [k, x] of Object.entries(v)) walk(x, prefix ? `${prefix}.${k}` : k);
  };
  walk(doc, '');
  return out;
}

const flat = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Every stage execution becomes a run (child of one pipeline run) with the stage's params, the metrics of its
 * metrics files, its inputs — dataset versions where a dep is a tracked dataset, upstream outputs by hash with the
 * run that produced them — and its outputs' hashes. Runs are created lazily: a fully cached repro creates none.
 */
export class SdkTracker implements Tracker {
  private parent: Promise<{ experimentId: string; runId: string; artifactUri: string }> | undefined;
  private client!: MloopClient;
  /** Git tags computed once per pipeline run, not once per stage (each computation runs git several times). */
  private gitTags: { key: string; value: string }[] = [];
  private readonly pointers = new PointerIndex();

  /** `open` is called on the first stage execution, so a fully cached repro never opens the tracking store. */
  constructor(
    private readonly open: () => Promise<MloopClient>,
    private readonly root: string,
    private readonly experiment = 'pipelines',
  ) {}

  private ensureParent() {
    this.parent ??= (async () => {
      // git runs as child processes: they proceed on another core while this one opens the store.
      const git = import('../sdk/git.js').then(async ({ gitContext, gitTags }) => {
        const context = await gitContext(this.root);
        return context ? gitTags(context) : [];
      });
      const [client, tags] = await Promise.all([this.open(), git]);
      this.client = client;
      this.gitTags = tags;
      let experimentId: string;
      try {
        experimentId = (await this.client.getExperimentByName(this.experiment)).experimentId;
      } catch (err) {
        if (!(err instanceof MloopApiError && err.code === 'RESOURCE_DOES_NOT_EXIST')) throw err;
        experimentId = (await this.client.createExperiment({ name: this.experiment })).experimentId;
      }
      const run = await this.client.createRun(
        {
          experimentId,
          runName: 'pipeline',
          tags: [...this.gitTags, { key: STAGE_TAGS.pipelineRun, value: 'true' }],
        },
        { git: false },
      );
      return { experimentId, runId: run.info.runId, artifactUri: run.info.artifactUri };
    })();
    return this.parent;
  }

  /**
   * One request: the run with its tags and its inputs. Tracked datasets are looked up first (reads), so the run is
   * created with everything it read.
   */
  async start(info: StageRunStart): Promise<string> {
    const parent = await this.ensureParent();
    const { stage } = info;
    const datasets: NonNullable<LogInputsInput['datasets']> = [];
    for (const dep of info.deps) {
      const up = info.upstream.get(dep.path);
      if (up) {
        datasets.push({
          tags: [{ key: 'mlflow.data.context', value: 'pipeline' }],
          dataset: {
            name: dep.path,
            digest: dep.hash.slice(0, 36),
            sourceType: STAGE_OUTPUT_SOURCE,
            source: JSON.stringify({
              uri: `mloop-stage:${up.stage}`,
              hash: `sha256:${dep.hash}`,
              path: dep.path,
              ...(up.run ? { run: up.run } : {}),
            }),
          },
        });
        continue;
      }
      const version = await this.trackedVersion(dep);
      if (!version) continue;
      const { datasetInput } = await import('../data/lineage.js');
      datasets.push(datasetInput(version, 'pipeline'));
    }
    const run = await this.client.createRun(
      {
        experimentId: parent.experimentId,
        runName: stage.name,
        tags: [
          ...this.gitTags,
          { key: 'mlflow.parentRunId', value: parent.runId },
          { key: STAGE_TAGS.stage, value: stage.name },
          { key: STAGE_TAGS.key, value: info.key },
          { key: STAGE_TAGS.attempt, value: String(info.attempt) },
          { key: STAGE_TAGS.cmd, value: stage.cmd.join(' && ').slice(0, 5000) },
        ],
        ...(datasets.length ? { inputs: { datasets } } : {}),
      },
      { git: false },
    );
    return run.info.runId;
  }

  /** The dataset version a dep is, when a pointer file beside it names exactly this content. */
  private async trackedVersion(dep: HashedPath) {
    const p = await this.pointers.find(resolve(this.root, dep.path), dep.hash);
    return p && this.client.getDatasetVersion(p.name, p.version).catch(() => undefined);
  }

  async end(runId: string | undefined, stage: Stage, end: StageRunEnd): Promise<void> {
    if (!runId) return;
    const metrics: { key: string; value: number }[] = [];
    if (end.ok)
      for (const file of stage.metrics) {
        const abs = join(this.root, file);
        if (!existsSync(abs)) continue;
        try {
          for (const [key, value] of Object.entries(readMetricsFile(abs))) metrics.push({ key, value });
        } catch {
          // A metrics file that is neither JSON nor YAML is still an output; it just has no metrics to log.
        }
      }
    // Params, metrics and tags with the final status: a stage run costs two requests (create, finish).
    const params = Object.entries(stage.params).map(([key, value]) => ({
      key,
      value: flat(value).slice(0, 6000),
    }));
    await this.client.finishRun(
      runId,
      end.ok ? 'FINISHED' : end.how === 'interrupted' ? 'KILLED' : 'FAILED',
      {
        params,
        metrics,
        tags: [
          { key: STAGE_TAGS.how, value: end.how },
          {
            key: STAGE_TAGS.outs,
            value: JSON.stringify(end.outs.map((o) => ({ path: o.path, hash: o.hash }))).slice(0, 7900),
          },
          ...(end.message ? [{ key: 'mloop.pipeline.error', value: end.message.slice(0, 5000) }] : []),
        ],
      },
    );
  }

  async close(ok: boolean, record?: PipelineRunRecord): Promise<void> {
    if (!this.parent) return;
    const parent = await this.parent;
    // Once per pipeline run, not per stage: the graph and outcomes for the UI, and counts for listing runs.
    if (record)
      await Promise.all([
        this.client.putArtifact(
          parent.artifactUri,
          PIPELINE_RECORD_ARTIFACT,
          new TextEncoder().encode(JSON.stringify(record)),
        ),
        this.client.setTags(parent.runId, { [PIPELINE_SUMMARY_TAG]: JSON.stringify(summaryOf(record)) }),
      ]);
    await this.client.finishRun(parent.runId, ok ? 'FINISHED' : 'FAILED');
  }
}
