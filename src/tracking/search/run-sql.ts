import { type Expression, type Kysely, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { StoreDialect } from '../../store/dialect.js';
import type { Database } from '../../store/schema.js';
import type { ViewType } from '../types.js';
import { type Clause, type OrderBy, parseFilter, parseOrderBy } from './filter-parser.js';
import { compareNumber, compareString } from './like.js';
import { decodePageState, encodePageToken } from './page-token.js';

// Dynamic aliases and correlated subqueries are clearer in Kysely's untyped builder.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Q = SelectQueryBuilder<any, any, any>;

const ORDERABLE_ATTRIBUTES = [
  'run_id',
  'run_name',
  'status',
  'user_id',
  'artifact_uri',
  'start_time',
  'end_time',
  'created',
];
const ENTITY_TABLE = { metric: 'latest_metrics', param: 'params', tag: 'tags' } as const;

export interface RunSearch {
  experimentIds: number[];
  filter?: string;
  viewType?: ViewType;
  maxResults: number;
  orderBy?: string[];
  pageToken?: string;
}

/**
 * Tiers make "order by a metric, runs lacking it last" index-friendly: tier 0 walks the (key, value) index of runs
 * that have the value, tier 1 holds NaN values (metrics only), tier 2 the runs without the key. Each tier is a query
 * that can stop after LIMIT rows, so a page costs O(page) instead of a sort of every matching run.
 */
export async function searchRunIds(
  db: Kysely<Database>,
  dialect: StoreDialect,
  search: RunSearch,
): Promise<{ runIds: string[]; nextPageToken?: string }> {
  const clauses = parseFilter(search.filter);
  const orders = (search.orderBy ?? []).map((o) => parseOrderBy(o, ORDERABLE_ATTRIBUTES));
  const [primary, ...secondary] = orders;
  const tiered = primary && primary.entity !== 'attribute' ? primary : undefined;
  const tiers = tiered ? (tiered.entity === 'metric' ? [0, 1, 2] : [0, 2]) : [0];
  const state = decodePageState(search.pageToken);
  const limit = search.maxResults;
  const driver = await selectiveClause(db, clauses, dialect);

  const build = (tier: number): Q => {
    // biome-ignore lint/suspicious/noExplicitAny: untyped builder, see Q
    const anyDb = db as Kysely<any>;
    // A selective clause drives: its few matching runs first, then the order of just those (see selectiveClause).
    const runs = (): Q =>
      driver
        ? anyDb
            .selectFrom(`${ENTITY_TABLE[driver.entity as 'metric' | 'param']} as f`)
            .crossJoin('runs as r')
            .whereRef('r.run_id', '=', 'f.run_id')
            .where(valueMatch(driver, 'f', dialect))
        : anyDb.selectFrom('runs as r');
    let q: Q;
    if (tiered && tier !== 2) {
      const table = ENTITY_TABLE[tiered.entity as keyof typeof ENTITY_TABLE];
      // CROSS JOIN fixes SQLite's join order so the ordering index drives the loop.
      q = driver
        ? runs().crossJoin(`${table} as o`).whereRef('o.run_id', '=', 'r.run_id')
        : anyDb.selectFrom(`${table} as o`).crossJoin('runs as r').whereRef('r.run_id', '=', 'o.run_id');
      q = q.where('o.key', '=', tiered.key);
      if (tiered.entity === 'metric') q = q.where('o.is_nan', '=', tier === 1 ? 1 : 0);
      if (tier === 0) q = q.orderBy('o.value', tiered.ascending ? 'asc' : 'desc');
    } else {
      q = runs();
      if (tiered) {
        const table = ENTITY_TABLE[tiered.entity as keyof typeof ENTITY_TABLE];
        q = q.where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom(`${table} as o`)
                .select(sql`1`.as('one'))
                .whereRef('o.run_id', '=', 'r.run_id')
                .where('o.key', '=', tiered.key),
            ),
          ),
        );
      } else if (primary) {
        q = orderByAttribute(q, primary);
      }
    }
    q = q.select('r.run_id').where('r.experiment_id', 'in', search.experimentIds);
    const view = search.viewType ?? 'ACTIVE_ONLY';
    if (view !== 'ALL') q = q.where('r.lifecycle_stage', '=', view === 'ACTIVE_ONLY' ? 'active' : 'deleted');
    for (const clause of clauses) q = q.where(clauseSql(clause, dialect));
    for (const o of secondary) q = o.entity === 'attribute' ? orderByAttribute(q, o) : orderByEntity(q, o);
    return q.orderBy('r.start_time', 'desc').orderBy('r.run_id', 'asc');
  };

  const runIds: string[] = [];
  let tierIndex = Math.max(0, tiers.indexOf(state.tier ?? tiers[0]!));
  let offset = state.offset;
  while (tierIndex < tiers.length) {
    const tier = tiers[tierIndex]!;
    const need = limit - runIds.length;
    const rows = await build(tier)
      .limit(need + 1)
      .offset(offset)
      .execute();
    if (rows.length > need) {
      runIds.push(...rows.slice(0, need).map((r) => r.run_id as string));
      return { runIds, nextPageToken: encodePageToken(offset + need, tier) };
    }
    runIds.push(...rows.map((r) => r.run_id as string));
    tierIndex++;
    offset = 0;
    if (runIds.length === limit) {
      for (; tierIndex < tiers.length; tierIndex++) {
        const probe = await build(tiers[tierIndex]!).limit(1).execute();
        if (probe.length) return { runIds, nextPageToken: encodePageToken(0, tiers[tierIndex]) };
      }
    }
  }
  return { runIds };
}

