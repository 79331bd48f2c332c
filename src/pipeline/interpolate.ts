import { PipelineError, suggest } from './errors.js';

const TOKEN = /\\\$\{|\$\{([^}]*)\}/g;

/** Looks up `a.b[0].c` in a nested object; undefined when any step is missing. */
export function lookup(context: Record<string, unknown>, key: string): unknown {
  const parts = key.match(/[^.[\]]+/g) ?? [];
  let at: unknown = context;
  for (const part of parts) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** Every leaf and intermediate key (`a`, `a.b`, `a.b[0]`) of a context, for suggestions. */
export function flatKeys(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return prefix ? [prefix] : [];
  const out = prefix ? [prefix] : [];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...flatKeys(v, `${prefix}[${i}]`));
  } else for (const [k, v] of Object.entries(value)) out.push(...flatKeys(v, prefix ? `${prefix}.${k}` : k));
  return out;
}

/**
 * Replaces `${key}` with values from the context (DVC's syntax: dotted and indexed keys, `\${` for a literal).
 * A string that is exactly one `${key}` keeps the value's type (so `foreach: ${list}` yields the list).
 */
export function interpolate(
  text: string,
  context: Record<string, unknown>,
  where: { stage: string; key: string },
): unknown {
  const whole = /^\$\{([^}]*)\}$/.exec(text);
  if (whole) return resolve(whole[1]!, context, where);
  return text.replace(TOKEN, (_match, key: string | undefined) => {
    if (key === undefined) return '${';
    const value = resolve(key, context, where);
    if (value !== null && typeof value === 'object')
      throw new PipelineError(
        'INTERPOLATION',
        `stage ${where.stage}: ${where.key}: \${${key}} is ${Array.isArray(value) ? 'a list' : 'a mapping'}, which cannot be put inside a string; name one of its values.`,
        where.stage,
      );
    return String(value);
  });
}

function resolve(key: string, context: Record<string, unknown>, where: { stage: string; key: string }) {
  const trimmed = key.trim();
  if (!/^[A-Za-z_][\w-]*(\.[\w-]+|\[\d+\])*$/.test(trimmed))
    throw new PipelineError(
      'INTERPOLATION',
      `stage ${where.stage}: ${where.key}: \${${key}} is not a valid key (use dotted names and [index], e.g. \${train.lr}).`,
      where.stage,
    );
  const value = lookup(context, trimmed);
  if (value === undefined)
    throw new PipelineError(
      'INTERPOLATION',
      `stage ${where.stage}: ${where.key}: \${${trimmed}} is not defined in params.yaml, vars or the stage's params${suggest(trimmed, flatKeys(context))}.`,
      where.stage,
    );
  return value;
}

/** Interpolates every string inside a YAML value. */
export function interpolateDeep(
  value: unknown,
  context: Record<string, unknown>,
  where: { stage: string; key: string },
): unknown {
  if (typeof value === 'string') return interpolate(value, context, where);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, context, where));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        interpolateDeep(v, context, { ...where, key: `${where.key}.${k}` }),
      ]),
    );
  return value;
}
