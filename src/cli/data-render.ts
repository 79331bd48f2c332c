import { relative } from 'node:path';
import type { DataProfile } from '../data/profile/profile.js';
import { type Progress, SILENT } from '../data/progress.js';
import type { DatasetRunRef, DatasetSummary, DatasetVersion, DatasetVersionInfo } from '../data/types.js';
import type { AddResult } from '../data/workspace/add.js';
import type { PointerStatus } from '../data/workspace/status.js';
import type { CheckoutResult, PullResult, PushResult } from '../data/workspace/sync.js';
import type { ValidateReport } from '../data/workspace/validate.js';
import { fields, formatNumber, formatTime, heading, note, printJson, table, truncate } from './output.js';
import { bytes, terminalProgress } from './progress-bar.js';

export { printJson };

/** How `mloop data` commands print for people; `--json` prints the same objects as JSON instead. */

export const progress = (): Progress => terminalProgress() ?? SILENT;

const short = (hash: string) => hash.slice(0, 12);
const count = (n: number) => n.toLocaleString('en-US');
const where = (file: string) => relative(process.cwd(), file) || file;

export function printAdd(r: AddResult): void {
  const v = r.version;
  const rows = v.rows === null ? '' : `, ${count(v.rows)} rows`;
  const what = v.kind === 'dir' ? `${count(v.files)} files, ${bytes(v.size)}` : bytes(v.size);
  console.log(
    r.created
      ? `Added ${v.name}@${v.version} (sha256 ${short(v.hash)}, ${what}${rows}).`
      : `${v.name}@${v.version} already holds this content (sha256 ${short(v.hash)}); no new version.`,
  );
  console.log(`Pointer: ${where(r.pointerFile)} (commit it to git)`);
  if (r.uploaded.files > 0)
    console.log(`Uploaded ${count(r.uploaded.files)} file(s), ${bytes(r.uploaded.bytes)}.`);
  else console.log('The store already had the content; nothing uploaded.');
  if (r.runId) console.log(`Logged as an input of run ${r.runId}.`);
}

export function statusJson(s: PointerStatus) {
  return {
    pointer: s.pointer.file,
    name: s.pointer.name,
    version: s.pointer.version,
    path: s.pointer.dataPath,
    state: s.state,
    hash: s.hash ?? null,
    pointerHash: s.pointer.hash,
  };
}

export function printStatus(statuses: PointerStatus[]): void {
  if (statuses.length === 0) {
    console.log('No pointer files (*.mloop) found. Add data with: mloop data add PATH');
    return;
  }
  const changed = statuses.filter((s) => s.state !== 'unchanged');
  if (changed.length === 0) {
    console.log(`All ${statuses.length} dataset(s) match their pointers.`);
    return;
  }
  console.log(
    table(
      ['DATASET', 'STATE', 'PATH', 'POINTER'],
      changed.map((s) => [
        `${s.pointer.name}@${s.pointer.version}`,
        s.state,
        where(s.pointer.dataPath),
        where(s.pointer.file),
      ]),
    ),
  );
  note(
    `${changed.length} of ${statuses.length} changed. 'mloop data add PATH' records a change; 'mloop data pull --force' restores the pointer's version.`,
  );
}

export function printPush(results: PushResult[]): void {
  if (results.length === 0) {
    console.log('No pointer files (*.mloop) found.');
    return;
  }
  for (const r of results) {
    const up = r.uploaded.files
      ? `uploaded ${r.uploaded.files} file(s), ${bytes(r.uploaded.bytes)}`
      : 'content already stored';
    console.log(`${r.name}@${r.version}: ${up}${r.recorded ? '; version recorded' : ''}.`);
  }
}

export function printPull(results: PullResult[]): void {
  if (results.length === 0) {
    console.log('No pointer files (*.mloop) found.');
    return;
  }
  for (const r of results) {
    console.log(
      r.action === 'up-to-date'
        ? `${r.name}@${r.version}: up to date.`
        : `${r.name}@${r.version}: restored ${r.files} file(s), ${bytes(r.bytes)}.`,
    );
  }
}

export function printCheckout(r: CheckoutResult): void {
  console.log(
    `Checked out ${r.name}@${r.version} (sha256 ${short(r.hash)}) to ${where(r.path)}; ${r.files} file(s) written.`,
  );
  console.log(`Pointer: ${where(r.pointer)}`);
}

