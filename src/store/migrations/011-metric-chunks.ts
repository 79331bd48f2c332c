import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../dialect.js';
import { type ChunkPoint, encodeChunks, type MetricChunkRow } from '../metric-chunks.js';

/** Series converted per read of `metric_points`: bounds the memory a migration of a large store needs. */
const SERIES_PER_PAGE = 5000;
/** Chunk rows per INSERT: 5 bound values each, under SQLite's and PostgreSQL's bind-parameter limits. */
const ROWS_PER_INSERT = 500;

interface PointRow extends ChunkPoint {
  series_id: number;
}

/**
 * Metric points move from a row each (`metric_points`, 009) to chunks, a row per series per logged batch
 * (`store/metric-chunks.ts` explains the encoding and why). Existing points become chunks of up to
 * MAX_CHUNK_POINTS points in get-history order, series by series, then `metric_points` is dropped.
 */
export function metricChunksMigration(dialect: StoreDialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('metric_chunks')
        .addColumn('chunk_id', dialect.serialType, (c) => c.primaryKey())
        .addColumn('series_id', 'integer', (c) => c.notNull())
        .addColumn('min_step', 'bigint', (c) => c.notNull())
        .addColumn('max_step', 'bigint', (c) => c.notNull())
        .addColumn('points', 'integer', (c) => c.notNull())
        .addColumn('data', dialect.name === 'sqlite' ? 'blob' : 'bytea', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('metric_chunks_series_idx')
        .on('metric_chunks')
        .columns(['series_id', 'min_step'])
        .execute();

      const points = db as unknown as Kysely<{ metric_points: PointRow; metric_chunks: MetricChunkRow }>;
      const bounds = await sql<{ lo: number | null; hi: number | null }>`
        select min(series_id) as lo, max(series_id) as hi from metric_points`.execute(db);
      const lo = bounds.rows[0]?.lo;
      const hi = bounds.rows[0]?.hi;
      if (lo !== null && lo !== undefined && hi !== null && hi !== undefined) {
        for (let first = Number(lo); first <= Number(hi); first += SERIES_PER_PAGE) {
          const rows = await points
            .selectFrom('metric_points')
            .select(['series_id', 'step', 'timestamp', 'value', 'is_nan'])
            .where('series_id', '>=', first)
            .where('series_id', '<', first + SERIES_PER_PAGE)
            .orderBy('series_id')
            .orderBy('step')
            .orderBy('timestamp')
            .orderBy('value')
            .execute();
          const chunks = encodeChunks(
            rows.map((r) => ({ ...r, step: Number(r.step), timestamp: Number(r.timestamp) })),
            (r) => r.series_id,
          );
          for (let i = 0; i < chunks.length; i += ROWS_PER_INSERT) {
            await points
              .insertInto('metric_chunks')
              .values(chunks.slice(i, i + ROWS_PER_INSERT))
              .execute();
          }
        }
      }
      await db.schema.dropTable('metric_points').execute();
    },
  };
}
