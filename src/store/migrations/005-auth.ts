import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/** Users, API tokens, per-resource permissions and the audit log of every write. */
export function authMigration(dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('name', 'varchar(256)', (c) => c.primaryKey())
        .addColumn('password_hash', 'text')
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('tokens')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('user_name', 'varchar(256)', (c) =>
          c.notNull().references('users.name').onDelete('cascade'),
        )
        .addColumn('name', 'varchar(256)', (c) => c.notNull())
        .addColumn('secret_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .execute();
      await db.schema
        .createTable('permissions')
        .addColumn('resource_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('resource_id', 'varchar(512)', (c) => c.notNull())
        .addColumn('user_name', 'varchar(256)', (c) =>
          c.notNull().references('users.name').onDelete('cascade'),
        )
        .addColumn('permission', 'varchar(16)', (c) => c.notNull())
        .addPrimaryKeyConstraint('permissions_pk', ['resource_type', 'resource_id', 'user_name'])
        .execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', dialect.serialType, (c) =>
          dialect.serialType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'varchar(256)', (c) => c.notNull())
        .addColumn('method', 'varchar(8)', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('resource', 'varchar(600)')
        .addColumn('ip', 'varchar(64)')
        .execute();
      await db.schema.createIndex('audit_log_time_idx').on('audit_log').column('timestamp').execute();
    },
  };
}
