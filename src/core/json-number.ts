/**
 * JSON has no NaN or ±Infinity; like protobuf-JSON (and MLflow), mloop sends them as the strings "NaN",
 * "Infinity" and "-Infinity". Pure, so both the server and the SDK use it.
 */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export function encodeJsonNumber(value: number): JsonNumber {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

export function decodeJsonNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}
