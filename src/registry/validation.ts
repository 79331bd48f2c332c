import { invalid, show } from '../core/errors.js';
import { hasControlCharacter, requireString } from '../core/validate.js';
import { STAGES, type Stage } from './types.js';

export function validateModelName(value: unknown, field = 'name'): string {
  const name = requireString(value, field, { max: 256 });
  if (name.trim() !== name || /[/\\:@]/.test(name) || hasControlCharacter(name)) {
    throw invalid(
      `Invalid value ${show(name)} for parameter '${field}' supplied: a registered model name may not contain '/', '\\', ':', '@', control characters or surrounding spaces.`,
    );
  }
  return name;
}

export function validateVersion(value: unknown, field = 'version'): number {
  const text = typeof value === 'number' ? String(value) : requireString(value, field);
  if (!/^[1-9]\d{0,9}$/.test(text)) {
    throw invalid(
      `Invalid value ${show(value)} for parameter '${field}' supplied: a model version is a positive integer such as "1".`,
    );
  }
  return Number(text);
}

/** MLflow's alias rules: ≤255 of [\w-], not `latest`, not `v<digits>` (those name versions). */
export function validateAlias(value: unknown, field = 'alias'): string {
  const alias = requireString(value, field, { max: 255 });
  if (!/^[\w-]+$/.test(alias)) {
    throw invalid(
      `Invalid value ${show(alias)} for parameter '${field}' supplied: an alias may contain only letters, digits, '_' and '-'.`,
    );
  }
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw invalid(
      `Invalid value ${show(alias)} for parameter '${field}' supplied: 'latest' and 'v<number>' are reserved for version references.`,
    );
  }
  return alias;
}

export function validateStage(value: unknown, field = 'stage'): Stage {
  const text = requireString(value, field);
  const stage = STAGES.find((s) => s.toLowerCase() === text.toLowerCase());
  if (!stage)
    throw invalid(
      `Invalid value ${show(text)} for parameter '${field}' supplied: expected one of ${STAGES.join(', ')}.`,
    );
  return stage;
}
