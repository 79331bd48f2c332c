import { randomBytes, randomUUID } from 'node:crypto';

/** MLflow run ids are uuid4().hex: 32 lowercase hex characters. */
export const newRunId = (): string => randomUUID().replaceAll('-', '');
export const newLoggedModelId = (): string => `m-${newRunId()}`;
export const newUuid = (): string => randomUUID();

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Prediction ids use it, so that an id
 * tells when it was made (monitoring can say that feedback for it came after the retention period).
 */
export function uuidv7(now = Date.now()): string {
  // The random bits come from randomUUID (a version 4 UUID), which draws on a cached entropy pool; a randomBytes call
  // per id cost more than the rest of building a prediction's answer. v4 keeps 12 random bits in its third group
  // after the version digit and 62 in the last two groups after the variant bits: the 74 that v7 carries as well.
  const r = randomUUID();
  const t = now.toString(16).padStart(12, '0');
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${r.slice(15)}`;
}

/** The creation time of a UUID version 7, or undefined for any other string. */
export function uuidv7Time(id: string): number | undefined {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) return undefined;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

const ADJECTIVES = [
  'brave',
  'calm',
  'eager',
  'fancy',
  'gentle',
  'jolly',
  'lucky',
  'merry',
  'nimble',
  'proud',
  'quick',
  'sly',
  'tidy',
  'witty',
];
const NOUNS = [
  'ant',
  'bat',
  'cod',
  'doe',
  'eel',
  'fox',
  'gnu',
  'hen',
  'jay',
  'koi',
  'owl',
  'ram',
  'yak',
  'wren',
];

/** A readable random run name, as MLflow generates when none is given. */
export function randomRunName(): string {
  const bytes = randomBytes(3);
  const adjective = ADJECTIVES[bytes[0]! % ADJECTIVES.length];
  const noun = NOUNS[bytes[1]! % NOUNS.length];
  return `${adjective}-${noun}-${bytes[2]! % 1000}`;
}
