import type { ExperimentService } from '../tracking/experiment-service.js';
import type { LoggedModelService } from '../tracking/logged-model-service.js';
import type { RunService } from '../tracking/run-service.js';
import { TAG } from '../tracking/types.js';
import type { RegistryService } from './registry-service.js';

export type LineageKind =
  | 'model_version'
  | 'registered_model'
  | 'logged_model'
  | 'run'
  | 'experiment'
  | 'dataset'
  | 'commit'
  | 'loop_run'
  | 'trigger';

export interface LineageNode {
  id: string;
  kind: LineageKind;
  label: string;
  attributes: Record<string, string>;
}

export interface LineageEdge {
  from: string;
  to: string;
  /** Reads as "from <relation> to": version → run is `produced_by`, run → dataset is `read`. */
  relation:
    | 'version_of'
    | 'produced_by'
    | 'packaged_as'
    | 'in_experiment'
    | 'read'
    | 'at_commit'
    | 'trained_by'
    | 'triggered_by';
}

export interface LineageGraph {
  root: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
}

/** How many pipeline stages upstream of the model's run the graph follows. */
const MAX_STAGE_DEPTH = 50;

/** The producing run named in a pipeline stage-output input's source JSON. */
function stageOutputRun(source: string): string | undefined {
  try {
    const run = (JSON.parse(source) as { run?: unknown }).run;
    return typeof run === 'string' && /^[0-9a-f]{32}$/.test(run) ? run : undefined;
  } catch {
    return undefined;
  }
}

