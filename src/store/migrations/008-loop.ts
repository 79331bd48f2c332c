import type { Kysely } from 'kysely';

/**
 * Continuous training: loop policies (one per registered model), loop runs and their events (the audit trail).
 * `loop_runs.slot` enforces in the database that a model has at most one active run (slot = the model's name) and
 * at most one queued run (slot = name + '#queued'); finished runs have no slot (NULL, which a unique index allows
 * any number of times on both SQLite and PostgreSQL).
 */
export function loopMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('loop_policies')
        .addColumn('model', 'varchar(256)', (c) => c.primaryKey())
        // JSON: the policy as written in mloop.yaml (the `loop:` object), and as resolved by the server.
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        // The dataset version current when the policy was applied: the new-data trigger's first watermark.
        .addColumn('data_version', 'integer')
        .addColumn('actor', 'varchar(256)', (c) => c.notNull())
        .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_timestamp', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('loop_runs')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('model', 'varchar(256)', (c) => c.notNull())
        .addColumn('slot', 'varchar(300)', (c) => c.unique())
        .addColumn('state', 'varchar(32)', (c) => c.notNull())
        .addColumn('trigger_kind', 'varchar(32)', (c) => c.notNull())
        .addColumn('trigger_evidence', 'text', (c) => c.notNull())
        // The resolved policy when the run started (a policy applied later does not change a run in flight).
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('data_version', 'integer')
        .addColumn('champion_version', 'varchar(32)')
        .addColumn('challenger_version', 'varchar(32)')
        // JSON: the deployment's routes before the canary, restored by a rollback.
        .addColumn('routes_before', 'text')
        // JSON: canary bookkeeping (counters carried over restarts, last snapshot).
        .addColumn('canary', 'text')
        .addColumn('step_started_at', 'bigint')
        .addColumn('reason', 'text')
        .addColumn('actor', 'varchar(256)', (c) => c.notNull())
        .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('finished_timestamp', 'bigint')
        .execute();
      await db.schema
        .createIndex('loop_runs_model_idx')
        .on('loop_runs')
        .columns(['model', 'creation_timestamp'])
        .execute();
      await db.schema
        .createTable('loop_events')
        .addColumn('run_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('model', 'varchar(256)', (c) => c.notNull())
        .addColumn('kind', 'varchar(32)', (c) => c.notNull())
        .addColumn('state', 'varchar(32)', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        // JSON: what the decision was based on (trigger evidence, gate numbers, canary metrics, command log tail).
        .addColumn('evidence', 'text')
        .addColumn('actor', 'varchar(256)', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('loop_events_pk', ['run_id', 'seq'])
        .execute();
      await db.schema
        .createIndex('loop_events_model_idx')
        .on('loop_events')
        .columns(['model', 'timestamp'])
        .execute();
    },
  };
}
