/**
 * A throw-away PostgreSQL cluster for the test run: initdb into a temp dir, start on a free loopback port,
 * stop with `pg_ctl -m immediate` and remove the dir. Uses the Debian binaries (`apt-get install postgresql`).
 * As root the server runs as the `postgres` user (PostgreSQL refuses to run as root).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import {
  access,
  appendFile,
  chown,
  constants,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

export interface PostgresCluster {
  /** `postgresql://postgres@127.0.0.1:PORT/postgres`, trust auth. */
  readonly url: string;
  /** Stops the server (immediate mode) and removes its temp dir; safe to call twice. */
  stop(): Promise<void>;
  /** Shuts the server down (fast mode) keeping its data, to test an outage; `resume` starts it on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

interface Runner {
  readonly asUser: { uid: number; gid: number } | undefined;
  run(argv: readonly string[]): Promise<string>;
}

const INSTALL_HINT =
  'Install the server binaries with `apt-get install postgresql` (Debian puts them in /usr/lib/postgresql/<v>/bin).';

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = await findBinDir();
  const root = await mkdtemp(join(tmpdir(), 'mloop-pg-'));
  try {
    const runner = await makeRunner(root);
    const data = join(root, 'data');
    const sock = join(root, 'sock');
    const log = join(root, 'postgres.log');
    if (runner.asUser) await chown(root, runner.asUser.uid, runner.asUser.gid);
    await mkdir(sock);
    if (runner.asUser) await chown(sock, runner.asUser.uid, runner.asUser.gid);

    await runner.run([
      join(bin, 'initdb'),
      ...['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
    ]);
    await appendFile(
      join(data, 'postgresql.conf'),
      [
        '',
        '# mloop test cluster',
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${sock}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 200',
        '',
      ].join('\n'),
    );

    const port = await startOnFreePort(runner, bin, data, log);
    const cluster = new Cluster(`postgresql://postgres@127.0.0.1:${port}/postgres`, runner, bin, data, root);
    return cluster;
  } catch (err) {
    await killPostmaster(join(root, 'data'));
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}

/** Creates a fresh, uniquely named database on the cluster at `baseUrl` and returns its URL. */
export async function createDatabase(baseUrl: string, name?: string): Promise<string> {
  const db = name ?? `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(db)) {
    throw new Error(
      `createDatabase: invalid name ${JSON.stringify(db)}; use [a-z_][a-z0-9_]*, at most 63 chars`,
    );
  }
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${db}"`);
  } finally {
    await client.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${db}`;
  return url.toString();
}

class Cluster implements PostgresCluster {
  #stopping: Promise<void> | undefined;
  readonly #onExit = (): void => this.#stopSync();

  constructor(
    readonly url: string,
    private readonly runner: Runner,
    private readonly bin: string,
    private readonly data: string,
    private readonly root: string,
  ) {
    // If the process dies without calling stop(), don't leave a postmaster and its temp dir behind.
    process.once('exit', this.#onExit);
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async pause(): Promise<void> {
    await this.runner.run([join(this.bin, 'pg_ctl'), '-D', this.data, '-m', 'fast', '-w', 'stop']);
  }

  async resume(): Promise<void> {
    const port = new URL(this.url).port;
    await this.runner.run([
      join(this.bin, 'pg_ctl'),
      '-D',
      this.data,
      '-l',
      join(this.root, 'postgres.log'),
      '-o',
      `-p ${port}`,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  }

  async #stop(): Promise<void> {
    process.removeListener('exit', this.#onExit);
    try {
      await this.runner.run([join(this.bin, 'pg_ctl'), '-D', this.data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      await killPostmaster(this.data);
    } finally {
      await rm(this.root, { recursive: true, force: true });
    }
  }

  #stopSync(): void {
    const pid = postmasterPid(this.data);
    if (pid) signal(pid, 'SIGQUIT');
    rmSync(this.root, { recursive: true, force: true });
  }
}

async function startOnFreePort(runner: Runner, bin: string, data: string, log: string): Promise<number> {
  // The port is free when probed but could be taken before the server binds it: retry on a new one.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      await runner.run([
        join(bin, 'pg_ctl'),
        ...['-D', data, '-l', log, '-o', `-p ${port}`, '-w', '-t', '60', 'start'],
      ]);
      return port;
    } catch (err) {
      const text = await readFile(log, 'utf8').catch(() => '');
      if (attempt < 3 && /could not bind|address already in use/i.test(text)) continue;
      throw new Error(`PostgreSQL did not start on port ${port}. Server log:\n${text.slice(-4000)}`, {
        cause: err,
      });
    }
  }
}

async function findBinDir(): Promise<string> {
  const debianRoot = '/usr/lib/postgresql';
  const versions = (await readdir(debianRoot).catch(() => [] as string[]))
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  const candidates = versions.map((v) => join(debianRoot, v, 'bin'));
  candidates.push(...(process.env.PATH ?? '').split(delimiter).filter(Boolean));
  for (const dir of candidates) {
    if ((await isExecutable(join(dir, 'initdb'))) && (await isExecutable(join(dir, 'pg_ctl')))) return dir;
  }
  throw new Error(
    `PostgreSQL server binaries (initdb, pg_ctl) not found in ${debianRoot}/*/bin or on PATH. ${INSTALL_HINT}`,
  );
}

async function makeRunner(cwd: string): Promise<Runner> {
  if (process.getuid?.() !== 0) {
    return { asUser: undefined, run: (argv) => exec(argv[0]!, argv.slice(1), cwd) };
  }
  const passwd = await readFile('/etc/passwd', 'utf8');
  const entry = passwd.split('\n').find((line) => line.startsWith('postgres:'));
  const [, , uid, gid] = entry?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(`Running as root, but there is no 'postgres' user to run the server as. ${INSTALL_HINT}`);
  }
  return {
    asUser: { uid: Number(uid), gid: Number(gid) },
    run: (argv) => exec('su', ['postgres', '-s', '/bin/sh', '-c', argv.map(shellQuote).join(' ')], cwd),
  };
}

function exec(file: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const cmd = [file, ...args].join(' ');
      reject(
        new Error(`\`${cmd}\` failed (exit ${err.code ?? err.signal}):\n${stdout}${stderr}`, { cause: err }),
      );
    });
  });
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

function postmasterPid(data: string): number | undefined {
  const file = join(data, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Last resort when pg_ctl fails: SIGQUIT is PostgreSQL's immediate shutdown, SIGKILL if it lingers. */
async function killPostmaster(data: string): Promise<void> {
  const pid = postmasterPid(data);
  if (!pid || !signal(pid, 'SIGQUIT')) return;
  for (let i = 0; i < 50 && signal(pid, 0); i++) await new Promise((r) => setTimeout(r, 100));
  signal(pid, 'SIGKILL');
}

function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
