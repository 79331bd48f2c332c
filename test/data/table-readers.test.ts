import { chmodSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dictionary, Int32, Table, tableFromArrays, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/data-error.js';
import { hashPath } from '../../src/data/hash/manifest.js';
import { readTable } from '../../src/data/table/concat.js';
import { readBatches } from '../../src/data/table/read.js';
import { type Batch, cellValue } from '../../src/data/table/types.js';
import { VEGA, workdir } from './fixtures.js';

const rows = (t: Batch) =>
  Array.from({ length: t.numRows }, (_, i) =>
    Object.fromEntries(t.columns.map((c) => [c.name, cellValue(c, i)])),
  );
const types = (t: Batch) => Object.fromEntries(t.columns.map((c) => [c.name, c.type]));

async function failure(file: string): Promise<DataError> {
  try {
    for await (const _ of readBatches(file)) {
      /* read everything */
    }
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error(`reading ${file} did not fail`);
}

describe('CSV', () => {
  it('reads quoted fields, a header, and infers int, float, bool, timestamp and string columns', async () => {
    const dir = workdir({
      'a.csv':
        'id,price,ok,when,label,zip\n' +
        '1,2.5,true,2024-01-02,"hello, world",02134\n' +
        '2,3,false,2024-01-03T04:05:06Z,"say ""hi""",10001\n' +
        '3,,TRUE,2024-01-04 10:00,"two\nlines",NA\n',
    });
    const t = await readTable(join(dir, 'a.csv'));
    expect(types(t)).toEqual({
      id: 'int',
      price: 'float',
      ok: 'bool',
      when: 'timestamp',
      label: 'string',
      zip: 'string',
    });
    expect(rows(t)).toEqual([
      { id: 1, price: 2.5, ok: true, when: '2024-01-02T00:00:00.000Z', label: 'hello, world', zip: '02134' },
      { id: 2, price: 3, ok: false, when: '2024-01-03T04:05:06.000Z', label: 'say "hi"', zip: '10001' },
      { id: 3, price: null, ok: true, when: '2024-01-04T10:00:00.000Z', label: 'two\nlines', zip: null },
    ]);
  });

  it('streams in batches whose types reconcile when concatenated', async () => {
    const lines = ['x,y', ...Array.from({ length: 10 }, (_, i) => `${i},${i < 5 ? i : `v${i}`}`)];
    const dir = workdir({ 'b.csv': `${lines.join('\n')}\n` });
    const batches: Batch[] = [];
    for await (const b of readBatches(join(dir, 'b.csv'), { batchRows: 4 })) batches.push(b);
    expect(batches.map((b) => [b.rowOffset, b.numRows, b.columns[1]!.type])).toEqual([
      [0, 4, 'int'],
      [4, 4, 'string'],
      [8, 2, 'string'],
    ]);
    const t = await readTable(join(dir, 'b.csv'), { batchRows: 4 });
    expect(types(t)).toEqual({ x: 'int', y: 'string' });
    expect(rows(t)[2]).toEqual({ x: 2, y: '2' });
  });

  it('reads TSV by its extension, and strips a UTF-8 byte-order mark', async () => {
    const dir = workdir({ 't.tsv': '\ufeffa\tb\n1\tx y\n' });
    expect(rows(await readTable(join(dir, 't.tsv')))).toEqual([{ a: 1, b: 'x y' }]);
  });

  it('names the file, line and row count of a ragged row', async () => {
    const file = join(workdir({ 'r.csv': 'a,b,c\n1,2,3\n4,5\n' }), 'r.csv');
    const err = await failure(file);
    expect(err.message).toBe(
      `${file}: line 3: ragged row: it has 2 fields but the header has 3 columns. Quote fields that contain the delimiter, or fix the row.`,
    );
  });

  it('names the header width of a ragged row found in the first chunk read', async () => {
    const file = join(workdir({ 'w.csv': 'a,b,c\n1,2,3\n4,5,6,7,8\n9,9,9\n' }), 'w.csv');
    expect((await failure(file)).message).toMatch(
      /w\.csv: line 3: ragged row: it has 5 fields but the header has 3 columns/,
    );
  });

  it('names the line and column of broken quoting', async () => {
    const file = join(workdir({ 'q.csv': 'a,b\n1,"x"y\n' }), 'q.csv');
    expect((await failure(file)).message).toMatch(
      /q\.csv: line 2, column "b": broken quoting: a quote appears inside/,
    );
    const open = join(workdir({ 'o.csv': 'a,b\n1,"never closed\n2,3\n' }), 'o.csv');
    expect((await failure(open)).message).toMatch(
      /o\.csv: line 3, column "b": broken quoting: a quoted field is never closed/,
    );
  });

  it('refuses invalid UTF-8 with the line, the column and the bytes', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n1,ok\n2,caf'), Buffer.from([0xe9]), Buffer.from('!\n')]);
    const file = join(workdir({ 'u.csv': bytes }), 'u.csv');
    expect((await failure(file)).message).toBe(
      `${file}: line 3, column 6, byte 14: invalid UTF-8 (bytes e9 21 0a); the file must be UTF-8 encoded text. Convert it first, e.g. with iconv -f LATIN1 -t UTF-8.`,
    );
  });

  it('refuses an empty file, and a file with nothing but blank lines', async () => {
    const dir = workdir({ 'e.csv': '', 'blank.csv': '\n\n' });
    expect((await failure(join(dir, 'e.csv'))).message).toMatch(/e\.csv: empty file \(0 bytes\)/);
    expect((await failure(join(dir, 'blank.csv'))).message).toMatch(
      /blank\.csv: empty file: expected a header row/,
    );
  });

  it('refuses duplicate column names', async () => {
    const file = join(workdir({ 'd.csv': 'a,b,a\n1,2,3\n' }), 'd.csv');
    expect((await failure(file)).message).toMatch(/d\.csv: line 1, column 3: duplicate column name "a"/);
  });
});

describe('JSONL', () => {
  it('reads JSON types, keys in order of first appearance, and missing keys as missing', async () => {
    const dir = workdir({ 'a.jsonl': '{"a":1,"b":"x"}\n\n{"a":2.5,"c":true}\n{"a":null,"b":{"k":[1]}}\n' });
    const t = await readTable(join(dir, 'a.jsonl'));
    expect(types(t)).toEqual({ a: 'float', b: 'string', c: 'bool' });
    expect(rows(t)).toEqual([
      { a: 1, b: 'x', c: null },
      { a: 2.5, b: null, c: true },
      { a: null, b: '{"k":[1]}', c: null },
    ]);
  });

  it('names the line and row of invalid JSON and of a line that is not an object', async () => {
    const dir = workdir({ 'bad.jsonl': '{"a":1}\n{"a":\n', 'arr.jsonl': '{"a":1}\n\n[1,2]\n' });
    expect((await failure(join(dir, 'bad.jsonl'))).message).toMatch(
      /bad\.jsonl: line 2, row 2: invalid JSON/,
    );
    expect((await failure(join(dir, 'arr.jsonl'))).message).toMatch(
      /arr\.jsonl: line 3, row 2: expected a JSON object per line, got an array/,
    );
  });
});

describe('Parquet', () => {
  it('reads the 3-million-row flights table one row group at a time', async () => {
    let total = 0;
    let batches = 0;
    let first: Batch | undefined;
    for await (const b of readBatches(join(VEGA, 'flights-3m.parquet'))) {
      first ??= b;
      total += b.numRows;
      batches++;
      if (batches === 2) break;
    }
    expect(batches).toBe(2);
    expect(total).toBe(2 * 272_727);
    expect(types(first!)).toEqual({
      date: 'timestamp',
      delay: 'int',
      distance: 'int',
      origin: 'string',
      destination: 'string',
    });
    expect(rows({ ...first!, numRows: 1 })).toEqual([
      { date: '2001-01-01T00:01:00.000Z', delay: 33, distance: 2176, origin: 'LAS', destination: 'PHL' },
    ]);
  });

  it('reads nulls, booleans, floats and strings written by hyparquet-writer', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'n', data: [1, null, 3], type: 'INT32' },
        { name: 'f', data: [0.5, 1.5, null], type: 'DOUBLE' },
        { name: 'b', data: [true, false, null], type: 'BOOLEAN' },
        { name: 's', data: ['x', null, 'z'], type: 'STRING' },
      ],
    });
    const dir = workdir({ 'w.parquet': new Uint8Array(buffer) });
    const t = await readTable(join(dir, 'w.parquet'));
    expect(types(t)).toEqual({ n: 'int', f: 'float', b: 'bool', s: 'string' });
    expect(rows(t)).toEqual([
      { n: 1, f: 0.5, b: true, s: 'x' },
      { n: null, f: 1.5, b: false, s: null },
      { n: 3, f: null, b: null, s: 'z' },
    ]);
  });

  it('refuses a corrupt file with the file, and garbled pages with the column and rows', async () => {
    const buffer = new Uint8Array(
      parquetWriteBuffer({
        columnData: [{ name: 'n', data: Array.from({ length: 1000 }, (_, i) => i), type: 'INT32' }],
      }),
    );
    const dir = workdir({ 'ok.parquet': buffer, 'text.parquet': 'not parquet at all' });
    const truncated = join(dir, 'truncated.parquet');
    writeFileSync(truncated, buffer.subarray(0, buffer.length - 20));
    expect((await failure(join(dir, 'text.parquet'))).message).toMatch(
      /text\.parquet: not a readable Parquet file: .*PAR1/,
    );
    expect((await failure(truncated)).message).toMatch(/truncated\.parquet: not a readable Parquet file/);
    const garbled = Buffer.from(buffer);
    for (let i = 4; i < 200; i++) garbled[i] = 0xff;
    const g = join(dir, 'garbled.parquet');
    writeFileSync(g, garbled);
    expect((await failure(g)).message).toMatch(
      /garbled\.parquet: row 1, column "n": corrupt Parquet data in the row group of rows 1-1000/,
    );
  });
});

