import { type Expression, type SqlBool, sql } from 'kysely';
import type { StoreDialect } from '../../store/dialect.js';
import type { Comparator } from './filter-parser.js';

/**
 * Compares a string column with a filter value. LIKE is case-sensitive on every dialect (SQLite runs with
 * case_sensitive_like), ILIKE lowers both sides where the dialect has no ILIKE of its own.
 */
export function compareString(
  column: Expression<unknown>,
  comparator: Comparator,
  value: string | string[],
  dialect: StoreDialect,
): Expression<SqlBool> {
  switch (comparator) {
    case 'LIKE':
      return sql<SqlBool>`${column} like ${value}`;
    case 'ILIKE':
      return dialect.ilike === 'ilike'
        ? sql<SqlBool>`${column} ilike ${value}`
        : sql<SqlBool>`lower(${column}) like lower(${value})`;
    case 'IN':
      return sql<SqlBool>`${column} in (${sql.join(value as string[])})`;
    case 'NOT IN':
      return sql<SqlBool>`${column} not in (${sql.join(value as string[])})`;
    case '=':
      return sql<SqlBool>`${column} = ${value}`;
    case '!=':
      return sql<SqlBool>`${column} <> ${value}`;
    default:
      return sql<SqlBool>`${column} ${sql.raw(comparator)} ${value}`;
  }
}

export function compareNumber(
  column: Expression<unknown>,
  comparator: Comparator,
  value: number,
): Expression<SqlBool> {
  const op = comparator === '!=' ? '<>' : comparator;
  return sql<SqlBool>`${column} ${sql.raw(op)} ${value}`;
}
