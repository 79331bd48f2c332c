import { type Kysely, Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoreDialect } from '../../src/store/dialect.js';
import { migrations } from '../../src/store/migrations/index.js';
import { dialectFor, openStore, type Store } from '../../src/store/open-store.js';
import { ExperimentService } from '../../src/tracking/experiment-service.js';
import { MetricHistoryService } from '../../src/tracking/metric-history.js';
import { RunService } from '../../src/tracking/run-service.js';
import { STORE_BACKENDS } from '../support/stores.js';

const DBL_MAX = 1.7976931348623157e308;

/** The migrations an mloop release before 009 shipped. */
function before009(dialect: StoreDialect) {
  return Object.fromEntries(Object.entries(migrations(dialect)).filter(([name]) => name < '009'));
}

/** A store at the schema before 009 (points in `metrics`, keyed by run id and key strings), as an older mloop left it. */
async function createAtPreviousSchema(uri: string): Promise<void> {
  const dialect = await dialectFor(uri);
  const db = dialect.createKysely();
  try {
    const all = before009(dialect);
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => all },
      migrationTableName: 'mloop_migrations',
      migrationLockTableName: 'mloop_migrations_lock',
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
    const raw = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await raw
      .insertInto('experiments')
      .values({
        name: 'old',
        artifact_location: 'mlflow-artifacts:/1',
        lifecycle_stage: 'active',
        creation_time: 1,
        last_update_time: 1,
      })
      .execute();
    const [experiment] = (
      await sql<{ id: number }>`select max(experiment_id) as id from experiments`.execute(db)
    ).rows;
    for (const runId of [RUN_A, RUN_B]) {
      await raw
        .insertInto('runs')
        .values({
          run_id: runId,
          experiment_id: Number(experiment!.id),
          name: runId.slice(0, 4),
          user_id: 'u',
          status: 'RUNNING',
          start_time: 1,
          lifecycle_stage: 'active',
          artifact_uri: `mlflow-artifacts:/1/${runId}/artifacts`,
        })
        .execute();
    }
    const point = (
      run_id: string,
      key: string,
      step: number,
      timestamp: number,
      value: number,
      is_nan = 0,
    ) => ({
      run_id,
      key,
      step,
      timestamp,
      value,
      is_nan,
    });
    await raw
      .insertInto('metrics')
      .values([
        point(RUN_A, 'loss', 2, 30, 0.2),
        point(RUN_A, 'loss', 0, 10, 0.9),
        point(RUN_A, 'loss', 1, 20, 0, 1),
        point(RUN_A, 'loss', 1, 20, 0.5),
        point(RUN_A, 'acc', 0, 10, DBL_MAX),
        point(RUN_B, 'loss', 0, 10, 0.7),
      ])
      .execute();
    await raw
      .insertInto('params')
      .values([
        { run_id: RUN_A, key: 'lr', value: '0.1' },
        { run_id: RUN_A, key: 'depth', value: '3' },
        { run_id: RUN_B, key: 'lr', value: '0.2' },
      ])
      .execute();
    await raw
      .insertInto('latest_metrics')
      .values([
        point(RUN_A, 'loss', 2, 30, 0.2),
        point(RUN_A, 'acc', 0, 10, DBL_MAX),
        point(RUN_B, 'loss', 0, 10, 0.7),
      ])
      .execute();
  } finally {
    await dialect.close();
  }
}

const RUN_A = 'a'.repeat(32);
const RUN_B = 'b'.repeat(32);

const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