export function printProfile(file: string, p: DataProfile): void {
  console.log(`${file}: ${count(p.rows)} rows, ${p.columns.length} columns`);
  const head = [
    'COLUMN',
    'TYPE',
    'MISSING',
    'DISTINCT≈',
    'MIN',
    'MEDIAN≈',
    'MEAN',
    'MAX',
    'STDDEV',
    'TOP VALUES',
  ];
  const rows = p.columns.map((c) => {
    const ts = c.type === 'timestamp';
    const num = (v: number | undefined | null) =>
      v === undefined || v === null
        ? '-'
        : ts
          ? new Date(v).toISOString().replace('.000Z', 'Z')
          : formatNumber(v);
    const median = c.summary.quantiles.find((q) => q.q === 0.5)?.value;
    const top = c.summary.topK
      .slice(0, 3)
      .map((t) => `${ts && typeof t.value === 'number' ? num(t.value) : String(t.value)} (${count(t.count)})`)
      .join(', ');
    return [
      c.name,
      c.type,
      c.missing ? `${count(c.missing)} (${((100 * c.missing) / Math.max(1, c.count)).toFixed(1)}%)` : '0',
      count(c.summary.distinct),
      num(c.numeric?.min),
      num(median),
      ts ? '-' : num(c.numeric?.mean),
      num(c.numeric?.max),
      ts ? '-' : num(c.summary.stddev),
      truncate(top, 48),
    ];
  });
  console.log(table(head, rows, { alignRight: [2, 3, 4, 5, 6, 7, 8] }));
  note(
    '≈: from sketches (quantiles ±1.05% rank, distinct ±4.9%, top counts are lower bounds); --json has everything.',
  );
}

export function printValidation(file: string, r: ValidateReport): void {
  if (r.anomalies.length === 0) {
    console.log(`No anomalies: ${count(r.rows)} rows of ${file} match the schema of ${r.against}.`);
    return;
  }
  console.log(`${r.anomalies.length} anomalies in ${file} (${count(r.rows)} rows) against ${r.against}:`);
  console.log(
    table(
      ['RULE', 'COLUMN', 'COUNT', 'DETAIL'],
      r.anomalies.map((a) => [a.rule, a.column, count(a.count), truncate(a.message, 100)]),
      { alignRight: [2] },
    ),
  );
}

export function printList(items: DatasetSummary[]): void {
  if (items.length === 0) {
    console.log('No datasets. Add one with: mloop data add PATH');
    return;
  }
  console.log(
    table(
      ['NAME', 'LATEST', 'VERSIONS', 'UPDATED'],
      items.map((d) => [d.name, String(d.latestVersion), String(d.versions), formatTime(d.lastUpdateTime)]),
      { alignRight: [1, 2] },
    ),
  );
}

export function printVersions(name: string, versions: DatasetVersionInfo[]): void {
  console.log(heading(name));
  console.log(
    table(
      ['VERSION', 'HASH', 'SIZE', 'ROWS', 'FORMAT', 'SOURCE', 'CREATED'],
      versions.map((v) => [
        String(v.version),
        short(v.hash),
        bytes(v.size),
        v.rows === null ? '-' : count(v.rows),
        v.format ?? (v.kind === 'dir' ? `dir (${v.files} files)` : '-'),
        truncate(v.sourcePath, 40),
        formatTime(v.creationTime),
      ]),
      { alignRight: [0, 2, 3] },
    ),
  );
}

export function printVersion(v: DatasetVersion & { runs: DatasetRunRef[] }): void {
  const sections = [
    fields([
      ['Dataset', `${v.name}@${v.version}`],
      ['Hash', `sha256:${v.hash}`],
      ['Kind', v.kind === 'dir' ? `directory of ${count(v.files)} files` : 'file'],
      ['Size', bytes(v.size)],
      ['Rows', v.rows === null ? '-' : count(v.rows)],
      ['Format', v.format ?? '-'],
      ['Source', v.sourcePath],
      ['Created', formatTime(v.creationTime)],
    ]),
  ];
  if (v.schema) {
    sections.push(
      `${heading('Schema')}\n${table(
        ['COLUMN', 'TYPE', 'NULLABLE', 'CONSTRAINT'],
        v.schema.columns.map((c) => [
          c.name,
          c.type,
          c.nullable ? `yes (≤ ${(c.maxMissingRate * 100).toFixed(1)}%)` : 'no',
          c.domain
            ? truncate(`one of ${c.domain.length}: ${c.domain.slice(0, 6).join(', ')}`, 60)
            : c.min !== undefined
              ? c.type === 'timestamp'
                ? `${new Date(c.min).toISOString()} .. ${new Date(c.max!).toISOString()}`
                : `${formatNumber(c.min)} .. ${formatNumber(c.max!)}`
              : '-',
        ]),
      )}`,
    );
  }
  if (v.runs.length) {
    sections.push(
      `${heading('Used by runs')}\n${table(
        ['RUN ID', 'EXPERIMENT', 'CONTEXT'],
        v.runs.map((r) => [r.runId, r.experimentId, r.context ?? '-']),
      )}`,
    );
  }
  console.log(sections.join('\n\n'));
}
