import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileFile } from '../../src/data/profile/profile.js';
import { inferSchema, toMlflowSchema } from '../../src/data/schema/schema.js';
import { Validator } from '../../src/data/schema/validate.js';
import { validateProfile } from '../../src/data/schema/validate-profile.js';
import { readBatches } from '../../src/data/table/read.js';
import { workdir } from './fixtures.js';

const REFERENCE =
  'id,city,temp,ok,note\n' +
  ['1,Oslo,10.5,true,a', '2,Rome,20,false,', '3,Oslo,15,true,b', '4,Lima,18.25,false,c'].join('\n') +
  '\n';

async function validate(csv: string, reference = REFERENCE, batchRows?: number) {
  const dir = workdir({ 'ref.csv': reference, 'new.csv': csv });
  const schema = inferSchema(await profileFile(join(dir, 'ref.csv')));
  const v = new Validator(schema);
  for await (const b of readBatches(join(dir, 'new.csv'), batchRows ? { batchRows } : {})) v.add(b);
  return { schema, report: v.finish() };
}

describe('schema inference', () => {
  it('infers types, nullability, categorical domains and numeric ranges from a reference profile', async () => {
    const { schema } = await validate(REFERENCE);
    expect(schema.columns).toEqual([
      { name: 'id', type: 'int', nullable: false, maxMissingRate: 0, min: 1, max: 4 },
      { name: 'city', type: 'string', nullable: false, maxMissingRate: 0, domain: ['Lima', 'Oslo', 'Rome'] },
      { name: 'temp', type: 'float', nullable: false, maxMissingRate: 0, min: 10.5, max: 20 },
      { name: 'ok', type: 'bool', nullable: false, maxMissingRate: 0, domain: [false, true] },
      { name: 'note', type: 'string', nullable: true, maxMissingRate: 0.3, domain: ['a', 'b', 'c'] },
    ]);
    expect(toMlflowSchema(schema).mlflow_colspec[0]).toEqual({ type: 'long', name: 'id', required: true });
  });

  it('records no domain beyond the size limit', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => `${i},c${i},1,true,x`).join('\n');
    const dir = workdir({ 'big.csv': `id,city,temp,ok,note\n${rows}\n` });
    const schema = inferSchema(await profileFile(join(dir, 'big.csv')), { domainLimit: 100 });
    expect(schema.columns.find((c) => c.name === 'city')!.domain).toBeUndefined();
  });
});