/** What made a model version: its registered model, logged model, run, experiment, datasets read and code commit. */
export async function modelVersionLineage(
  deps: {
    registry: RegistryService;
    runs: RunService;
    loggedModels: LoggedModelService;
    experiments: ExperimentService;
    /** The continuous-training runs, for versions a loop run made (tag `mloop.loop_run`). */
    loops?: {
      getRun(id: string): Promise<{
        id: string;
        state: string;
        trigger: { kind: string; evidence: unknown };
        creationTimestamp: number;
      }>;
    };
  },
  name: unknown,
  ref: string,
): Promise<LineageGraph> {
  const mv = await deps.registry.resolveVersion(name, ref);
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  const add = (node: LineageNode) => nodes.set(node.id, node);
  const root = `model_version:${mv.name}/${mv.version}`;
  add({
    id: root,
    kind: 'model_version',
    label: `${mv.name} v${mv.version}`,
    attributes: {
      stage: mv.currentStage,
      storage: mv.storageLocation,
      source: mv.source,
      ...(mv.aliases.length ? { aliases: mv.aliases.join(', ') } : {}),
      created: new Date(mv.creationTimestamp).toISOString(),
    },
  });
  add({ id: `registered_model:${mv.name}`, kind: 'registered_model', label: mv.name, attributes: {} });
  edges.push({ from: root, to: `registered_model:${mv.name}`, relation: 'version_of' });

  if (mv.modelId) {
    const logged = await deps.loggedModels.get(mv.modelId, { allowDeleted: true }).catch(() => undefined);
    if (logged) {
      add({
        id: `logged_model:${logged.modelId}`,
        kind: 'logged_model',
        label: logged.name,
        attributes: { status: logged.status, artifacts: logged.artifactUri },
      });
      edges.push({ from: root, to: `logged_model:${logged.modelId}`, relation: 'packaged_as' });
    }
  }
  /**
   * A run with its experiment, the datasets it read and its commit. Pipeline stage runs read upstream outputs, logged
   * as inputs whose source names the run that produced them; those runs are added too (data → stages → model).
   */
  const seen = new Set<string>();
  const addRun = async (runId: string, depth: number): Promise<string | undefined> => {
    const runNode = `run:${runId}`;
    if (seen.has(runId)) return runNode;
    seen.add(runId);
    const run = await deps.runs.get(runId).catch(() => undefined);
    if (!run) return undefined;
    const tag = (key: string) => run.data.tags.find((t) => t.key === key)?.value;
    const stage = tag('mloop.pipeline.stage');
    add({
      id: runNode,
      kind: 'run',
      label: run.info.runName,
      attributes: {
        status: run.info.status,
        started: new Date(run.info.startTime).toISOString(),
        ...(stage ? { stage } : {}),
        ...Object.fromEntries(run.data.params.map((p) => [`param.${p.key}`, p.value])),
        ...Object.fromEntries(run.data.metrics.map((m) => [`metric.${m.key}`, String(m.value)])),
      },
    });
    const experiment = await deps.experiments.get(run.info.experimentId).catch(() => undefined);
    add({
      id: `experiment:${run.info.experimentId}`,
      kind: 'experiment',
      label: experiment?.name ?? `experiment ${run.info.experimentId}`,
      attributes: { id: run.info.experimentId },
    });
    edges.push({ from: runNode, to: `experiment:${run.info.experimentId}`, relation: 'in_experiment' });
    for (const input of run.inputs.datasetInputs) {
      const id = `dataset:${input.dataset.name}@${input.dataset.digest}`;
      const context = input.tags.find((t) => t.key === 'mlflow.data.context')?.value;
      add({
        id,
        kind: 'dataset',
        label: `${input.dataset.name}@${input.dataset.digest}`,
        attributes: {
          source: input.dataset.source,
          sourceType: input.dataset.sourceType,
          ...(context ? { context } : {}),
        },
      });
      edges.push({ from: runNode, to: id, relation: 'read' });
      if (input.dataset.sourceType === 'mloop-stage-output' && depth < MAX_STAGE_DEPTH) {
        const producer = stageOutputRun(input.dataset.source);
        const producerNode = producer ? await addRun(producer, depth + 1) : undefined;
        if (producerNode) edges.push({ from: id, to: producerNode, relation: 'produced_by' });
      }
    }
    const commit = tag(TAG.gitCommit);
    if (commit) {
      const id = `commit:${commit}`;
      add({
        id,
        kind: 'commit',
        label: commit.slice(0, 12),
        attributes: {
          commit,
          ...(tag(TAG.gitDirty) ? { dirty: tag(TAG.gitDirty)! } : {}),
          ...(tag('mlflow.source.git.branch') ? { branch: tag('mlflow.source.git.branch')! } : {}),
          ...(tag(TAG.sourceName) ? { entry: tag(TAG.sourceName)! } : {}),
        },
      });
      if (!edges.some((e) => e.from === runNode && e.to === id))
        edges.push({ from: runNode, to: id, relation: 'at_commit' });
    }
    return runNode;
  };
  if (mv.runId && (await deps.runs.get(mv.runId).catch(() => undefined))) {
    edges.push({ from: root, to: `run:${mv.runId}`, relation: 'produced_by' });
    await addRun(mv.runId, 0);
  }
  const loopRunId = mv.tags.find((t) => t.key === 'mloop.loop_run')?.value;
  const loopRun = loopRunId ? await deps.loops?.getRun(loopRunId).catch(() => undefined) : undefined;
  if (loopRun) {
    const id = `loop_run:${loopRun.id}`;
    add({
      id,
      kind: 'loop_run',
      label: `loop run ${loopRun.id.slice(0, 8)}`,
      attributes: {
        id: loopRun.id,
        state: loopRun.state,
        started: new Date(loopRun.creationTimestamp).toISOString(),
      },
    });
    edges.push({ from: root, to: id, relation: 'trained_by' });
    const trigger = `trigger:${loopRun.id}`;
    add({
      id: trigger,
      kind: 'trigger',
      label: loopRun.trigger.kind,
      attributes: flatten(loopRun.trigger.evidence),
    });
    edges.push({ from: id, to: trigger, relation: 'triggered_by' });
  }
  return { root, nodes: [...nodes.values()], edges };
}

/** Evidence as node attributes: scalars by their dotted path, anything else as JSON (short). */
function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value === null || value === undefined) return out;
  if (typeof value === 'object' && !Array.isArray(value) && Object.keys(out).length < 40) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    return out;
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  out[prefix || 'value'] = text.length > 200 ? `${text.slice(0, 197)}...` : text;
  return out;
}
