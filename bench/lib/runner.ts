import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { type BackendName, type BenchArgs, parseBenchArgs } from './args.js';
import { Backends } from './backends.js';
import { ensureBuilt } from './server.js';
import { printTable, type ResultRow } from './table.js';

export type Log = (line: string) => void;

export interface Bench {
  readonly name: string;
  readonly title: string;
  run(backends: Backends, backend: BackendName, args: BenchArgs, log: Log): Promise<ResultRow[]>;
  /** Uses no store: run once (on the first selected backend's turn), not once per backend. */
  readonly backendless?: boolean;
}

/** Progress goes to stderr, so that `--json` leaves stdout holding one JSON document. */
const log: Log = (line) => process.stderr.write(`[bench] ${line}\n`);

/** Runs benchmarks on each selected backend (one PostgreSQL cluster shared by all) and prints their tables. */
export async function runBenches(benches: readonly Bench[], argv: readonly string[]): Promise<void> {
  const args = parseBenchArgs(argv);
  ensureBuilt(log);
  // Other processes on the machine skew every figure; the load average says whether they were there.
  const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  log(`load average at start: ${loadAtStart.join(', ')} (${cpus().length} CPUs)`);
  const backends = new Backends();
  const results: ResultRow[] = [];
  const started = new Date();
  try {
    for (const bench of benches) {
      const rows: ResultRow[] = [];
      for (const backend of bench.backendless ? args.backends.slice(0, 1) : args.backends) {
        log(`${bench.name} on ${backend} …`);
        rows.push(...(await bench.run(backends, backend, args, log)));
      }
      results.push(...rows);
      if (!args.json) printTable(bench.title, rows);
    }
  } finally {
    await backends.close();
  }
  const loadAtEnd = loadavg().map((l) => Number(l.toFixed(2)));
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    platform: process.platform,
  };
  if (args.json) {
    const load = { start: loadAtStart, end: loadAtEnd };
    console.log(JSON.stringify({ date: started.toISOString(), machine, load, args, results }, null, 2));
  } else {
    console.log(
      `\n${started.toISOString()} · ${machine.cpus} × ${machine.cpu} · Node ${machine.node} · load average (1/5/15 min) at start ${loadAtStart.join(' ')}, at end ${loadAtEnd.join(' ')}`,
    );
  }
}

/** True when the module at `url` is the script node was started with. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}
