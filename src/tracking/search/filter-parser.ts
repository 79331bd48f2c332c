import { invalid, show } from '../../core/errors.js';

export type Entity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface Clause {
  entity: Entity;
  key: string;
  comparator: Comparator;
  value: number | string | string[];
}

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'string'; text: string; quote: string }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'op'; text: string }
  | { kind: 'punct'; text: '(' | ')' | ',' | '.' };

const ENTITY_ALIASES: Record<string, Entity> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      let text = '';
      while (j < input.length && input[j] !== c) {
        if (input[j] === '\\' && j + 1 < input.length) j++;
        text += input[j];
        j++;
      }
      if (j >= input.length)
        throw invalid(`Invalid filter ${show(input)}: unterminated quote ${c} at position ${i}.`);
      tokens.push({ kind: 'string', text, quote: c });
      i = j + 1;
    } else if (/[0-9]/.test(c) || ((c === '-' || c === '+') && /[0-9.]/.test(input[i + 1] ?? ''))) {
      const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(input.slice(i))!;
      tokens.push({ kind: 'number', value: Number(m[0]), text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][\w\-/:]*/.exec(input.slice(i))!;
      tokens.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    } else if (c === '!' || c === '<' || c === '>' || c === '=') {
      const two = input.slice(i, i + 2);
      const op = two === '!=' || two === '<=' || two === '>=' || two === '==' ? two : c;
      if (op === '!') throw invalid(`Invalid filter ${show(input)}: unexpected '!' at position ${i}.`);
      tokens.push({ kind: 'op', text: op === '==' ? '=' : op });
      i += op.length;
    } else if (c === '(' || c === ')' || c === ',' || c === '.') {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      throw invalid(`Invalid filter ${show(input)}: unexpected character ${show(c)} at position ${i}.`);
    }
  }
  return tokens;
}

