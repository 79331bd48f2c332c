import type { Migration } from 'kysely';
import type { StoreDialect } from '../dialect.js';
import { trackingMigration } from './001-tracking.js';
import { registryMigration } from './002-registry.js';
import { dataMigration } from './003-data.js';
import { servingMigration } from './004-serving.js';
import { authMigration } from './005-auth.js';
import { monitoringMigration } from './006-monitoring.js';
import { loopMigration } from './008-loop.js';
import { metricSeriesMigration } from './009-metric-series.js';
import { clusterRunValuesMigration } from './010-cluster-run-values.js';
import { metricChunksMigration } from './011-metric-chunks.js';
import { monitorLabeledMigration } from './012-monitor-labeled.js';

/**
 * Versioned migrations, applied in name order on start by `openStore`. Append new ones; never edit a released one.
 */
export function migrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    '001-tracking': trackingMigration(dialect),
    '002-registry': registryMigration(),
    '005-auth': authMigration(dialect),
    '004-serving': servingMigration(),
    '003-data': dataMigration(),
    '008-loop': loopMigration(),
    '006-monitoring': monitoringMigration(),
    '009-metric-series': metricSeriesMigration(dialect),
    '010-cluster-run-values': clusterRunValuesMigration(dialect),
    '011-metric-chunks': metricChunksMigration(dialect),
    '012-monitor-labeled': monitorLabeledMigration(),
  };
}
