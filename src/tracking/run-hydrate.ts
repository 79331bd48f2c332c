import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import type { StoreDialect } from '../store/dialect.js';
import type { Store } from '../store/open-store.js';
import type { Database, RunModelTable, RunTable } from '../store/schema.js';
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
export async function hydrateRuns(store: Store, runIds: readonly string[]): Promise<Run[]> {
  const runs: Run[] = [];
  for (let i = 0; i < runIds.length; i += CHUNK)
    runs.push(...(await hydrateChunk(store.db, store.dialect, runIds.slice(i, i + CHUNK))));
  return runs;
}

type KeyValueItem = [key: string, value: string];
type MetricItem = [key: string, value: number, timestamp: number, step: number, isNan: number];

/**
 * Each run's rows of `table` as one JSON array, ordered by key: a run's 10 params arrive as one row and one
 * JSON.parse instead of 10 rows materialized column by column by the driver, which was most of a search's cost of
 * loading its page of runs. Both databases render doubles round-trip exact.
 */
function perRunJson<T>(
  db: Kysely<Database>,
  dialect: StoreDialect,
  table: 'params' | 'tags' | 'latest_metrics',
  columns: readonly string[],
  ids: readonly string[],
): Promise<Map<string, T[]>> {
  const item = sql`${sql.raw(dialect.jsonArray)}(${sql.join(columns.map((c) => sql.ref(c)))})`;
  const query: RawBuilder<{ run_id: string; items: string | T[] }> = sql`
    select run_id, ${sql.raw(dialect.jsonArrayAgg)}(${item} order by key) as items
    from ${sql.table(table)} where run_id in (${sql.join(ids)}) group by run_id`;
  return query
    .execute(db)
    .then(
      ({ rows }) =>
        new Map(
          rows.map((r) => [r.run_id, typeof r.items === 'string' ? (JSON.parse(r.items) as T[]) : r.items]),
        ),
    );
}

/**
 * A run `RunService.create` has just written: its row is the one inserted, and a run that nobody else has seen yet
 * has no params, metrics or outputs, so only its tags and whatever inputs it was created with are read back (in
 * the store's order, as `hydrateRuns` reads them): one to three queries instead of six. Pipelines create a run per
 * stage, and this is a fifth of the statements a tracked stage costs.
 */
export async function hydrateCreatedRun(
  store: Store,
  row: Selectable<RunTable>,
  written: { datasets: boolean; models: boolean },
): Promise<Run> {
  const ids = [row.run_id];
  const [tags, inputs, models] = await Promise.all([
    perRunJson<KeyValueItem>(store.db, store.dialect, 'tags', ['key', 'value'], ids),
    written.datasets ? selectInputs(store.db, ids) : Promise.resolve([]),
    written.models ? selectModels(store.db, ids) : Promise.resolve([]),
  ]);
  return assemble(ids, [row], new Map(), tags, new Map(), inputs, models)[0]!;
}

const selectInputs = (db: Kysely<Database>, ids: readonly string[]) =>
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
    .execute();

const selectModels = (db: Kysely<Database>, ids: readonly string[]) =>
  db.selectFrom('run_models').selectAll().where('run_id', 'in', ids).execute();

async function hydrateChunk(db: Kysely<Database>, dialect: StoreDialect, ids: string[]): Promise<Run[]> {
  if (ids.length === 0) return [];
  const [rows, params, tags, metrics, inputs, models] = await Promise.all([
    db.selectFrom('runs').selectAll().where('run_id', 'in', ids).execute(),
    perRunJson<KeyValueItem>(db, dialect, 'params', ['key', 'value'], ids),
    perRunJson<KeyValueItem>(db, dialect, 'tags', ['key', 'value'], ids),
    perRunJson<MetricItem>(
      db,
      dialect,
      'latest_metrics',
      ['key', 'value', 'timestamp', 'step', 'is_nan'],
      ids,
    ),
    selectInputs(db, ids),
    selectModels(db, ids),
  ]);
  return assemble(ids, rows, params, tags, metrics, inputs, models);
}

function assemble(
  ids: readonly string[],
  rows: Selectable<RunTable>[],
  params: Map<string, KeyValueItem[]>,
  tags: Map<string, KeyValueItem[]>,
  metrics: Map<string, MetricItem[]>,
  inputs: Awaited<ReturnType<typeof selectInputs>>,
  models: Selectable<RunModelTable>[],
): Run[] {
  const kv = ([key, value]: KeyValueItem): Tag => ({ key, value });
  const metric = ([key, value, timestamp, step, isNan]: MetricItem): Metric => ({
    key,
    value: storedValue({ value, is_nan: isNan }),
    timestamp,
    step,
  });
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
          metrics: metrics.get(id)?.map(metric) ?? [],
          params: params.get(id)?.map(kv) ?? [],
          tags: tags.get(id)?.map(kv) ?? [],
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