/** A position in a token list, with the identifier rules shared by filters and order_by. */
class Cursor {
  #pos = 0;
  constructor(private readonly tokens: Token[]) {}
  peek(offset = 0): Token | undefined {
    return this.tokens[this.#pos + offset];
  }
  next(): Token | undefined {
    return this.tokens[this.#pos++];
  }
  done(): boolean {
    return this.#pos >= this.tokens.length;
  }
  #isDot(t: Token | undefined): boolean {
    return t?.kind === 'punct' && t.text === '.';
  }

  identifier(fail: (what: string) => never): { entity: Entity; key: string } {
    const t = this.next();
    if (!t) return fail('expected an identifier');
    if (t.kind === 'string' && t.quote !== "'") return { entity: 'attribute', key: t.text };
    if (t.kind !== 'word') return fail(`expected an identifier, got ${show('text' in t ? t.text : t)}`);
    const entity = ENTITY_ALIASES[t.text.toLowerCase()];
    if (entity && this.#isDot(this.peek())) {
      this.next();
      const keyToken = this.next();
      if (keyToken?.kind === 'string' && keyToken.quote !== "'") return { entity, key: keyToken.text };
      if (keyToken?.kind === 'word' || keyToken?.kind === 'number')
        return { entity, key: this.#dotted(keyToken.text) };
      return fail(`expected a key after '${t.text}.'`);
    }
    // "run name" style attribute aliases are two words.
    const after = this.peek();
    if (t.text.toLowerCase() === 'run' && after?.kind === 'word' && after.text.toLowerCase() === 'name') {
      this.next();
      return { entity: 'attribute', key: 'run_name' };
    }
    return { entity: 'attribute', key: this.#dotted(t.text) };
  }

  /** Keys may contain dots (tags.mlflow.runName): consume `.word` runs that follow. */
  #dotted(first: string): string {
    let key = first;
    while (this.#isDot(this.peek())) {
      const after = this.peek(1);
      if (after?.kind !== 'word' && after?.kind !== 'number') break;
      this.next();
      this.next();
      key += `.${after.text}`;
    }
    return key;
  }
}

const VALID =
  'A filter is `<entity>.<key> <comparator> <value>` clauses joined by AND, e.g. "metrics.acc > 0.9 and params.model = \'gbdt\'".';

/** Parses MLflow's search grammar: a conjunction of clauses (no OR, no parentheses). */
export interface AttributeSpec {
  strings: ReadonlySet<string>;
  numbers: ReadonlySet<string>;
  /** Attributes that also accept IN / NOT IN. */
  lists?: ReadonlySet<string>;
}

export const RUN_ATTRIBUTES: AttributeSpec = {
  strings: new Set(['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'lifecycle_stage']),
  numbers: new Set(['start_time', 'end_time']),
  lists: new Set(['run_id']),
};

export const EXPERIMENT_ATTRIBUTES: AttributeSpec = {
  strings: new Set(['name']),
  numbers: new Set(['creation_time', 'last_update_time']),
};

export function parseFilter(
  filter: string | undefined,
  attributes: AttributeSpec = RUN_ATTRIBUTES,
): Clause[] {
  if (!filter?.trim()) return [];
  const tokens = tokenize(filter);
  const clauses: Clause[] = [];
  const fail = (what: string): never => {
    throw invalid(`Invalid filter ${show(filter)}: ${what}. ${VALID}`);
  };
  const cursor = new Cursor(tokens);
  const next = () => cursor.next();
  const peek = () => cursor.peek();

  while (!cursor.done()) {
    const { entity, key } = cursor.identifier(fail);
    const comparator = parseComparator();
    const value = parseValue(comparator);
    clauses.push(checkClause({ entity, key, comparator, value }, attributes, fail));
    if (!cursor.done()) {
      const t = next();
      if (!(t?.kind === 'word' && t.text.toUpperCase() === 'AND')) {
        fail(
          t?.kind === 'word' && t.text.toUpperCase() === 'OR'
            ? 'OR is not supported'
            : `expected AND after a clause`,
        );
      }
    }
  }
  return clauses;

  function parseComparator(): Comparator {
    const t = next();
    if (!t) return fail('expected a comparator');
    if (t.kind === 'op') return t.text as Comparator;
    if (t.kind === 'word') {
      const w = t.text.toUpperCase();
      if (w === 'LIKE' || w === 'ILIKE' || w === 'IN') return w;
      if (
        w === 'NOT' &&
        peek()?.kind === 'word' &&
        (peek() as { text: string }).text.toUpperCase() === 'IN'
      ) {
        next();
        return 'NOT IN';
      }
    }
    return fail(`invalid comparator ${show('text' in t ? t.text : '')}`);
  }

  function parseValue(comparator: Comparator): number | string | string[] {
    const t = next();
    if (!t) return fail('expected a value');
    if (comparator === 'IN' || comparator === 'NOT IN') {
      if (!(t.kind === 'punct' && t.text === '('))
        return fail(`${comparator} expects a parenthesized list of strings`);
      const values: string[] = [];
      for (;;) {
        const v = next();
        if (v?.kind !== 'string' || v.quote === '`') return fail(`${comparator} expects quoted strings`);
        values.push(v.text);
        const sep = next();
        if (sep?.kind === 'punct' && sep.text === ')') break;
        if (!(sep?.kind === 'punct' && sep.text === ','))
          return fail(`expected ',' or ')' in ${comparator} list`);
      }
      return values;
    }
    if (t.kind === 'number') return t.value;
    if (t.kind === 'string' && t.quote !== '`') return t.text;
    return fail(`invalid value ${show('text' in t ? t.text : '')}; strings must be quoted`);
  }
}

const ATTRIBUTE_ALIASES: Record<string, string> = {
  created: 'start_time',
  Created: 'start_time',
  'run name': 'run_name',
  'Run name': 'run_name',
  'Run Name': 'run_name',
  run_uuid: 'run_id',
};
const DATASET_KEYS = new Set(['name', 'digest', 'context']);

function checkClause(clause: Clause, attributes: AttributeSpec, fail: (what: string) => never): Clause {
  const { entity, comparator, value } = clause;
  const stringOps: Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
  const numericOps: Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
  if (entity === 'metric') {
    if (!numericOps.includes(comparator)) fail(`metrics support ${numericOps.join(' ')}, not ${comparator}`);
    if (typeof value !== 'number') fail(`expected a numeric value for metric '${clause.key}'`);
  } else if (entity === 'param' || entity === 'tag') {
    if (!stringOps.includes(comparator)) fail(`${entity}s support ${stringOps.join(' ')}, not ${comparator}`);
    if (typeof value !== 'string') fail(`expected a quoted string value for ${entity} '${clause.key}'`);
  } else if (entity === 'dataset') {
    if (!DATASET_KEYS.has(clause.key))
      fail(`dataset key must be one of name, digest, context, not '${clause.key}'`);
    if (![...stringOps, 'IN', 'NOT IN'].includes(comparator)) fail(`datasets do not support ${comparator}`);
  } else {
    const key = ATTRIBUTE_ALIASES[clause.key] ?? clause.key;
    clause.key = key;
    if (attributes.numbers.has(key)) {
      if (!numericOps.includes(comparator) || typeof value !== 'number') {
        fail(`attribute '${key}' is compared with ${numericOps.join(' ')} and a number`);
      }
    } else if (attributes.strings.has(key)) {
      const ops: Comparator[] = attributes.lists?.has(key) ? [...stringOps, 'IN', 'NOT IN'] : stringOps;
      if (!ops.includes(comparator)) fail(`attribute '${key}' supports ${ops.join(', ')}, not ${comparator}`);
      if (typeof value === 'number') fail(`expected a quoted string value for attribute '${key}'`);
    } else {
      fail(
        `unknown attribute '${key}'; searchable attributes are ${[...attributes.strings, ...attributes.numbers].join(', ')}`,
      );
    }
  }
  return clause;
}

export interface OrderBy {
  entity: Entity;
  key: string;
  ascending: boolean;
}

/** Parses one `order_by` entry: `<entity>.<key> [ASC|DESC]`, with the same identifier rules as filters. */
export function parseOrderBy(text: string, allowedAttributes: readonly string[]): OrderBy {
  const fail = (): never => {
    throw invalid(
      `Invalid order_by clause ${show(text)}: expected '<attribute> [ASC|DESC]' with an attribute among ${allowedAttributes.join(', ')}, or 'metrics.<key>', 'params.<key>', 'tags.<key>'.`,
    );
  };
  const m = /^(.*?)(?:\s+(asc|desc))?\s*$/is.exec(text.trim());
  if (!m?.[1]) return fail();
  const ascending = (m[2] ?? 'asc').toLowerCase() === 'asc';
  let cursor: Cursor;
  try {
    cursor = new Cursor(tokenize(m[1]));
  } catch {
    return fail();
  }
  const ident = cursor.identifier(fail);
  if (!cursor.done()) return fail();
  if (ident.entity === 'attribute') {
    const key = ATTRIBUTE_ALIASES[ident.key] ?? ident.key;
    if (!allowedAttributes.includes(key)) return fail();
    return { entity: 'attribute', key, ascending };
  }
  if (ident.entity === 'dataset') return fail();
  return { ...ident, ascending };
}