/**
 * A clause matching at most `selectiveMax` values (in any experiment) drives the search: walking the order's index instead
 * would visit every run of the experiment when few match (a search for `metrics.m1 > 0.999 and params.p1 = 'a'`
 * over 100,000 runs took a second on SQLite). Above it, walking the order stops after a page of matches.
 */
export const SEARCH_TUNING = { selectiveMax: 2_000 };

/** Clauses an index of (key, value) can answer: metric comparisons and param equality. */
const drivable = (c: Clause): boolean =>
  (c.entity === 'metric' && ['=', '<', '<=', '>', '>='].includes(c.comparator)) ||
  (c.entity === 'param' && c.comparator === '=');

/**
 * The clause that matches the fewest values, if that is at most SEARCH_TUNING.selectiveMax; counted on the (key, value) index and
 * capped, so telling costs a few hundred index steps per clause at most.
 */
async function selectiveClause(
  db: Kysely<Database>,
  clauses: Clause[],
  dialect: StoreDialect,
): Promise<Clause | undefined> {
  let best: Clause | undefined;
  let fewest = SEARCH_TUNING.selectiveMax + 1;
  for (const clause of clauses.filter(drivable)) {
    const table = ENTITY_TABLE[clause.entity as 'metric' | 'param'];
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from (select 1 from ${sql.table(
      table,
    )} as f where ${valueMatch(clause, 'f', dialect)} limit ${fewest}) as capped`.execute(db);
    const n = Number(rows[0]?.n ?? fewest);
    if (n < fewest) {
      best = clause;
      fewest = n;
    }
  }
  return best;
}

/**
 * A metric, param or tag clause as a condition on a row of its own table under `alias`: its key, and its value
 * compared. NaN compares unequal to everything, as in IEEE arithmetic.
 */
function valueMatch(clause: Clause, alias: string, dialect: StoreDialect): Expression<SqlBool> {
  const value = sql.ref(`${alias}.value`);
  const isNan = sql.ref(`${alias}.is_nan`);
  let match: Expression<SqlBool>;
  if (clause.entity === 'metric') {
    const cmp = compareNumber(value, clause.comparator, clause.value as number);
    match = clause.comparator === '!=' ? sql`(${isNan} = 1 or ${cmp})` : sql`${isNan} = 0 and ${cmp}`;
  } else match = compareString(value, clause.comparator, clause.value as string, dialect);
  return sql<SqlBool>`${sql.ref(`${alias}.key`)} = ${clause.key} and ${match}`;
}

function orderByAttribute(q: Q, o: OrderBy): Q {
  const column = o.key === 'created' ? 'start_time' : o.key === 'run_name' ? 'name' : o.key;
  // NULL end times sort last whichever the direction, as in MLflow.
  if (column === 'end_time') q = q.orderBy(sql`case when r.end_time is null then 1 else 0 end`);
  return q.orderBy(`r.${column}`, o.ascending ? 'asc' : 'desc');
}

function orderByEntity(q: Q, o: OrderBy): Q {
  const table = ENTITY_TABLE[o.entity as keyof typeof ENTITY_TABLE];
  const nanGuard = o.entity === 'metric' ? sql` and s.is_nan = 0` : sql``;
  const value = sql`(select s.value from ${sql.table(table)} as s where s.run_id = r.run_id and s.key = ${o.key}${nanGuard})`;
  return q
    .orderBy(sql`case when ${value} is null then 1 else 0 end`)
    .orderBy(value, o.ascending ? 'asc' : 'desc');
}

function clauseSql(clause: Clause, dialect: StoreDialect): Expression<SqlBool> {
  const { entity, key, comparator, value } = clause;
  if (entity === 'metric' || entity === 'param' || entity === 'tag') {
    const table = ENTITY_TABLE[entity];
    return sql<SqlBool>`exists (select 1 from ${sql.table(table)} as v where v.run_id = r.run_id and ${valueMatch(clause, 'v', dialect)})`;
  }
  if (entity === 'dataset') {
    const column = key === 'context' ? sql.ref('i.context') : sql.ref(`d.${key}`);
    const cmp = compareString(column, comparator, value as string | string[], dialect);
    return sql<SqlBool>`exists (select 1 from run_inputs as i join datasets as d on d.dataset_uuid = i.dataset_uuid where i.run_id = r.run_id and ${cmp})`;
  }
  const column = sql.ref(`r.${key === 'run_name' ? 'name' : key}`);
  return typeof value === 'number'
    ? compareNumber(column, comparator, value)
    : compareString(column, comparator, value, dialect);
}
