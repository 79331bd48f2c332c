import type { Kysely } from 'kysely';

/** Deployments (the current routes of each) and the history of every change, which rollback walks back through. */
export function servingMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('deployments')
        .addColumn('name', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('model_name', 'varchar(256)', (c) => c.notNull())
        // JSON: {routes, shadows, stickyHeader, batching}; the same text as the event that set it.
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_timestamp', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('deployment_events')
        .addColumn('name', 'varchar(128)', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('kind', 'varchar(32)', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        // The event whose spec this one replaced; rollback returns to it.
        .addColumn('previous_seq', 'integer')
        .addColumn('actor', 'varchar(256)', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('deployment_events_pk', ['name', 'seq'])
        .execute();
    },
  };
}
