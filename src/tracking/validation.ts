import { invalid, show } from '../core/errors.js';
import { optionalArray, requireObject, requireString } from '../core/validate.js';
import { LIMITS } from './limits.js';
import type { Tag } from './types.js';

const KEY_PATTERN = /^[/\w.\- :]*$/;

/** Metric, param and tag keys: MLflow's character set, and a normalized relative POSIX path. */
export function validateKey(key: unknown, field: string): string {
  const k = requireString(key, field, { max: LIMITS.keyLength });
  if (!KEY_PATTERN.test(k)) {
    throw invalid(
      `Invalid value ${show(k)} for parameter '${field}' supplied: names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).`,
    );
  }
  if (
    k === '.' ||
    k.startsWith('/') ||
    k.startsWith('..') ||
    k.endsWith('/') ||
    /\/\/|\/\.\.?(\/|$)/.test(k)
  ) {
    throw invalid(
      `Invalid value ${show(k)} for parameter '${field}' supplied: names must be normalized relative paths (no leading '/', no '..', no '//' or trailing '/').`,
    );
  }
  return k;
}

export function validateTags(value: unknown, field: string, maxValue: number, maxCount?: number): Tag[] {
  return optionalArray(value, field, maxCount === undefined ? {} : { max: maxCount }).map((raw, i) => {
    const t = requireObject(raw, `${field}[${i}]`);
    return {
      key: validateKey(t.key, `${field}[${i}].key`),
      value: truncate(requireString(t.value ?? '', `${field}[${i}].value`, { allowEmpty: true }), maxValue),
    };
  });
}

/** MLflow truncates over-long param and tag values by default (MLFLOW_TRUNCATE_LONG_VALUES) instead of rejecting them. */
export function truncate(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

const ID_PATTERN = /^[a-zA-Z0-9][\w-]{0,255}$/;

export function validateRunId(value: unknown, field = 'run_id'): string {
  const id = requireString(value, field);
  if (!ID_PATTERN.test(id)) {
    throw invalid(
      `Invalid value ${show(id)} for parameter '${field}' supplied: a run id is 32 lowercase hex characters.`,
    );
  }
  return id;
}

export function validateExperimentId(value: unknown, field = 'experiment_id'): number {
  const raw = typeof value === 'number' ? String(value) : requireString(value, field);
  if (!/^\d{1,18}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw invalid(
      `Invalid value ${show(value)} for parameter '${field}' supplied: an experiment id is a decimal integer such as "0".`,
    );
  }
  return Number(raw);
}
