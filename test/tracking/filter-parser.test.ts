import { describe, expect, it } from 'vitest';
import { parseFilter, parseOrderBy } from '../../src/tracking/search/filter-parser.js';

const ORDERABLE = ['run_id', 'run_name', 'status', 'start_time', 'end_time', 'created'];

describe('parseFilter', () => {
  it('parses a conjunction of metric, param, tag and attribute clauses', () => {
    expect(
      parseFilter(
        `metrics.m1 > 0.5 and params.p1 = 'a' AND tags.mlflow.runName LIKE 'x%' and status != "FAILED"`,
      ),
    ).toEqual([
      { entity: 'metric', key: 'm1', comparator: '>', value: 0.5 },
      { entity: 'param', key: 'p1', comparator: '=', value: 'a' },
      { entity: 'tag', key: 'mlflow.runName', comparator: 'LIKE', value: 'x%' },
      { entity: 'attribute', key: 'status', comparator: '!=', value: 'FAILED' },
    ]);
  });

  it('accepts quoted keys, aliases, negative and exponent numbers, IN lists', () => {
    expect(parseFilter('metrics."model loss" <= -1e-3')).toEqual([
      { entity: 'metric', key: 'model loss', comparator: '<=', value: -0.001 },
    ]);
    expect(parseFilter("tags.`user-name` ILIKE '%Bob%'")[0]).toMatchObject({
      entity: 'tag',
      key: 'user-name',
      comparator: 'ILIKE',
    });
    expect(parseFilter("attributes.run_id IN ('a', 'b')")[0]).toEqual({
      entity: 'attribute',
      key: 'run_id',
      comparator: 'IN',
      value: ['a', 'b'],
    });
    expect(parseFilter("run_id NOT IN ('a')")[0]).toMatchObject({ comparator: 'NOT IN' });
    expect(parseFilter('created > 10')[0]).toMatchObject({ key: 'start_time' });
    expect(parseFilter("dataset.name = 'train'")[0]).toMatchObject({ entity: 'dataset', key: 'name' });
    expect(parseFilter('metric.acc = 1')[0]).toMatchObject({ entity: 'metric' });
    expect(parseFilter("param.a = 'x'")[0]).toMatchObject({ entity: 'param' });
  });

  it('returns no clauses for an empty filter', () => {
    expect(parseFilter('')).toEqual([]);
    expect(parseFilter('   ')).toEqual([]);
    expect(parseFilter(undefined)).toEqual([]);
  });

  it.each([
    ['metrics.m1 > 0.5 or params.p = "a"', 'OR is not supported'],
    ["metrics.m1 > 'a'", 'expected a numeric value'],
    ['params.p = 1', 'expected a quoted string'],
    ['params.p > "a"', 'params support'],
    ['metrics.m1 LIKE 1', 'metrics support'],
    ['foo = "x"', "unknown attribute 'foo'"],
    ['metrics.m1 >', 'expected a value'],
    ["params.p = 'open", 'unterminated quote'],
    ['metrics.m1 > 1 metrics.m2 > 1', 'expected AND'],
    ["run_name IN ('a')", "attribute 'run_name' supports"],
    ['metrics.m1 ~ 1', 'unexpected character'],
  ])('rejects %s with a message naming the problem', (filter, message) => {
    expect(() => parseFilter(filter)).toThrowError(message);
    try {
      parseFilter(filter);
    } catch (err) {
      expect((err as { code: string }).code).toBe('INVALID_PARAMETER_VALUE');
    }
  });
});

describe('parseOrderBy', () => {
  it('parses entity keys and directions', () => {
    expect(parseOrderBy('metrics.m2 DESC', ORDERABLE)).toEqual({
      entity: 'metric',
      key: 'm2',
      ascending: false,
    });
    expect(parseOrderBy('params.`a b` asc', ORDERABLE)).toEqual({
      entity: 'param',
      key: 'a b',
      ascending: true,
    });
    expect(parseOrderBy('tags.mlflow.runName', ORDERABLE)).toEqual({
      entity: 'tag',
      key: 'mlflow.runName',
      ascending: true,
    });
    expect(parseOrderBy('start_time DESC', ORDERABLE)).toEqual({
      entity: 'attribute',
      key: 'start_time',
      ascending: false,
    });
    expect(parseOrderBy('attributes.run_name', ORDERABLE)).toEqual({
      entity: 'attribute',
      key: 'run_name',
      ascending: true,
    });
    expect(parseOrderBy('created', ORDERABLE)).toEqual({
      entity: 'attribute',
      key: 'start_time',
      ascending: true,
    });
  });

  it('rejects unknown attributes and junk', () => {
    expect(() => parseOrderBy('nope', ORDERABLE)).toThrowError(/Invalid order_by clause "nope"/);
    expect(() => parseOrderBy('metrics.m1 sideways', ORDERABLE)).toThrowError(/Invalid order_by/);
    expect(() => parseOrderBy('', ORDERABLE)).toThrowError(/Invalid order_by/);
  });
});
