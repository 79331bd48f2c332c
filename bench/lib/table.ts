import Table from 'cli-table3';

/** One line of a benchmark's result table: the figure, its same-run baseline, their ratio and the target. */
export interface ResultRow {
  bench: string;
  backend: string;
  metric: string;
  value: number;
  unit: string;
  baseline?: number;
  /** What the ratio is, e.g. "mloop / raw insert". */
  ratio?: number;
  target?: string;
  /** undefined when the row has no target. */
  pass?: boolean;
  note?: string;
}

export function formatNumber(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  if (unit === '' && value !== 0 && Math.abs(value) < 0.01) return value.toExponential(1);
  const digits = unit === 'ms' || unit === 'µs' || unit === 's' ? (value < 10 ? 2 : 1) : 0;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
}

export function printTable(title: string, rows: readonly ResultRow[]): void {
  const table = new Table({
    head: ['backend', 'figure', 'mloop', 'baseline', 'ratio', 'target', 'result'],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    table.push([
      r.backend,
      r.metric,
      formatNumber(r.value, r.unit),
      r.baseline === undefined ? '' : formatNumber(r.baseline, r.unit),
      r.ratio === undefined ? '' : r.ratio.toFixed(2),
      r.target ?? '',
      r.pass === undefined ? '' : r.pass ? 'PASS' : 'MISS',
    ]);
  }
  console.log(`\n${title}`);
  console.log(table.toString());
  for (const r of rows) if (r.note) console.log(`  ${r.backend} ${r.metric}: ${r.note}`);
}
