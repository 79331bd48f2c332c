import { readFileSync } from 'node:fs';
import { suggest } from './errors.js';

/** The subset of JSON Schema that schemas/mloop.schema.json uses. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  minLength?: number;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  minimum?: number;
  pattern?: string;
  description?: string;
  $defs?: Record<string, JsonSchema>;
}

let cached: JsonSchema | undefined;

/** The committed schema of mloop.yaml (schemas/ sits beside src/ and dist/, so one relative path serves both). */
export function mloopSchema(): JsonSchema {
  cached ??= JSON.parse(
    readFileSync(new URL('../../schemas/mloop.schema.json', import.meta.url), 'utf8'),
  ) as JsonSchema;
  return cached;
}

export interface SchemaProblem {
  /** Path of keys, e.g. ['pipeline', 'stages', 'train', 'retry']. */
  path: string[];
  message: string;
}

const typeOf = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'array'
      : typeof v === 'number' && Number.isInteger(v)
        ? 'integer'
        : typeof v;

const matchesType = (v: unknown, t: string): boolean =>
  t === 'number' ? typeof v === 'number' : t === typeOf(v) || (t === 'integer' && Number.isInteger(v));

/**
 * Checks a value against the schema and returns every problem with its key path. Written here rather than taken from
 * a validator library because the messages are the product: an unknown key gets the closest known one, and a value
 * that fits no branch of an `anyOf` is described by what each branch wanted, not by a list of internal keywords.
 */
export function checkSchema(
  value: unknown,
  schema: JsonSchema,
  root: JsonSchema = schema,
  path: string[] = [],
): SchemaProblem[] {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/$defs/', '');
    const target = root.$defs?.[name];
    if (!target) throw new Error(`mloop.schema.json: unresolved $ref ${schema.$ref}`);
    return checkSchema(value, target, root, path);
  }
  if (schema.anyOf) {
    const results = schema.anyOf.map((s) => checkSchema(value, s, root, path));
    if (results.some((r) => r.length === 0)) return [];
    // The branch whose type matched explains best; otherwise list what was expected.
    const resolve = (s: JsonSchema) => (s.$ref ? (root.$defs?.[s.$ref.replace('#/$defs/', '')] ?? s) : s);
    const typed = schema.anyOf
      .map(resolve)
      .findIndex((s) => s.type !== undefined && typeMatches(value, s.type));
    if (typed >= 0) return results[typed]!;
    return [
      {
        path,
        message: `expected ${schema.anyOf.map(resolve).map(describe).join(' or ')}, got ${show(value)}`,
      },
    ];
  }
  if (schema.enum && !schema.enum.includes(value))
    return [
      {
        path,
        message: `${show(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}${typeof value === 'string' ? suggest(value, schema.enum.map(String)) : ''}`,
      },
    ];
  if (schema.type !== undefined && !typeMatches(value, schema.type))
    return [{ path, message: `expected ${describe(schema)}, got ${show(value)}` }];
  const problems: SchemaProblem[] = [];
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      problems.push({ path, message: 'must not be empty' });
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value))
      problems.push({ path, message: `${show(value)} does not match ${schema.pattern}` });
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum)
    problems.push({ path, message: `must be at least ${schema.minimum}, got ${value}` });
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      problems.push({ path, message: `needs at least ${schema.minItems} item(s)` });
    if (schema.items)
      value.forEach((v, i) => {
        problems.push(...checkSchema(v, schema.items!, root, [...path, String(i)]));
      });
  } else if (typeOf(value) === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? [])
      if (!(key in record)) problems.push({ path: [...path, key], message: 'is required' });
    const known = Object.keys(schema.properties ?? {});
    for (const [key, v] of Object.entries(record)) {
      if (schema.propertyNames) {
        for (const p of checkSchema(key, schema.propertyNames, root, [...path, key]))
          problems.push({ ...p, message: `invalid name: ${p.message}` });
      }
      const property = schema.properties?.[key];
      if (property) problems.push(...checkSchema(v, property, root, [...path, key]));
      else if (schema.additionalProperties === false)
        problems.push({ path: [...path, key], message: `unknown key${suggest(key, known)}` });
      else if (typeof schema.additionalProperties === 'object')
        problems.push(...checkSchema(v, schema.additionalProperties, root, [...path, key]));
    }
  }
  return problems;
}

function typeMatches(value: unknown, type: string | string[]): boolean {
  return (Array.isArray(type) ? type : [type]).some((t) => matchesType(value, t));
}

function describe(schema: JsonSchema): string {
  if (schema.enum) return `one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : ['a value'];
  const words = types.map((t) =>
    t === 'array' && schema.items?.type
      ? `a list of ${schema.items.type}s`
      : t === 'integer'
        ? 'an integer'
        : `a ${t}`,
  );
  return words.join(' or ').replace('a object', 'an object').replace('a array', 'an array');
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
