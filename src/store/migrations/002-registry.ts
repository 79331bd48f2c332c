import type { Kysely } from 'kysely';

/** Registered models, versions, aliases and the history of every alias move. */
export function registryMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('registered_models')
        .addColumn('name', 'varchar(256)', (c) => c.primaryKey())
        .addColumn('description', 'text')
        .addColumn('user_id', 'varchar(256)')
        .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_timestamp', 'bigint', (c) => c.notNull())
        // Versions are never renumbered, even after the newest one is deleted.
        .addColumn('next_version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('registered_model_tags')
        .addColumn('name', 'varchar(256)', (c) =>
          c.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
        )
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('registered_model_tags_pk', ['name', 'key'])
        .execute();
      await db.schema
        .createTable('model_versions')
        .addColumn('name', 'varchar(256)', (c) =>
          c.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
        )
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('user_id', 'varchar(256)')
        .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('current_stage', 'varchar(20)', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('storage_location', 'text', (c) => c.notNull())
        .addColumn('run_id', 'varchar(32)')
        .addColumn('run_link', 'text')
        .addColumn('model_id', 'varchar(64)')
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('status_message', 'text')
        .addPrimaryKeyConstraint('model_versions_pk', ['name', 'version'])
        .execute();
      await db.schema.createIndex('model_versions_run_idx').on('model_versions').column('run_id').execute();
      await db.schema
        .createTable('model_version_tags')
        .addColumn('name', 'varchar(256)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('model_version_tags_pk', ['name', 'version', 'key'])
        .addForeignKeyConstraint(
          'model_version_tags_fk',
          ['name', 'version'],
          'model_versions',
          ['name', 'version'],
          (fk) => fk.onDelete('cascade').onUpdate('cascade'),
        )
        .execute();
      // The foreign key is the invariant "an alias always points to an existing version".
      await db.schema
        .createTable('model_aliases')
        .addColumn('name', 'varchar(256)', (c) => c.notNull())
        .addColumn('alias', 'varchar(256)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('model_aliases_pk', ['name', 'alias'])
        .addForeignKeyConstraint(
          'model_aliases_fk',
          ['name', 'version'],
          'model_versions',
          ['name', 'version'],
          (fk) => fk.onDelete('restrict').onUpdate('cascade'),
        )
        .execute();
      await db.schema
        .createTable('model_alias_events')
        .addColumn('name', 'varchar(256)', (c) => c.notNull())
        .addColumn('alias', 'varchar(256)', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('from_version', 'integer')
        .addColumn('to_version', 'integer')
        .addColumn('actor', 'varchar(256)', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('model_alias_events_pk', ['name', 'alias', 'seq'])
        .execute();
    },
  };
}
