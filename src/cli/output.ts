import Table from 'cli-table3';
import pc from 'picocolors';
import { encodeJsonNumber } from '../core/json-number.js';

/** Shared rendering of CLI output: borderless aligned tables for people, JSON for scripts. */

/** Prints machine-readable JSON on stdout; NaN and ±Infinity as the API sends them ("NaN", "Infinity"). */
export function printJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(
      value,
      (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? encodeJsonNumber(v) : v),
      2,
    )}\n`,
  );
}

/** Columns aligned with two spaces between them, headers in bold (when the terminal takes colour). */
export function table(head: string[], rows: string[][], opts: { alignRight?: number[] } = {}): string {
  const t = new Table({
    head: head.map((h) => pc.bold(h)),
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '  ',
    },
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [] },
    colAligns: head.map((_, i) => (opts.alignRight?.includes(i) ? 'right' : 'left')),
  });
  t.push(...rows);
  return t
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

/** `label  value` lines, labels padded to one width. */
export function fields(entries: [label: string, value: string][]): string {
  const width = Math.max(...entries.map(([label]) => label.length));
  return entries.map(([label, value]) => `${pc.dim(label.padEnd(width))}  ${value}`).join('\n');
}

export const heading = (text: string): string => pc.bold(text);

/** Local time to the second, e.g. 2025-01-31 14:05:09. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** 850ms, 12.3s, 4m 05s, 2h 03m. */
export function formatDuration(start: number, end: number | undefined): string {
  if (end === undefined) return '-';
  const ms = Math.max(0, end - start);
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Six significant digits, as a table wants; integers and special values as they are. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

/** One line of at most `max` characters: line breaks and runs of whitespace become one space. */
export function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export const note = (text: string): void => {
  process.stderr.write(`${pc.dim(text)}\n`);
};
