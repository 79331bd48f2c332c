import { type SelectQueryBuilder, sql } from 'kysely';
import { invalid } from '../../core/errors.js';
import type { StoreDialect } from '../../store/dialect.js';
import type { Database, ExperimentRow } from '../../store/schema.js';
import { EXPERIMENT_ATTRIBUTES, parseFilter, parseOrderBy } from './filter-parser.js';
import { compareNumber, compareString } from './like.js';

type ExperimentQuery = SelectQueryBuilder<Database & { e: Database['experiments'] }, 'e', ExperimentRow>;

const ORDERABLE = ['name', 'experiment_id', 'creation_time', 'last_update_time'] as const;
const NUMERIC = new Set(['creation_time', 'last_update_time']);

export function applyExperimentFilter(
  query: ExperimentQuery,
  filter: string | undefined,
  dialect: StoreDialect,
): ExperimentQuery {
  for (const clause of parseFilter(filter, EXPERIMENT_ATTRIBUTES)) {
    if (clause.entity === 'tag') {
      const value = clause.value as string;
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('experiment_tags as t')
            .select(sql`1`.as('one'))
            .whereRef('t.experiment_id', '=', 'e.experiment_id')
            .where('t.key', '=', clause.key)
            .where(compareString(sql.ref('t.value'), clause.comparator, value, dialect)),
        ),
      );
    } else if (clause.entity === 'attribute' && (clause.key === 'name' || NUMERIC.has(clause.key))) {
      const column = sql.ref(`e.${clause.key}`);
      query = query.where(
        NUMERIC.has(clause.key)
          ? compareNumber(column, clause.comparator, Number(clause.value))
          : compareString(column, clause.comparator, clause.value as string, dialect),
      );
    } else {
      throw invalid(
        `Invalid filter for experiments: '${clause.key}' is not searchable; use name, creation_time, last_update_time or tags.<key>.`,
      );
    }
  }
  return query;
}

export function experimentOrder(
  orderBy: readonly string[],
): [`e.${(typeof ORDERABLE)[number]}`, 'asc' | 'desc'][] {
  const order = orderBy.map((text) => {
    const o = parseOrderBy(text, ORDERABLE);
    return [`e.${o.key}`, o.ascending ? 'asc' : 'desc'] as [
      `e.${(typeof ORDERABLE)[number]}`,
      'asc' | 'desc',
    ];
  });
  if (order.length === 0) order.push(['e.creation_time', 'desc']);
  if (!order.some(([c]) => c === 'e.experiment_id')) order.push(['e.experiment_id', 'asc']);
  return order;
}
