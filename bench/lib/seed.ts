import { encodeChunks } from '../../src/store/metric-chunks.js';
import { openStore } from '../../src/store/open-store.js';
import { ExperimentService } from '../../src/tracking/experiment-service.js';
import { type Column, insertRawChunks, openRawDb, type RawDb } from './raw-db.js';
import { hexId, now, prng } from './stats.js';

export const SEARCH_METRICS = 10;
export const SEARCH_PARAMS = 10;

const RUN_COLUMNS: Column[] = [
  ['run_id', 'text'],
  ['experiment_id', 'int4'],
  ['name', 'text'],
  ['user_id', 'text'],
  ['status', 'text'],
  ['start_time', 'int8'],
  ['end_time', 'int8'],
  ['lifecycle_stage', 'text'],
  ['artifact_uri', 'text'],
  ['deleted_time', 'int8'],
];

const CHUNK = 20_000;
const T0 = Date.UTC(2025, 0, 1);

/** Each database's own random numbers: a float uniform in [0, 1) and an integer in {0, 1, 2}. */
const RANDOM = {
  sqlite: { uniform: '(random() / 18446744073709551616.0 + 0.5)', third: '(abs(random()) % 3)' },
  postgres: { uniform: 'random()', third: 'floor(random() * 3)::int' },
} as const;

export interface SeedResult {
  experimentId: string;
  seconds: number;
}

/**
 * Seeds `runs` finished runs into one new experiment, straight into the tables mloop's migration created (openStore
 * runs it). Per run: a distinct start_time, 10 params p1..p10 each 'a', 'b' or 'c' (uniform), 10 metrics m1..m10
 * uniform in [0, 1) (one point each, in `latest_metrics` and as a one-point chunk in `metric_chunks`), and the mlflow.runName and mlflow.user
 * tags. Runs come from the benchmark (a fixed PRNG); params and metrics are generated inside the database with its
 * own random(), one INSERT … SELECT per table, so that seeding 3 million rows takes seconds rather than minutes.
 */
export async function seedSearchRuns(uri: string, runs: number): Promise<SeedResult> {
  const started = now();
  const store = await openStore(uri);
  let experimentId: string;
  try {
    experimentId = await new ExperimentService(store).create({ name: 'bench-search' });
  } finally {
    await store.close();
  }
  const raw = openRawDb(uri, { bulkLoad: true });
  try {
    const random = prng(42);
    // Run ids in key order and start times shuffled: every primary-key insert appends, yet ids and times are unrelated.
    const runIds = Array.from({ length: runs }, () => hexId(random)).sort();
    const starts = shuffle(
      Array.from({ length: runs }, (_, i) => T0 + i * 1000),
      random,
    );
    // Secondary indexes are rebuilt once after the load (the migration's own DDL, read back from the catalog).
    const indexes = await secondaryIndexes(raw, [
      'runs',
      'params',
      'tags',
      'metric_series',
      'metric_chunks',
      'latest_metrics',
    ]);
    for (const index of indexes) await raw.query(`DROP INDEX ${index.name}`);
    for (let first = 0; first < runs; first += CHUNK) {
      const rows: unknown[][] = [];
      for (let i = first; i < Math.min(runs, first + CHUNK); i++) {
        const runId = runIds[i]!;
        const start = starts[i]!;
        const artifactUri = `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;
        rows.push([
          runId,
          Number(experimentId),
          `run-${i}`,
          'bench',
          'FINISHED',
          start,
          start + 500,
          'active',
          artifactUri,
          null,
        ]);
      }
      await raw.insert('runs', RUN_COLUMNS, rows);
    }
    const { uniform, third } = RANDOM[raw.name];
    const keys = (n: number) =>
      `WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < ${n})`;
    // Scanned in insertion order, which is run-id order, so the primary-key inserts below append.
    const ofExperiment = `FROM runs r CROSS JOIN k WHERE r.experiment_id = ?`;
    const id = [Number(experimentId)];
    await raw.query(
      `INSERT INTO params (run_id, key, value) ${keys(SEARCH_PARAMS)}
       SELECT r.run_id, 'p' || k.n, substr('abc', 1 + ${third}, 1) ${ofExperiment}`,
      id,
    );
    await raw.query(
      `INSERT INTO metric_series (run_id, key) ${keys(SEARCH_METRICS)}
       SELECT r.run_id, 'm' || k.n ${ofExperiment}`,
      id,
    );
    await raw.query(
      `INSERT INTO latest_metrics (run_id, key, value, "timestamp", step, is_nan)
       SELECT s.run_id, s.key, ${uniform}, r.start_time + 400, 0, 0
       FROM metric_series s JOIN runs r ON r.run_id = s.run_id WHERE r.experiment_id = ?`,
      id,
    );
    await seedChunks(raw, experimentId);
    await raw.query(
      `INSERT INTO tags (run_id, key, value)
       SELECT run_id, 'mlflow.runName', name FROM runs WHERE experiment_id = ?
       UNION ALL SELECT run_id, 'mlflow.user', user_id FROM runs WHERE experiment_id = ?`,
      [...id, ...id],
    );
    for (const index of indexes) await raw.query(index.sql);
    // What autovacuum does on its own shortly after a bulk load; without it the planner works from empty statistics.
    if (raw.name === 'postgres') await raw.query('VACUUM ANALYZE');
  } finally {
    await raw.close();
  }
  return { experimentId, seconds: (now() - started) / 1000 };
}

/**
 * Each metric's one point as mloop stores it, a chunk (encoded here: the databases cannot write float64 arrays),
 * from the latest_metrics rows just seeded, a page of series at a time.
 */
async function seedChunks(raw: RawDb, experimentId: string): Promise<void> {
  let after = -1;
  for (;;) {
    const page = await raw.query<{ series_id: number; step: number; timestamp: number; value: number }>(
      `SELECT s.series_id, l.step, l."timestamp", l.value FROM metric_series s
       JOIN latest_metrics l ON l.run_id = s.run_id AND l.key = s.key
       JOIN runs r ON r.run_id = s.run_id
       WHERE r.experiment_id = ? AND s.series_id > ? ORDER BY s.series_id LIMIT ${CHUNK}`,
      [Number(experimentId), after],
    );
    if (page.length === 0) return;
    after = Number(page[page.length - 1]!.series_id);
    const chunks = encodeChunks(
      page.map((p) => ({ ...p, step: Number(p.step), timestamp: Number(p.timestamp), is_nan: 0 })),
      (p) => Number(p.series_id),
    );
    await insertRawChunks(raw, chunks);
  }
}

/** Indexes that back no constraint, with the statements that create them. */
function secondaryIndexes(raw: RawDb, tables: readonly string[]): Promise<{ name: string; sql: string }[]> {
  const marks = tables.map(() => '?').join(', ');
  return raw.name === 'sqlite'
    ? raw.query(
        `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${marks})`,
        tables,
      )
    : raw.query(
        `SELECT indexname AS name, indexdef AS sql FROM pg_indexes
         WHERE schemaname = current_schema() AND tablename IN (${marks})
           AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
        tables,
      );
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
