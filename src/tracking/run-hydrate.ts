import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { storedValue } from './metric-values.js';
import type { DatasetInput, Metric, Run, RunStatus, Tag } from './types.js';

const CHUNK = 500;

function group<T extends { run_id: string }, V>(rows: T[], map: (row: T) => V): Map<string, V[]> {
  const out = new Map<string, V[]>();
  for (const row of rows) {
    const list = out.get(row.run_id);
    if (list) list.push(map(row));
    else out.set(row.run_id, [map(row)]);
  }
  return out;
}

/** Loads whole runs for ids, in the order given, with one query per table per chunk (no N+1). */
export async function hydrateRuns(db: Kysely<Database>, runIds: readonly string[]): Promise<Run[]> {
  const runs: Run[] = [];
  for (let i = 0; i < runIds.length; i += CHUNK)
    runs.push(...(await hydrateChunk(db, runIds.slice(i, i + CHUNK))));
  return runs;
}

async function hydrateChunk(db: Kysely<Database>, ids: string[]): Promise<Run[]> {
  if (ids.length === 0) return [];
  const [rows, params, tags, metrics, inputs, models] = await Promise.all([
    db.selectFrom('runs').selectAll().where('run_id', 'in', ids).execute(),
    db.selectFrom('params').selectAll().where('run_id', 'in', ids).orderBy('key').execute(),
    db.selectFrom('tags').selectAll().where('run_id', 'in', ids).orderBy('key').execute(),
    db.selectFrom('latest_metrics').selectAll().where('run_id', 'in', ids).orderBy('key').execute(),
    db
      .selectFrom('run_inputs as i')
      .innerJoin('datasets as d', 'd.dataset_uuid', 'i.dataset_uuid')
      .select([
        'i.run_id',
        'i.tags',
        'd.name',
        'd.digest',
        'd.source_type',
        'd.source',
        'd.schema',
        'd.profile',
      ])
      .where('i.run_id', 'in', ids)
      .execute(),
    db.selectFrom('run_models').selectAll().where('run_id', 'in', ids).execute(),
  ]);
  const kv = (r: { key: string; value: string }): Tag => ({ key: r.key, value: r.value });
  const paramsBy = group(params, kv);
  const tagsBy = group(tags, kv);
  const metricsBy = group(
    metrics,
    (m): Metric => ({ key: m.key, value: storedValue(m), timestamp: m.timestamp, step: m.step }),
  );
  const inputsBy = group(
    inputs,
    (d): DatasetInput => ({
      tags: JSON.parse(d.tags) as Tag[],
      dataset: {
        name: d.name,
        digest: d.digest,
        sourceType: d.source_type,
        source: d.source,
        ...(d.schema === null ? {} : { schema: d.schema }),
        ...(d.profile === null ? {} : { profile: d.profile }),
      },
    }),
  );
  const modelsBy = group(models, (m) => m);
  const byId = new Map(rows.map((r) => [r.run_id, r]));
  return ids.flatMap((id): Run[] => {
    const r = byId.get(id);
    if (!r) return [];
    const runModels = modelsBy.get(id) ?? [];
    return [
      {
        info: {
          runId: r.run_id,
          runName: r.name,
          experimentId: String(r.experiment_id),
          userId: r.user_id,
          status: r.status as RunStatus,
          startTime: r.start_time,
          ...(r.end_time === null ? {} : { endTime: r.end_time }),
          artifactUri: r.artifact_uri,
          lifecycleStage: r.lifecycle_stage as 'active' | 'deleted',
        },
        data: {
          metrics: metricsBy.get(id) ?? [],
          params: paramsBy.get(id) ?? [],
          tags: tagsBy.get(id) ?? [],
        },
        inputs: {
          datasetInputs: inputsBy.get(id) ?? [],
          modelInputs: runModels.filter((m) => m.direction === 'input').map((m) => ({ modelId: m.model_id })),
        },
        outputs: {
          modelOutputs: runModels
            .filter((m) => m.direction === 'output')
            .map((m) => ({ modelId: m.model_id, step: m.step })),
        },
      },
    ];
  });
}
