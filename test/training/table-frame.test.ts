import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { fitModel, predict } from '../../src/learn/index.js';
import { readFrame } from '../../src/training/table-frame.js';
import { checkNoMissing, checkTarget } from '../../src/training/target-check.js';
import { workdir } from '../data/fixtures.js';

const CSV = 'x,city,flag,when,y\n1.5,Oslo,true,2024-01-01,0\n,Rome,false,2024-01-02T12:00:00Z,1\n3,,,,0\n';

function values(frame: Awaited<ReturnType<typeof readFrame>>, name: string): unknown[] {
  const c = frame.columns[name]!;
  if (c.kind === 'numeric') return [...c.values].map((v) => (Number.isNaN(v) ? null : v));
  return [...c.codes].map((code) => (code < 0 ? null : c.dictionary[code]));
}

describe('table → Frame', () => {
  it('maps CSV, TSV, JSONL and Parquet columns to numeric and categorical columns with missing values', async () => {
    const dir = workdir({
      'a.csv': CSV,
      'a.tsv': CSV.replaceAll(',', '\t'),
      'a.jsonl': [
        { x: 1.5, city: 'Oslo', flag: true, when: '2024-01-01', y: 0 },
        { x: null, city: 'Rome', flag: false, when: '2024-01-02T12:00:00Z', y: 1 },
        { x: 3, y: 0 },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
      'a.parquet': new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'x', data: [1.5, null, 3], type: 'DOUBLE' },
            { name: 'city', data: ['Oslo', 'Rome', null], type: 'STRING' },
            { name: 'flag', data: [true, false, null], type: 'BOOLEAN' },
            { name: 'y', data: [0, 1, 0], type: 'INT32' },
          ],
        }),
      ),
    });
    for (const file of ['a.csv', 'a.tsv', 'a.jsonl', 'a.parquet']) {
      const frame = await readFrame([join(dir, file)], { source: file });
      expect(frame.nRows, file).toBe(3);
      expect(frame.columns.x!.kind, file).toBe('numeric');
      expect(values(frame, 'x'), file).toEqual([1.5, null, 3]);
      expect(frame.columns.city!.kind, file).toBe('categorical');
      expect(values(frame, 'city'), file).toEqual(['Oslo', 'Rome', null]);
      expect(values(frame, 'flag'), file).toEqual([1, 0, null]);
      expect(values(frame, 'y'), file).toEqual([0, 1, 0]);
    }
    const csv = await readFrame([join(dir, 'a.csv')], { source: 'a.csv' });
    expect(values(csv, 'when')).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2, 12), null]);
  });

  it('keeps the requested columns only, and names the file and its columns when one is absent', async () => {
    const dir = workdir({ 'a.csv': CSV });
    const frame = await readFrame([join(dir, 'a.csv')], { source: 'a.csv', columns: ['y', 'x'] });
    expect(Object.keys(frame.columns)).toEqual(['y', 'x']);
    await expect(readFrame([join(dir, 'a.csv')], { source: 'a.csv', columns: ['nope'] })).rejects.toThrow(
      'Column "nope" is not in a.csv; its columns are: x, city, flag, when, y.',
    );
  });

  it('reads batches and files in order, reconciling column types across them', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => `${i},${i < 5 ? i : `v${i}`}`);
    const dir = workdir({
      '1.csv': `n,code\n${rows.slice(0, 5).join('\n')}\n`,
      '2.csv': `n,code\n${rows.slice(5).join('\n')}\n`,
    });
    const frame = await readFrame([join(dir, '1.csv'), join(dir, '2.csv')], { source: 'dir' });
    expect(values(frame, 'n')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // int in the first file, words in the second: the column is text, as the data layer reconciles it.
    expect(values(frame, 'code')).toEqual(['0', '1', '2', '3', '4', 'v5', 'v6', 'v7', 'v8', 'v9']);
  });

  it("coerces columns to a model's kinds: numbers to categories, numeric text to numbers, and refuses words", async () => {
    const dir = workdir({ 'a.csv': 'zip,amount\n94110,12\n10001,7\n' });
    const frame = await readFrame([join(dir, 'a.csv')], {
      source: 'a.csv',
      kinds: { zip: 'categorical', amount: 'numeric' },
    });
    expect(frame.columns.zip).toEqual({
      kind: 'categorical',
      codes: Int32Array.from([0, 1]),
      dictionary: ['94110', '10001'],
    });
    const text = workdir({ 'b.csv': 'amount\n"12"\n7.5\n\n' });
    // csv type inference makes "12" and 7.5 numbers already; a column of words cannot become numeric.
    expect(
      values(
        await readFrame([join(text, 'b.csv')], { source: 'b.csv', kinds: { amount: 'numeric' } }),
        'amount',
      ),
    ).toEqual([12, 7.5]);
    const words = workdir({ 'c.csv': 'amount\n12\nlots\n' });
    await expect(
      readFrame([join(words, 'c.csv')], { source: 'c.csv', kinds: { amount: 'numeric' } }),
    ).rejects.toThrow('Column "amount" in c.csv has the text "lots", but the model takes it as a number');
  });

  it('trains on a frame read from a table, with categorical and missing features', async () => {
    const lines = ['a,b,label'];
    for (let i = 0; i < 200; i++)
      lines.push(`${i % 7 === 0 ? '' : i % 10},${['p', 'q', 'r'][i % 3]},${i % 10 > 4 ? 'yes' : 'no'}`);
    const dir = workdir({ 't.csv': `${lines.join('\n')}\n` });
    const frame = await readFrame([join(dir, 't.csv')], { source: 't.csv' });
    const model = fitModel(frame, {
      learner: 'gbdt',
      target: 'label',
      params: { trees: 5, minSamplesLeaf: 2 },
    });
    expect(model.classes).toEqual(['no', 'yes']);
    expect(model.features).toEqual([
      { name: 'a', kind: 'numeric' },
      { name: 'b', kind: 'categorical' },
    ]);
    expect(predict(model, frame).labels).toHaveLength(200);
  });
});

