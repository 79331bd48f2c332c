import type { Kysely } from 'kysely';

/**
 * Live monitoring: per-deployment configuration, per-window profiles (one row per replica, merged on read),
 * predictions kept for the retention period so that ground truth can join them, closed-window evaluations and alerts.
 */
export function monitoringMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('monitor_configs')
        .addColumn('deployment', 'varchar(128)', (c) => c.primaryKey())
        // JSON: the resolved MonitorConfig (src/monitor/config.ts).
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('monitor_windows')
        .addColumn('deployment', 'varchar(128)', (c) => c.notNull())
        .addColumn('model_version', 'varchar(64)', (c) => c.notNull())
        // 1 for a shadow route's predictions, 0 for the answers callers got.
        .addColumn('shadow', 'integer', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        // The process that wrote the row: replicas never write each other's rows, reads merge them.
        .addColumn('replica', 'varchar(64)', (c) => c.notNull())
        .addColumn('model', 'varchar(256)', (c) => c.notNull())
        .addColumn('window_ms', 'integer', (c) => c.notNull())
        .addColumn('requests', 'bigint', (c) => c.notNull())
        .addColumn('errors', 'bigint', (c) => c.notNull())
        // JSON DataProfile of the inputs and of the outputs; JSON ColumnProfile of latency in ms.
        .addColumn('inputs', 'text', (c) => c.notNull())
        .addColumn('outputs', 'text', (c) => c.notNull())
        .addColumn('latency', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('monitor_windows_pk', [
          'deployment',
          'window_start',
          'model_version',
          'shadow',
          'replica',
        ])
        .execute();
      await db.schema
        .createTable('monitor_predictions')
        .addColumn('prediction_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('shadow', 'integer', (c) => c.notNull())
        .addColumn('deployment', 'varchar(128)', (c) => c.notNull())
        .addColumn('model_version', 'varchar(64)', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        // JSON {labels?, scores?, classes?, values?}: one entry per row of the request.
        .addColumn('output', 'text', (c) => c.notNull())
        // JSON: the sensitive column's value per row, when one is configured.
        .addColumn('groups', 'text')
        // JSON: the ground truth per row, once it arrived.
        .addColumn('label', 'text')
        .addColumn('label_time', 'bigint')
        .addPrimaryKeyConstraint('monitor_predictions_pk', ['prediction_id', 'shadow'])
        .execute();
      await db.schema
        .createIndex('monitor_predictions_window_idx')
        .on('monitor_predictions')
        .columns(['deployment', 'window_start'])
        .execute();
      await db.schema
        .createIndex('monitor_predictions_time_idx')
        .on('monitor_predictions')
        .column('timestamp')
        .execute();
      await db.schema
        .createTable('monitor_evaluations')
        .addColumn('deployment', 'varchar(128)', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('window_ms', 'integer', (c) => c.notNull())
        // The replica that claimed the evaluation (inserting the row is the claim) and what it found (JSON).
        .addColumn('evaluator', 'varchar(64)', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('evaluated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('monitor_evaluations_pk', ['deployment', 'window_start'])
        .execute();
      await db.schema
        .createTable('monitor_alerts')
        .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('deployment', 'varchar(128)', (c) => c.notNull())
        .addColumn('rule', 'varchar(128)', (c) => c.notNull())
        .addColumn('kind', 'varchar(32)', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('window_end', 'bigint', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('bound', 'double precision')
        .addColumn('message', 'text', (c) => c.notNull())
        // JSON: one {url, status, attempts, error?} per webhook.
        .addColumn('deliveries', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('monitor_alerts_deployment_idx')
        .on('monitor_alerts')
        .columns(['deployment', 'created_at'])
        .execute();
    },
  };
}
