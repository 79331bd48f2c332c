import type { Kysely } from 'kysely';

/** Dataset names and their versions; the content itself lives in the artifact store under datasets/sha256/. */
export function dataMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('dataset_names')
        .addColumn('name', 'varchar(256)', (c) => c.primaryKey())
        // Versions are never renumbered.
        .addColumn('next_version', 'integer', (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_update_time', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('dataset_versions')
        .addColumn('name', 'varchar(256)', (c) =>
          c.notNull().references('dataset_names.name').onDelete('cascade').onUpdate('cascade'),
        )
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('kind', 'varchar(8)', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('files', 'integer', (c) => c.notNull())
        .addColumn('rows', 'bigint')
        .addColumn('format', 'varchar(16)')
        .addColumn('schema', 'text')
        .addColumn('profile', 'text')
        .addColumn('source_path', 'text', (c) => c.notNull())
        .addColumn('user_id', 'varchar(256)')
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('dataset_versions_pk', ['name', 'version'])
        .addUniqueConstraint('dataset_versions_hash_uq', ['name', 'hash'])
        .execute();
      await db.schema
        .createIndex('dataset_versions_hash_idx')
        .on('dataset_versions')
        .column('hash')
        .execute();
    },
  };
}
