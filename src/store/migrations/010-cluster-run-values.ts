import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * SQLite only: `params` and `latest_metrics` become WITHOUT ROWID tables, clustered on their (run_id, key) primary
 * key. As rowid tables, every lookup by run — each filter clause of a search, each run of a page being loaded — went
 * through the primary-key index and then to the row elsewhere in the table; clustered, a run's values sit together
 * in key order and one B-tree descent reads them. This halved the CPU of the benchmark's search statement. Rows are
 * small (a key and a short value), which is where WITHOUT ROWID pays; `tags` keep their rowid because tag values
 * can be kilobytes (notebook sources, model histories). PostgreSQL stores every table as a heap and has no
 * equivalent, so it is unchanged.
 */
export function clusterRunValuesMigration(dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect.name !== 'sqlite') return;

      await db.schema
        .createTable('params_clustered')
        .addColumn('run_id', 'varchar(32)', (c) => c.notNull().references('runs.run_id').onDelete('cascade'))
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('params_pk', ['run_id', 'key'])
        .modifyEnd(sql`without rowid`)
        .execute();
      await sql`insert into params_clustered (run_id, key, value)
                select run_id, key, value from params order by run_id, key`.execute(db);
      await db.schema.dropTable('params').execute();
      await sql`alter table params_clustered rename to params`.execute(db);
      await db.schema.createIndex('params_key_value_idx').on('params').columns(['key', 'value']).execute();

      await db.schema
        .createTable('latest_metrics_clustered')
        .addColumn('run_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('latest_metrics_pk', ['run_id', 'key'])
        .modifyEnd(sql`without rowid`)
        .execute();
      await sql`insert into latest_metrics_clustered (run_id, key, step, "timestamp", value, is_nan)
                select run_id, key, step, "timestamp", value, is_nan from latest_metrics
                order by run_id, key`.execute(db);
      await db.schema.dropTable('latest_metrics').execute();
      await sql`alter table latest_metrics_clustered rename to latest_metrics`.execute(db);
      // Same definition as 001's: search walks it in value order per key, values before NaNs.
      await db.schema
        .createIndex('latest_metrics_key_value_idx')
        .on('latest_metrics')
        .columns(['key', 'is_nan', 'value'])
        .execute();
    },
  };
}
