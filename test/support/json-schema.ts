import type { SchemaObject } from '../../src/server/openapi-schemas.js';

/**
 * Checks a value against the subset of JSON Schema the OpenAPI document uses; returns the problems found, each
 * with its JSON path. Small on purpose: enough to prove the document describes what the API really sends.
 */
export function schemaErrors(
  value: unknown,
  schema: SchemaObject,
  schemas: Record<string, SchemaObject>,
  path = '$',
): string[] {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = schemas[name];
    return target ? schemaErrors(value, target, schemas, path) : [`${path}: unresolved $ref ${schema.$ref}`];
  }
  if (schema.allOf) return schema.allOf.flatMap((s) => schemaErrors(value, s, schemas, path));
  if (schema.oneOf) {
    const matches = schema.oneOf.filter((s) => schemaErrors(value, s, schemas, path).length === 0).length;
    return matches === 1 ? [] : [`${path}: ${JSON.stringify(value)} matches ${matches} of oneOf, expected 1`];
  }
  const errors: string[] = [];
  if (schema.enum && !schema.enum.includes(value as string)) {
    errors.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  }
  switch (schema.type) {
    case undefined:
      break;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${path}: expected object`];
      const record = value as Record<string, unknown>;
      for (const key of schema.required ?? []) if (!(key in record)) errors.push(`${path}.${key}: missing`);
      for (const [key, v] of Object.entries(record)) {
        const property = schema.properties?.[key];
        if (property) errors.push(...schemaErrors(v, property, schemas, `${path}.${key}`));
        else if (schema.additionalProperties === false) errors.push(`${path}.${key}: not in the schema`);
      }
      break;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${path}: expected array`];
      if (schema.items) {
        for (const [i, v] of value.entries())
          errors.push(...schemaErrors(v, schema.items, schemas, `${path}[${i}]`));
      }
      break;
    case 'integer':
      if (!Number.isInteger(value)) errors.push(`${path}: expected integer, got ${JSON.stringify(value)}`);
      break;
    case 'null':
      if (value !== null) errors.push(`${path}: expected null, got ${JSON.stringify(value)}`);
      break;
    case 'number':
      if (typeof value !== 'number') errors.push(`${path}: expected number, got ${JSON.stringify(value)}`);
      break;
    default:
      if (typeof value !== schema.type)
        errors.push(`${path}: expected ${schema.type}, got ${JSON.stringify(value)}`);
  }
  return errors;
}
