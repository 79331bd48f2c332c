import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/** Experiments, runs, params, tags, metric series, dataset inputs and MLflow 3 logged models. */
export function trackingMigration(dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('experiments')
        .addColumn('experiment_id', dialect.serialType, (c) =>
          dialect.serialType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('name', 'varchar(500)', (c) => c.notNull().unique())
        .addColumn('artifact_location', 'text', (c) => c.notNull())
        .addColumn('lifecycle_stage', 'varchar(32)', (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_update_time', 'bigint', (c) => c.notNull())
        .addColumn('deleted_time', 'bigint')
        .execute();

      await db.schema
        .createTable('experiment_tags')
        .addColumn('experiment_id', 'integer', (c) => c.notNull().references('experiments.experiment_id'))
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('experiment_tags_pk', ['experiment_id', 'key'])
        .execute();

      await db.schema
        .createTable('runs')
        .addColumn('run_id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('experiment_id', 'integer', (c) => c.notNull().references('experiments.experiment_id'))
        .addColumn('name', 'varchar(250)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(256)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('start_time', 'bigint', (c) => c.notNull())
        .addColumn('end_time', 'bigint')
        .addColumn('lifecycle_stage', 'varchar(32)', (c) => c.notNull())
        .addColumn('artifact_uri', 'text', (c) => c.notNull())
        .addColumn('deleted_time', 'bigint')
        .execute();
      await db.schema
        .createIndex('runs_experiment_idx')
        .on('runs')
        .columns(['experiment_id', 'lifecycle_stage', 'start_time'])
        .execute();

      for (const table of ['params', 'tags'] as const) {
        await db.schema
          .createTable(table)
          .addColumn('run_id', 'varchar(32)', (c) =>
            c.notNull().references('runs.run_id').onDelete('cascade'),
          )
          .addColumn('key', 'varchar(250)', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['run_id', 'key'])
          .execute();
        await db.schema.createIndex(`${table}_key_value_idx`).on(table).columns(['key', 'value']).execute();
      }

      // The primary key doubles as MLflow's duplicate rule: an identical point is dropped, not stored twice.
      let metrics = db.schema
        .createTable('metrics')
        .addColumn('run_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('metrics_pk', ['run_id', 'key', 'step', 'timestamp', 'value', 'is_nan']);
      if (dialect.name === 'sqlite') metrics = metrics.modifyEnd(sql`without rowid`);
      await metrics.execute();

      await db.schema
        .createTable('latest_metrics')
        .addColumn('run_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('latest_metrics_pk', ['run_id', 'key'])
        .execute();
      // Search walks this index in value order per key; is_nan before value makes each tier of a metric-ordered search
      // (values, then NaNs) one index range, instead of a scan of every run's value that checks is_nan row by row.
      await db.schema
        .createIndex('latest_metrics_key_value_idx')
        .on('latest_metrics')
        .columns(['key', 'is_nan', 'value'])
        .execute();

      await db.schema
        .createTable('datasets')
        .addColumn('dataset_uuid', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('experiment_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'varchar(500)', (c) => c.notNull())
        .addColumn('digest', 'varchar(36)', (c) => c.notNull())
        .addColumn('source_type', 'varchar(36)', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('schema', 'text')
        .addColumn('profile', 'text')
        .addUniqueConstraint('datasets_identity', ['experiment_id', 'name', 'digest'])
        .execute();

      await db.schema
        .createTable('run_inputs')
        .addColumn('run_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('dataset_uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('context', 'varchar(500)')
        .addPrimaryKeyConstraint('run_inputs_pk', ['run_id', 'dataset_uuid'])
        .execute();

      await db.schema
        .createTable('run_models')
        .addColumn('run_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('model_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('direction', 'varchar(8)', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_models_pk', ['run_id', 'model_id', 'direction'])
        .execute();

      await db.schema
        .createTable('logged_models')
        .addColumn('model_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('experiment_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'varchar(500)', (c) => c.notNull())
        .addColumn('artifact_location', 'text', (c) => c.notNull())
        .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('status_message', 'text')
        .addColumn('lifecycle_stage', 'varchar(32)', (c) => c.notNull())
        .addColumn('model_type', 'varchar(500)')
        .addColumn('source_run_id', 'varchar(32)')
        .execute();
      await db.schema
        .createIndex('logged_models_experiment_idx')
        .on('logged_models')
        .columns(['experiment_id', 'creation_timestamp'])
        .execute();
      for (const table of ['logged_model_tags', 'logged_model_params'] as const) {
        await db.schema
          .createTable(table)
          .addColumn('model_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('key', 'varchar(250)', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['model_id', 'key'])
          .execute();
      }
      await db.schema
        .createTable('logged_model_metrics')
        .addColumn('model_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('run_id', 'varchar(32)')
        .addColumn('dataset_name', 'varchar(500)')
        .addColumn('dataset_digest', 'varchar(36)')
        .execute();
      await db.schema
        .createIndex('logged_model_metrics_idx')
        .on('logged_model_metrics')
        .columns(['model_id', 'key'])
        .execute();
    },
  };
}