describe('validation anomalies', () => {
  it('finds nothing wrong with data that matches', async () => {
    const { report } = await validate('id,city,temp,ok,note\n2,Rome,12,true,a\n');
    expect(report).toEqual({ rows: 1, anomalies: [] });
  });

  it('reports each rule with its column, count, examples and a message', async () => {
    const csv =
      'id,city,temp,ok,extra\n' +
      [
        '5,Oslo,10.5,true,1',
        'x,Paris,99,false,2',
        '2,,11,true,3',
        '3,Oslo,-40,maybe,4',
        '1,Bern,12,true,5',
      ].join('\n') +
      '\n';
    const { report } = await validate(csv);
    const byRule = Object.fromEntries(report.anomalies.map((a) => [`${a.rule}:${a.column}`, a]));
    expect(Object.keys(byRule).sort()).toEqual([
      'missing-column:note',
      'missing-values:city',
      'out-of-range:id',
      'out-of-range:temp',
      'type-mismatch:id',
      'type-mismatch:ok',
      'unexpected-column:extra',
      'unseen-category:city',
    ]);
    expect(byRule['type-mismatch:id']).toMatchObject({
      count: 1,
      examples: [{ row: 2, value: 'x' }],
      expected: 'int',
      message: '1 value(s) of column "id" are not integers, e.g. "x" (row 2).',
    });
    expect(byRule['out-of-range:id']).toMatchObject({
      count: 1,
      examples: [{ row: 1, value: '5' }],
      expected: 'within [1, 4]',
    });
    expect(byRule['out-of-range:temp']).toMatchObject({
      count: 2,
      examples: [
        { row: 2, value: 99 },
        { row: 4, value: -40 },
      ],
    });
    expect(byRule['unseen-category:city']).toMatchObject({
      count: 2,
      examples: [
        { row: 2, value: 'Paris' },
        { row: 5, value: 'Bern' },
      ],
      expected: 'one of 3 categories',
    });
    expect(byRule['missing-values:city']).toMatchObject({
      count: 1,
      examples: [{ row: 3, value: null }],
      message:
        'column "city" has 1 missing value(s) (20.0% of 5 rows), more than the allowed 0.0% (the reference had none), e.g. at row 3.',
    });
    expect(byRule['type-mismatch:ok']).toMatchObject({ count: 1, examples: [{ row: 4, value: 'maybe' }] });
    expect(byRule['missing-column:note']).toMatchObject({
      count: 5,
      message: expect.stringContaining('is missing'),
    });
    expect(byRule['unexpected-column:extra']).toMatchObject({ count: 5 });
  });

  it('allows missing values up to the reference rate plus the tolerance', async () => {
    const rows = (missing: number) =>
      `id,city,temp,ok,note\n${Array.from({ length: 10 }, (_, i) => `1,Oslo,12,true,${i < missing ? '' : 'a'}`).join('\n')}\n`;
    expect((await validate(rows(3))).report.anomalies).toEqual([]);
    const { report } = await validate(rows(4));
    expect(report.anomalies).toMatchObject([
      { rule: 'missing-values', column: 'note', count: 4, expected: 'at most 30.0% missing' },
    ]);
  });

  it('counts exactly across batches and keeps the first examples', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i % 2 ? 'bad' : 1},Oslo,12,true,a`).join('\n');
    const { report } = await validate(`id,city,temp,ok,note\n${rows}\n`, REFERENCE, 7);
    expect(report.rows).toBe(50);
    expect(report.anomalies).toMatchObject([
      { rule: 'type-mismatch', column: 'id', count: 25, examples: [{ row: 2, value: 'bad' }] },
    ]);
  });
});

describe('validation of a profile against a schema (no rows read)', () => {
  async function validateProfiles(csv: string) {
    const dir = workdir({ 'ref.csv': REFERENCE, 'new.csv': csv });
    const schema = inferSchema(await profileFile(join(dir, 'ref.csv')));
    return validateProfile(schema, await profileFile(join(dir, 'new.csv')));
  }

  it('finds nothing wrong with a profile that fits', async () => {
    expect(await validateProfiles(REFERENCE)).toEqual({ rows: 4, anomalies: [] });
  });

  it('reports columns, types, missing shares, unseen categories and ranges, with counts from the sketches', async () => {
    const csv =
      'id,city,temp,extra,note\n' +
      ['1,Oslo,x,1,', '2,Paris,y,2,', '3,Paris,z,3,', '40,Oslo,w,4,a'].join('\n') +
      '\n';
    const { rows, anomalies } = await validateProfiles(csv);
    expect(rows).toBe(4);
    const by = Object.fromEntries(anomalies.map((a) => [`${a.column}:${a.rule}`, a]));
    expect(Object.keys(by).sort()).toEqual([
      'city:unseen-category',
      'extra:unexpected-column',
      'id:out-of-range',
      'note:missing-values',
      'ok:missing-column',
      'temp:type-mismatch',
    ]);
    expect(by['city:unseen-category']).toMatchObject({
      count: 2,
      found: '"Paris"',
      expected: 'one of 3 categories',
    });
    expect(by['id:out-of-range']).toMatchObject({ count: 1, found: '[1, 40]', expected: 'within [1, 4]' });
    expect(by['temp:type-mismatch']).toMatchObject({ expected: 'float', found: 'string', count: 4 });
    expect(by['note:missing-values']).toMatchObject({
      count: 3,
      expected: 'at most 30.0% missing',
      found: '75.0% missing',
    });
    expect(by['ok:missing-column']!.message).toBe(
      'column "ok" is missing; the schema has it (bool, 2 categories, never missing).',
    );
  });

  it('accepts ints where floats were expected, and says when a category count is only a lower bound', async () => {
    const ints = await validateProfiles(`id,city,temp,ok,note\n1,Oslo,11,true,a\n2,Rome,12,false,b\n`);
    expect(ints.anomalies).toEqual([]);
    // More categories than the frequent-items summary tracks (128): the count of unseen values is a lower bound.
    const many = Array.from({ length: 400 }, (_, i) => `${(i % 4) + 1},c${i},12,true,a`).join('\n');
    const wide = await validateProfiles(`id,city,temp,ok,note\n${many}\n`);
    const unseen = wide.anomalies.find((a) => a.rule === 'unseen-category')!;
    expect(unseen.approximate).toMatch(/lower bound/);
    expect(unseen.count).toBeGreaterThan(0);
    expect(unseen.count).toBeLessThanOrEqual(400);
  });
});
