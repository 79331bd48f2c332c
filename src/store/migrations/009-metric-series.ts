import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Metric points keyed by an integer series id instead of the (32-character run id, key string) pair on every row.
 * `metrics` repeated both strings in each point and in its primary key, so a point cost ~100 bytes of B-tree and a
 * string comparison per level on insert; `metric_points` stores five numbers. `metric_series` maps (run, key) to
 * the id. Existing points are copied over, then `metrics` is dropped.
 */
export function metricSeriesMigration(dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('metric_series')
        .addColumn('series_id', dialect.serialType, (c) =>
          // AUTOINCREMENT: an id is never handed out twice, even after the newest series is deleted.
          dialect.serialType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('run_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addUniqueConstraint('metric_series_run_key', ['run_id', 'key'])
        .execute();

      // The primary key doubles as MLflow's duplicate rule: an identical point is dropped, not stored twice. Its
      // order (series, step, timestamp, value) is get-history's order, so a series reads as one index range.
      let points = db.schema
        .createTable('metric_points')
        .addColumn('series_id', 'integer', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('metric_points_pk', ['series_id', 'step', 'timestamp', 'value', 'is_nan']);
      if (dialect.name === 'sqlite') points = points.modifyEnd(sql`without rowid`);
      await points.execute();

      await sql`insert into metric_series (run_id, key)
                select distinct run_id, key from metrics order by run_id, key`.execute(db);
      await sql`insert into metric_points (series_id, step, "timestamp", value, is_nan)
                select s.series_id, m.step, m."timestamp", m.value, m.is_nan
                from metrics m join metric_series s on s.run_id = m.run_id and s.key = m.key`.execute(db);
      await db.schema.dropTable('metrics').execute();
    },
  };
}
