import { parseArgs } from 'node:util';

export type BackendName = 'sqlite' | 'postgres';

export interface BenchArgs {
  readonly backends: readonly BackendName[];
  /** Measured ingest duration per backend, after the warm-up. */
  readonly seconds: number;
  /** Runs seeded for the search benchmark. */
  readonly runs: number;
  /** Print one JSON document instead of tables. */
  readonly json: boolean;
  /** Print the query plans of mloop's search statement and of the baseline. */
  readonly explain: boolean;
}

const USAGE =
  'usage: node --import tsx bench/<name>.ts [--backend sqlite|postgres|all] [--seconds N] [--runs N] [--json] [--explain]';

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      backend: { type: 'string', default: 'all' },
      seconds: { type: 'string', default: '10' },
      runs: { type: 'string', default: '100000' },
      json: { type: 'boolean', default: false },
      explain: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const backend = values.backend;
  const backends: BackendName[] | undefined =
    backend === 'all'
      ? ['sqlite', 'postgres']
      : backend === 'sqlite' || backend === 'postgres'
        ? [backend]
        : undefined;
  if (!backends) {
    throw new Error(`--backend ${JSON.stringify(backend)}: expected sqlite, postgres or all.\n${USAGE}`);
  }
  return Object.freeze({
    backends,
    seconds: positive(values.seconds, '--seconds'),
    runs: positive(values.runs, '--runs'),
    json: values.json,
    explain: values.explain,
  });
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${flag} ${JSON.stringify(value)}: expected a positive number.\n${USAGE}`);
  return n;
}
