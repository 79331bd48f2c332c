import { invalid, show } from '../core/errors.js';

/** One learner parameter: its default and its valid range; `--params k=v` strings are parsed here. */
export interface ParamDef {
  default: number | string | boolean;
  kind: 'int' | 'number' | 'enum' | 'boolean';
  min?: number;
  max?: number;
  /** Whether min itself is excluded. */
  exclusiveMin?: boolean;
  values?: readonly string[];
  doc: string;
}

export type ParamDefs = Record<string, ParamDef>;

export function resolveParams(
  learner: string,
  defs: ParamDefs,
  given: Record<string, unknown> | undefined,
): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [k, d] of Object.entries(defs)) out[k] = d.default;
  for (const [k, raw] of Object.entries(given ?? {})) {
    const d = defs[k];
    if (!d) {
      throw invalid(
        `Unknown ${learner} parameter ${show(k)}; valid parameters: ${Object.keys(defs).join(', ')}. See docs/learners.md.`,
      );
    }
    out[k] = parseParam(learner, k, d, raw);
  }
  return out;
}

function parseParam(learner: string, key: string, d: ParamDef, raw: unknown): number | string | boolean {
  const where = `${learner} parameter ${key}`;
  if (d.kind === 'enum') {
    if (typeof raw !== 'string' || !d.values!.includes(raw))
      throw invalid(`${where} must be one of ${d.values!.join(', ')}, got ${show(raw)}.`);
    return raw;
  }
  if (d.kind === 'boolean') {
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    throw invalid(`${where} must be true or false, got ${show(raw)}.`);
  }
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(`${where} must be a finite number, got ${show(raw)}.`);
  if (d.kind === 'int' && !Number.isInteger(value))
    throw invalid(`${where} must be an integer, got ${show(raw)}.`);
  const low = d.min ?? Number.NEGATIVE_INFINITY;
  const high = d.max ?? Number.POSITIVE_INFINITY;
  if (value < low || (d.exclusiveMin && value === low) || value > high) {
    const range = `${d.exclusiveMin ? '(' : '['}${low}, ${high}]`;
    throw invalid(`${where} must be in ${range}, got ${show(raw)}.`);
  }
  return value;
}
