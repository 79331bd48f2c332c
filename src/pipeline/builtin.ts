import { PipelineError } from './errors.js';
import type { BuiltinKind } from './spec.js';

/** Fields that only built-in kinds take. */
export const BUILTIN_FIELDS = [
  'data',
  'against',
  'target',
  'learner',
  'learner_params',
  'features',
  'experiment',
  'model',
  'sensitive',
  'out',
  'run',
] as const;

const ALLOWED: Record<BuiltinKind, readonly string[]> = {
  validate: ['data', 'against'],
  train: ['data', 'target', 'learner', 'learner_params', 'features', 'experiment', 'out', 'model'],
  evaluate: ['data', 'target', 'model', 'sensitive', 'out'],
  register: ['model', 'run'],
};
const REQUIRED: Record<BuiltinKind, readonly string[]> = {
  validate: ['data', 'against'],
  train: ['data', 'target', 'learner'],
  evaluate: ['data', 'target', 'model'],
  register: ['model', 'run'],
};

/** Quotes one shell word when it needs it. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface Expansion {
  cmd: string;
  deps: string[];
  outs: string[];
  metrics: string[];
}

/**
 * A built-in stage is a generated `mloop …` command with known deps and outputs, so it caches, retries and runs on
 * workers like any other stage and depends only on the CLI's public flags.
 */
export function expandBuiltin(
  stage: string,
  kind: BuiltinKind,
  fields: Record<string, unknown>,
  /** Whether a project-relative path exists (recorded by the loader, so the spec cache knows what it depends on). */
  exists: (path: string) => boolean,
): Expansion {
  for (const key of Object.keys(fields))
    if (!ALLOWED[kind].includes(key))
      throw new PipelineError(
        'SPEC_INVALID',
        `stage ${stage}: ${key}: kind ${kind} does not take "${key}" (it takes ${ALLOWED[kind].join(', ')}).`,
        stage,
      );
  for (const key of REQUIRED[kind])
    if (fields[key] === undefined)
      throw new PipelineError('SPEC_INVALID', `stage ${stage}: kind ${kind} needs "${key}".`, stage);
  const s = (key: string) => String(fields[key]);
  const q = shellQuote;
  switch (kind) {
    case 'validate': {
      const against = s('against');
      // NAME@VERSION names a dataset version in the store; anything else is a reference table on disk.
      const isVersion = /^[^/@]+@[^/@]+$/.test(against) && !exists(against);
      return {
        cmd: `mloop data validate ${q(s('data'))} --against ${q(against)}`,
        deps: isVersion ? [s('data')] : [s('data'), against],
        outs: [],
        metrics: [],
      };
    }
    case 'train': {
      const out = fields.out === undefined ? `models/${stage}` : s('out');
      const params = Object.entries((fields.learner_params ?? {}) as Record<string, unknown>)
        .map(([k, v]) => ` --param ${q(`${k}=${String(v)}`)}`)
        .join('');
      const features = Array.isArray(fields.features) ? ` --features ${q(fields.features.join(','))}` : '';
      const experiment = fields.experiment === undefined ? '' : ` --experiment ${q(s('experiment'))}`;
      const register = fields.model === undefined ? '' : ` --register ${q(s('model'))}`;
      return {
        cmd: `mloop train --data ${q(s('data'))} --target ${q(s('target'))} --learner ${q(s('learner'))}${params}${features}${experiment} --out ${q(out)}${register}`,
        deps: [s('data')],
        outs: [out],
        metrics: [],
      };
    }
    case 'evaluate': {
      const out = fields.out === undefined ? `metrics/${stage}.json` : s('out');
      const model = s('model');
      const sensitive = fields.sensitive === undefined ? '' : ` --sensitive ${q(s('sensitive'))}`;
      return {
        cmd: `mloop evaluate --model ${q(model)} --data ${q(s('data'))} --target ${q(s('target'))}${sensitive} --out ${q(out)}`,
        deps: model.startsWith('models:/') ? [s('data')] : [model, s('data')],
        outs: [],
        metrics: [out],
      };
    }
    case 'register':
      return {
        cmd: `mloop models register ${q(s('run'))} --name ${q(s('model'))}`,
        deps: [],
        outs: [],
        metrics: [],
      };
  }
}
