import type { ColumnProfile } from '../profile/column-profile.js';
import type { DataProfile } from '../profile/profile.js';
import type { ColumnSchema, DatasetSchema } from './schema.js';
import type { AnomalyRule } from './validate.js';

/**
 * One rule a dataset version's profile breaks against a schema (TFDV's `validate_statistics`: statistics against a
 * schema, no rows). Counts come from the profile's sketches: exact for missing values and for categories when the
 * frequent-items summary never evicted one; estimated (`approximate`) from the quantile sketch for a range.
 */
export interface ProfileAnomaly {
  rule: AnomalyRule;
  column: string;
  /** Values (or rows) that break the rule; a lower bound or an estimate when `approximate` says so. */
  count: number;
  approximate?: string;
  /** What the schema expects, in words. */
  expected: string;
  /** What the profile shows, in words. */
  found: string;
  message: string;
}

export interface ProfileValidation {
  rows: number;
  anomalies: ProfileAnomaly[];
}

const NUMERIC = new Set(['int', 'float', 'timestamp']);

/** Checks a version's profile against a schema: columns, types, missing shares, categories and ranges. */
export function validateProfile(schema: DatasetSchema, profile: DataProfile): ProfileValidation {
  const anomalies: ProfileAnomaly[] = [];
  const byName = new Map(profile.columns.map((c) => [c.name, c]));
  for (const s of schema.columns) {
    const c = byName.get(s.name);
    if (!c) {
      anomalies.push({
        rule: 'missing-column',
        column: s.name,
        count: profile.rows,
        expected: describe(s),
        found: 'no such column',
        message: `column ${q(s.name)} is missing; the schema has it (${describe(s)}).`,
      });
      continue;
    }
    anomalies.push(...checkColumn(s, c));
  }
  const known = new Set(schema.columns.map((s) => s.name));
  for (const c of profile.columns)
    if (!known.has(c.name))
      anomalies.push({
        rule: 'unexpected-column',
        column: c.name,
        count: c.count,
        expected: 'no such column',
        found: `${c.type}, ${c.count - c.missing} values`,
        message: `column ${q(c.name)} is not in the schema.`,
      });
  return { rows: profile.rows, anomalies };
}

function checkColumn(s: ColumnSchema, c: ColumnProfile): ProfileAnomaly[] {
  const out: ProfileAnomaly[] = [];
  const values = c.count - c.missing;
  // An int column read where floats were expected fits; anything else that differs does not.
  const fits =
    c.type === s.type || c.type === 'null' || (s.type === 'float' && c.type === 'int') || values === 0;
  if (!fits)
    out.push({
      rule: 'type-mismatch',
      column: s.name,
      count: values,
      expected: s.type,
      found: c.type,
      message: `column ${q(s.name)} holds ${c.type} values; the schema expects ${s.type}.`,
    });
  const rate = c.count === 0 ? 0 : c.missing / c.count;
  if (rate > s.maxMissingRate + 1e-12)
    out.push({
      rule: 'missing-values',
      column: s.name,
      count: c.missing,
      expected: `at most ${pct(s.maxMissingRate)} missing`,
      found: `${pct(rate)} missing`,
      message: `column ${q(s.name)} has ${c.missing} missing value(s) (${pct(rate)} of ${c.count} rows), more than the allowed ${pct(s.maxMissingRate)}.`,
    });
  if (s.domain && fits && (c.type === 'string' || c.type === 'bool')) {
    const domain = new Set(s.domain.map(String));
    const unseen = c.frequent.items.filter(([v]) => !domain.has(String(v)));
    const tracked = c.frequent.items.reduce((n, [, k]) => n + k, 0);
    const evicted = c.frequent.n - tracked;
    if (unseen.length > 0 || evicted > 0) {
      // Values the summary dropped mean more distinct values than it tracks, so at least (distinct − domain) of them
      // are outside a domain of at most 100: each such value occurs at least once.
      const tracked = unseen.reduce((n, [, k]) => n + k, 0);
      const count =
        evicted > 0 ? Math.max(tracked, Math.round(c.summary.distinct) - s.domain.length) : tracked;
      const shown = unseen.slice(0, 5).map(([v]) => q(String(v)));
      out.push({
        rule: 'unseen-category',
        column: s.name,
        count,
        ...(evicted > 0
          ? {
              approximate: `lower bound: ${evicted} value(s) were not tracked by the frequent-items summary; about ${Math.round(c.summary.distinct)} distinct values`,
            }
          : {}),
        expected: `one of ${s.domain.length} categories`,
        found: shown.length
          ? `${shown.join(', ')}${unseen.length > 5 ? ', …' : ''}`
          : `about ${Math.round(c.summary.distinct)} distinct values`,
        message: `${evicted > 0 ? 'at least ' : ''}${count} value(s) of column ${q(s.name)} are outside the schema's ${s.domain.length} categories${shown.length ? `, e.g. ${shown[0]}` : ''}.`,
      });
    }
  }
  if (NUMERIC.has(s.type) && s.min !== undefined && s.max !== undefined && c.numeric && fits && values > 0) {
    const { min, max } = c.numeric;
    if (min < s.min || max > s.max) {
      const count = outside(c, s.min, s.max);
      const range = `[${s.min}, ${s.max}]`;
      out.push({
        rule: 'out-of-range',
        column: s.name,
        count,
        approximate: 'estimated from the quantile sketch',
        expected: `within ${range}`,
        found: `[${min}, ${max}]`,
        message: `about ${count} value(s) of column ${q(s.name)} are outside the schema's range ${range} (found ${min} to ${max}).`,
      });
    }
  }
  return out;
}

/** Values outside [lo, hi], from the KLL items weighted 2^level (at least one: the profile's min or max is outside). */
function outside(c: ColumnProfile, lo: number, hi: number): number {
  if (!c.quantiles) return 1;
  let n = 0;
  c.quantiles.levels.forEach((items, level) => {
    for (const x of items) if (x < lo || x > hi) n += 2 ** level;
  });
  return Math.max(1, n);
}

function describe(s: ColumnSchema): string {
  const parts: string[] = [s.type];
  if (s.min !== undefined && s.max !== undefined) parts.push(`range [${s.min}, ${s.max}]`);
  if (s.domain) parts.push(`${s.domain.length} categories`);
  parts.push(s.nullable ? `up to ${pct(s.maxMissingRate)} missing` : 'never missing');
  return parts.join(', ');
}

const q = (s: string) => JSON.stringify(s);
const pct = (x: number) => `${(100 * x).toFixed(x < 0.01 && x > 0 ? 2 : 1)}%`;
