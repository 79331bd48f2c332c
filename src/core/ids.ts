import { randomBytes, randomUUID } from 'node:crypto';

/** MLflow run ids are uuid4().hex: 32 lowercase hex characters. */
export const newRunId = (): string => randomUUID().replaceAll('-', '');
export const newLoggedModelId = (): string => `m-${newRunId()}`;
export const newUuid = (): string => randomUUID();

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
