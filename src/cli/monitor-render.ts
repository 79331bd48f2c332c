import { writeFile } from 'node:fs/promises';
import pc from 'picocolors';
import { type Progress, SILENT } from '../data/progress.js';
import type { FileDriftReport } from '../monitor/offline.js';
import { renderDriftReport } from '../monitor/report/html.js';
import { CliError } from './cli-error.js';
import { formatNumber, note, printJson, table, truncate } from './output.js';
import { terminalProgress } from './progress-bar.js';

export { printJson };

/** How `mloop monitor` commands print for people; `--json` prints the same objects as JSON instead. */

export const progress = (): Progress => terminalProgress() ?? SILENT;

const count = (n: number) => n.toLocaleString('en-US');
const pct = (share: number) => `${Number((share * 100).toFixed(1))}%`;

export function printDrift(r: FileDriftReport, html?: string): void {
  const tested = r.columns.length;
  const verdict = r.drifted
    ? pc.red(pc.bold('Dataset drift detected'))
    : pc.green(pc.bold('No dataset drift'));
  console.log(
    `${verdict}: ${r.driftedColumns} of ${tested} columns drifted (${pct(r.share)}; drift when ≥ ${pct(r.shareThreshold)}).`,
  );
  console.log(
    `Reference: ${r.reference} (${count(r.referenceRows)} rows). Current: ${r.current} (${count(r.currentRows)} rows).`,
  );
  if (tested > 0)
    console.log(
      table(
        ['COLUMN', 'KIND', 'TEST', 'STATISTIC', 'P-VALUE', 'THRESHOLD', 'VERDICT'],
        r.columns.map((c) => [
          c.column,
          c.kind,
          c.method,
          formatNumber(c.statistic),
          c.pValue === undefined ? '-' : formatNumber(c.pValue),
          formatNumber(c.threshold),
          c.drifted ? pc.red('drift') : 'no drift',
        ]),
        { alignRight: [3, 4, 5] },
      ),
    );
  for (const s of r.skipped) console.log(`${pc.yellow('skipped')} ${s.column}: ${truncate(s.reason, 160)}`);
  if (html) note(`HTML report: ${html}`);
  note('Each test states its exact convention (log base, bins, epsilon) in --json and the HTML report.');
}

export async function writeHtml(file: string, r: FileDriftReport): Promise<void> {
  const html = renderDriftReport(r, {
    title: 'Data drift report',
    reference: `${r.reference} (${count(r.referenceRows)} rows)`,
    current: `${r.current} (${count(r.currentRows)} rows)`,
  });
  try {
    await writeFile(file, html);
  } catch (err) {
    throw new CliError(`--html ${file}: cannot write the report: ${(err as Error).message}`, 2, {
      cause: err,
    });
  }
}