describe('Arrow IPC', () => {
  it('reads the flights-200k Arrow file', async () => {
    const t = await readTable(join(VEGA, 'flights-200k.arrow'));
    expect(t.numRows).toBe(200_000);
    expect(types(t)).toEqual({ delay: 'int', distance: 'int', time: 'float' });
  });

  it('keeps dictionary-encoded strings as they are, with nulls', async () => {
    const s = vectorFromArray(['a', null, 'a'], new Dictionary(new Utf8(), new Int32()));
    const n = vectorFromArray([1, 2, 3], new Int32());
    const ipc = tableToIPC(new Table({ n, s }), 'file');
    const dir = workdir({ 'd.arrow': ipc });
    const t = await readTable(join(dir, 'd.arrow'));
    expect(rows(t)).toEqual([
      { n: 1, s: 'a' },
      { n: 2, s: null },
      { n: 3, s: 'a' },
    ]);
  });

  it('refuses a file that is not Arrow and a truncated one', async () => {
    const ipc = tableToIPC(tableFromArrays({ n: Int32Array.from({ length: 5000 }, (_, i) => i) }), 'stream');
    const dir = workdir({ 'x.arrow': 'definitely not arrow', 't.arrows': ipc.subarray(0, ipc.length - 500) });
    expect((await failure(join(dir, 'x.arrow'))).message).toMatch(
      /x\.arrow: (not a readable Arrow IPC file|corrupt Arrow data)/,
    );
    expect((await failure(join(dir, 't.arrows'))).message).toMatch(
      /t\.arrows: (row 1: corrupt Arrow data|not a readable)/,
    );
  });
});

