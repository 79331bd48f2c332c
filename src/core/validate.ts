import { invalid, show } from './errors.js';

/**
 * Field validators shared by every API surface. Each error names the field, the value received and what is valid.
 */
export function requireString(
  value: unknown,
  field: string,
  opts: { max?: number; allowEmpty?: boolean } = {},
): string {
  if (value === undefined || value === null || (value === '' && !opts.allowEmpty)) {
    throw invalid(`Missing value for required parameter '${field}'.`);
  }
  if (typeof value !== 'string') {
    throw invalid(`Invalid value ${show(value)} for parameter '${field}' supplied: expected a string.`);
  }
  if (opts.max !== undefined && value.length > opts.max) {
    throw invalid(`'${field}' exceeds the maximum length of ${opts.max} characters (got ${value.length}).`);
  }
  return value;
}

export function optionalString(
  value: unknown,
  field: string,
  opts: { max?: number } = {},
): string | undefined {
  if (value === undefined || value === null) return undefined;
  return requireString(value, field, { ...opts, allowEmpty: true });
}

/** Accepts JSON numbers and decimal strings (protobuf-JSON encodes int64 either way). */
export function optionalInt(
  value: unknown,
  field: string,
  opts: { min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw invalid(`Invalid value ${show(value)} for parameter '${field}' supplied: expected an integer.`);
  }
  if (opts.min !== undefined && n < opts.min) {
    throw invalid(`Invalid value ${n} for parameter '${field}' supplied: must be at least ${opts.min}.`);
  }
  if (opts.max !== undefined && n > opts.max) {
    throw invalid(`Invalid value ${n} for parameter '${field}' supplied: must be at most ${opts.max}.`);
  }
  return n;
}

export function requireInt(value: unknown, field: string, opts: { min?: number; max?: number } = {}): number {
  const n = optionalInt(value, field, opts);
  if (n === undefined) throw invalid(`Missing value for required parameter '${field}'.`);
  return n;
}

export function optionalBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalid(`Invalid value ${show(value)} for parameter '${field}' supplied: expected true or false.`);
}

export function optionalArray(value: unknown, field: string, opts: { max?: number } = {}): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw invalid(`Invalid value ${show(value)} for parameter '${field}' supplied: expected a list.`);
  }
  if (opts.max !== undefined && value.length > opts.max) {
    throw invalid(`'${field}' has ${value.length} entries, more than the limit of ${opts.max}.`);
  }
  return value;
}

export function requireObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`Invalid value ${show(value)} for parameter '${field}' supplied: expected an object.`);
  }
  return value as Record<string, unknown>;
}

export function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw invalid(
    `Invalid value ${show(value)} for parameter '${field}' supplied: expected one of ${allowed.join(', ')}.`,
  );
}

/** Whether a string holds a C0 control character or DEL (NUL, newlines, escapes…). */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
