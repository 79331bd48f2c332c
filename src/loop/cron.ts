import { invalid, show } from '../core/errors.js';

/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated in UTC. Fields take `*`,
 * numbers, ranges `a-b`, lists `a,b` and steps `*\/n` or `a-b/n`; day-of-week 0 or 7 is Sunday. As in Vixie cron,
 * when both day fields are restricted a day matches if either does.
 */
export interface Cron {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

function field(text: string, spec: (typeof FIELDS)[number], key: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    const bad = () =>
      invalid(
        `'${key}': the ${spec.name} field ${show(part)} is not valid: use *, N, A-B, lists (1,15) or steps (*/5), with values ${spec.min} to ${spec.max}.`,
      );
    if (!m) throw bad();
    const from = m[1] === '*' ? spec.min : Number(m[2]);
    const to = m[1] === '*' ? spec.max : m[3] !== undefined ? Number(m[3]) : m[4] ? spec.max : from;
    const step = m[4] ? Number(m[4]) : 1;
    if (from < spec.min || to > spec.max || from > to || step < 1) throw bad();
    for (let v = from; v <= to; v += step) out.add(spec.name === 'day of week' && v === 7 ? 0 : v);
  }
  return out;
}

export function parseCron(text: string, key = 'schedule'): Cron {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 5)
    throw invalid(
      `'${key}' must be a cron expression of five fields (minute hour day-of-month month day-of-week, UTC), e.g. "0 3 * * 1", got ${show(text)}.`,
    );
  const [minutes, hours, days, months, weekdays] = parts.map((p, i) => field(p, FIELDS[i]!, key)) as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  return {
    minutes,
    hours,
    days,
    months,
    weekdays,
    daysRestricted: parts[2] !== '*',
    weekdaysRestricted: parts[4] !== '*',
  };
}

export function cronMatches(cron: Cron, ms: number): boolean {
  const d = new Date(ms);
  if (!cron.minutes.has(d.getUTCMinutes()) || !cron.hours.has(d.getUTCHours())) return false;
  if (!cron.months.has(d.getUTCMonth() + 1)) return false;
  const dom = cron.days.has(d.getUTCDate());
  const dow = cron.weekdays.has(d.getUTCDay());
  if (cron.daysRestricted && cron.weekdaysRestricted) return dom || dow;
  return dom && dow;
}

/**
 * The latest minute in (after, now] the expression matches, or undefined. Looks back at most `horizonMs` (a server
 * that was down for weeks fires once, for the latest missed time, not once per missed time).
 */
export function lastFireBetween(cron: Cron, after: number, now: number, horizonMs = 7 * 86_400_000) {
  const start = Math.max(after, now - horizonMs);
  for (let t = Math.floor(now / 60_000) * 60_000; t > start; t -= 60_000) if (cronMatches(cron, t)) return t;
  return undefined;
}