for (const backend of STORE_BACKENDS) {
  describe(`009-metric-series, 010-cluster-run-values and 011-metric-chunks upgrade on ${backend.name}`, () => {
    it('moves every point of an existing store into metric chunks, unchanged through the API', async () => {
      const uri = await backend.uri();
      await createAtPreviousSchema(uri);
      const store = await openStore(uri);
      stores.push(store);
      const runs = new RunService(store, new ExperimentService(store));
      const history = new MetricHistoryService(store, runs);

      const loss = await history.history({ runId: RUN_A, key: 'loss' });
      expect(loss.metrics.map((m) => [m.step, m.timestamp, m.value])).toEqual([
        [0, 10, 0.9],
        [1, 20, Number.NaN],
        [1, 20, 0.5],
        [2, 30, 0.2],
      ]);
      expect((await history.history({ runId: RUN_A, key: 'acc' })).metrics).toEqual([
        { key: 'acc', value: DBL_MAX, timestamp: 10, step: 0 },
      ]);
      expect((await history.history({ runId: RUN_B, key: 'loss' })).metrics).toEqual([
        { key: 'loss', value: 0.7, timestamp: 10, step: 0 },
      ]);
      // One chunk per series (3), holding all 6 points.
      const chunks = await sql<{ n: number; points: number }>`
        select count(*) as n, sum(points) as points from metric_chunks`.execute(store.db);
      expect(Number(chunks.rows[0]!.n)).toBe(3);
      expect(Number(chunks.rows[0]!.points)).toBe(6);
      await expect(sql`select 1 from metrics`.execute(store.db)).rejects.toThrow();
      await expect(sql`select 1 from metric_points`.execute(store.db)).rejects.toThrow();
      if (backend.name === 'sqlite') {
        // 010: params and latest_metrics clustered on (run_id, key), their search indexes recreated.
        const ddl = await sql<{ name: string; sql: string }>`
          select name, sql from sqlite_master where tbl_name in ('params', 'latest_metrics') and sql is not null
          order by name`.execute(store.db);
        expect(ddl.rows.map((r) => r.name)).toEqual([
          'latest_metrics',
          'latest_metrics_key_value_idx',
          'params',
          'params_key_value_idx',
        ]);
        for (const r of ddl.rows.filter((r) => !r.name.endsWith('_idx')))
          expect(r.sql).toMatch(/without rowid$/i);
      }

      // Logging continues on the migrated series: a repeated point is dropped, a new one appended.
      await runs.logBatch(RUN_A, {
        metrics: [
          { key: 'loss', value: 0.2, timestamp: 30, step: 2 },
          { key: 'loss', value: 0.1, timestamp: 40, step: 3 },
          { key: 'new', value: 0.1 + 0.2, timestamp: 40, step: 3 },
          { key: 'nan', value: 'NaN', timestamp: 40, step: 3 },
        ],
      });
      const after = await history.history({ runId: RUN_A, key: 'loss' });
      expect(after.metrics.map((m) => m.step)).toEqual([0, 1, 1, 2, 3]);
      const run = await runs.get(RUN_A);
      expect(run.data.params).toEqual([
        { key: 'depth', value: '3' },
        { key: 'lr', value: '0.1' },
      ]);
      expect((await runs.get(RUN_B)).data.params).toEqual([{ key: 'lr', value: '0.2' }]);
      await expect(runs.logParam(RUN_B, 'lr', '0.3')).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
      });
      await runs.logParam(RUN_B, 'seed', '7');
      expect((await runs.get(RUN_B)).data.params.map((p) => p.key)).toEqual(['lr', 'seed']);
      const search = await runs.search({
        experimentIds: [run.info.experimentId],
        filter: "params.lr = '0.1' and metrics.loss < 0.5",
        orderBy: ['metrics.loss ASC'],
      });
      expect(search.runs.map((r) => r.info.runId)).toEqual([RUN_A]);
      expect(run.data.metrics).toEqual([
        { key: 'acc', value: DBL_MAX, timestamp: 10, step: 0 },
        { key: 'loss', value: 0.1, timestamp: 40, step: 3 },
        { key: 'nan', value: Number.NaN, timestamp: 40, step: 3 },
        // Run data is read back through the databases' JSON rendering: doubles must survive it exactly.
        { key: 'new', value: 0.30000000000000004, timestamp: 40, step: 3 },
      ]);
    });

    it('migrates a store with no metric points at all', async () => {
      const uri = await backend.uri();
      const dialect = await dialectFor(uri);
      const db = dialect.createKysely();
      const all = before009(dialect);
      await new Migrator({
        db,
        provider: { getMigrations: async () => all },
        migrationTableName: 'mloop_migrations',
        migrationLockTableName: 'mloop_migrations_lock',
      }).migrateToLatest();
      await dialect.close();
      const store = await openStore(uri);
      stores.push(store);
      const rows = await sql<{ n: number }>`select count(*) as n from metric_series`.execute(store.db);
      expect(Number(rows.rows[0]!.n)).toBe(0);
    });
  });
}
