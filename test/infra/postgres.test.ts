import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../support/postgres.js';

const clients: pg.Client[] = [];

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end()));
});

describe('postgres harness', () => {
  it('provides a running PostgreSQL 15+ cluster on loopback', async () => {
    const url = inject('pgUrl');
    expect(url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const client = await connect(url);
    const { rows } = await client.query<{ version: number; max: string; fsync: string }>(
      `SELECT current_setting('server_version_num')::int AS version,
              current_setting('max_connections') AS max, current_setting('fsync') AS fsync`,
    );
    expect(rows[0]!.version).toBeGreaterThanOrEqual(150000);
    expect(rows[0]).toMatchObject({ max: '200', fsync: 'off' });
  });

  it('createDatabase gives two independent, uniquely named databases', async () => {
    const base = inject('pgUrl');
    const [urlA, urlB] = await Promise.all([createDatabase(base), createDatabase(base)]);
    expect(urlA).not.toBe(urlB);

    const a = await connect(urlA);
    const b = await connect(urlB);
    await a.query('CREATE TABLE items (id serial PRIMARY KEY, body jsonb NOT NULL)');
    await a.query('INSERT INTO items (body) VALUES ($1), ($2)', [{ n: 1 }, { n: 2 }]);
    const sum = await a.query<{ total: number }>("SELECT sum((body->>'n')::int)::int AS total FROM items");
    expect(sum.rows[0]!.total).toBe(3);

    const inB = await b.query<{ t: string | null }>("SELECT to_regclass('items')::text AS t");
    expect(inB.rows[0]!.t).toBeNull();
    await b.query('CREATE TABLE items (id int)'); // same name, no clash
  });

  it('createDatabase honours an explicit name and rejects unsafe ones', async () => {
    const base = inject('pgUrl');
    const name = `named_${process.pid}_${Date.now()}`;
    const url = await createDatabase(base, name);
    expect(new URL(url).pathname).toBe(`/${name}`);
    const client = await connect(url);
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    expect(rows[0]!.db).toBe(name);
    await expect(createDatabase(base, 'x"; DROP DATABASE postgres; --')).rejects.toThrow(/invalid name/);
  });
});

describe('python harness', () => {
  it('provides a Python that imports the pinned MLflow client', async () => {
    const { stdout } = await promisify(execFile)(inject('pythonBin'), [
      '-c',
      'import mlflow; print(mlflow.__version__)',
    ]);
    expect(stdout.trim()).toMatch(/^\d+\.\d+/);
  });
});