describe('target checks', () => {
  const frameOf = async (csv: string) =>
    readFrame([join(workdir({ 'd.csv': csv }), 'd.csv')], { source: 'd.csv' });

  it('names a missing target column and the columns there are', async () => {
    const frame = await frameOf('a,b\n1,2\n');
    expect(() => checkTarget(frame, 'y', { task: undefined, learner: 'gbdt', source: 'd.csv' })).toThrow(
      'Target column "y" is not in d.csv; its columns are: a, b.',
    );
  });

  it('counts missing target values and names the first row (1-based, as data errors)', async () => {
    const frame = await frameOf('a,y\n1,1\n2,\n3,0\n4,\n');
    expect(() => checkTarget(frame, 'y', { task: undefined, learner: 'gbdt', source: 'd.csv' })).toThrow(
      'Target "y" is missing in 2 of 4 rows of d.csv (first at row 2); drop or fill those rows before training.',
    );
  });

  it('needs the truth in every row when evaluating too', async () => {
    const frame = await frameOf('a,y\n1,1\n2,\n');
    expect(() => checkNoMissing(frame, 'y', 'd.csv', 'evaluating')).toThrow(
      'Target "y" is missing in 1 of 2 rows of d.csv (first at row 2); drop or fill those rows before evaluating.',
    );
    expect(() => checkNoMissing(frame, 'a', 'd.csv', 'evaluating')).not.toThrow();
  });

  it('refuses a text target for regression, and says what to use instead', async () => {
    const frame = await frameOf('a,y\n1,cat\n2,dog\n');
    expect(() => checkTarget(frame, 'y', { task: 'regression', learner: 'gbdt', source: 'd.csv' })).toThrow(
      /Target "y" in d\.csv is text \(e\.g\. "cat"\); --task regression needs a numeric target/,
    );
    expect(() => checkTarget(frame, 'y', { task: undefined, learner: 'ridge', source: 'd.csv' })).toThrow(
      /the ridge learner needs a numeric target/,
    );
    expect(() =>
      checkTarget(frame, 'y', { task: undefined, learner: 'gbdt', source: 'd.csv' }),
    ).not.toThrow();
  });

  it('refuses fractional class labels and too many classes for classification', async () => {
    const frac = await frameOf('a,y\n1,0.5\n2,1\n');
    expect(() =>
      checkTarget(frac, 'y', { task: 'classification', learner: 'gbdt', source: 'd.csv' }),
    ).toThrow(/non-integer value 0\.5 at row 1 of d\.csv; classification needs class labels/);
    // Without --task, gbdt takes a fractional target as regression.
    expect(() => checkTarget(frac, 'y', { task: undefined, learner: 'gbdt', source: 'd.csv' })).not.toThrow();
    const many = await frameOf(`a,y\n${Array.from({ length: 150 }, (_, i) => `${i},${i}`).join('\n')}\n`);
    expect(() => checkTarget(many, 'y', { task: undefined, learner: 'logistic', source: 'd.csv' })).toThrow(
      /more than 100 distinct values; a classifier takes at most 100 classes\. Is it a regression target\?/,
    );
    const labels = await frameOf(`a,y\n${Array.from({ length: 150 }, (_, i) => `${i},c${i}`).join('\n')}\n`);
    expect(() => checkTarget(labels, 'y', { task: undefined, learner: 'gbdt', source: 'd.csv' })).toThrow(
      'Target "y" in d.csv has 150 distinct labels; a classifier takes at most 100 classes.',
    );
  });
});
