import { DATASET_VERSION_TAG } from '../data/lineage.js';
import type { DataProfile } from '../data/profile/profile.js';
import type { Services } from '../server/services.js';
import type { MonitorConfig } from './config.js';

export interface Reference {
  /** `name@version` of the dataset version whose profile is the reference. */
  dataset: string;
  source: 'lineage' | 'config';
  profile: DataProfile;
}

type Deps = Pick<Services, 'registry' | 'runs' | 'datasets'>;

const TRAINING_CONTEXTS = ['training', 'train'];

/**
 * The reference of a model version: the profile of the dataset version it was trained on, found through lineage
 * (model version → run → dataset inputs tagged `mloop.dataset.version`, a `training` context first), or the
 * configured `referenceDataset` when that is set (it wins). Undefined when neither leads to a profiled version.
 */
export async function findReference(
  deps: Deps,
  model: string,
  version: string,
  config: MonitorConfig,
): Promise<Reference | undefined> {
  if (config.referenceDataset) {
    const at = config.referenceDataset.lastIndexOf('@');
    const v = await deps.datasets.get(
      config.referenceDataset.slice(0, at),
      config.referenceDataset.slice(at + 1),
    );
    return v.profile
      ? { dataset: `${v.name}@${v.version}`, source: 'config', profile: v.profile }
      : undefined;
  }
  const mv = await deps.registry.resolveVersion(model, version).catch(() => undefined);
  if (!mv?.runId) return undefined;
  const run = await deps.runs.get(mv.runId).catch(() => undefined);
  if (!run) return undefined;
  const inputs = run.inputs.datasetInputs
    .map((input) => ({
      ref: input.tags.find((t) => t.key === DATASET_VERSION_TAG)?.value,
      context: input.tags.find((t) => t.key === 'mlflow.data.context')?.value ?? '',
    }))
    .filter((x): x is { ref: string; context: string } => !!x.ref)
    .sort(
      (a, b) => Number(TRAINING_CONTEXTS.includes(b.context)) - Number(TRAINING_CONTEXTS.includes(a.context)),
    );
  for (const input of inputs) {
    const at = input.ref.lastIndexOf('@');
    const v = await deps.datasets.get(input.ref.slice(0, at), input.ref.slice(at + 1)).catch(() => undefined);
    if (v?.profile) return { dataset: `${v.name}@${v.version}`, source: 'lineage', profile: v.profile };
  }
  return undefined;
}

/** Caches references per (model, version, override) for a minute: they change only when a run or config does. */
export class ReferenceCache {
  readonly #cache = new Map<string, { at: number; value: Promise<Reference | undefined> }>();
  constructor(
    private readonly deps: Deps,
    private readonly ttlMs = 60_000,
  ) {}

  get(model: string, version: string, config: MonitorConfig): Promise<Reference | undefined> {
    const key = `${model}\u0000${version}\u0000${config.referenceDataset ?? ''}`;
    const hit = this.#cache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = findReference(this.deps, model, version, config);
    this.#cache.set(key, { at: Date.now(), value });
    value.catch(() => this.#cache.delete(key));
    return value;
  }
}