describe('files that cannot be read', () => {
  it('names an unknown extension, a missing file and a dangling link', async () => {
    const dir = workdir({ 'a.xlsx': 'x' });
    symlinkSync(join(dir, 'nowhere.csv'), join(dir, 'dangling.csv'));
    expect((await failure(join(dir, 'a.xlsx'))).message).toMatch(
      /a\.xlsx: unknown table format; expected one of the extensions \.csv/,
    );
    expect((await failure(join(dir, 'missing.csv'))).message).toMatch(/missing\.csv: cannot read: ENOENT/);
    expect((await failure(join(dir, 'dangling.csv'))).message).toMatch(/dangling\.csv: cannot read: ENOENT/);
  });

  it('refuses a directory with an unreadable entry, naming the entry', async () => {
    const dir = workdir();
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'ok.csv'), 'a\n1\n');
    symlinkSync(join(dir, 'gone'), join(dir, 'd', 'broken.csv'));
    await expect(hashPath(join(dir, 'd'))).rejects.toThrow(
      `${join(dir, 'd', 'broken.csv')}: cannot read: ENOENT`,
    );
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked');
      mkdirSync(locked);
      writeFileSync(join(locked, 'secret.csv'), 'a\n1\n');
      chmodSync(join(locked, 'secret.csv'), 0o000);
      await expect(hashPath(locked)).rejects.toThrow(/secret\.csv: cannot read: EACCES/);
    }
    truncateSync(join(dir, 'd', 'ok.csv'), 0);
  });
});
