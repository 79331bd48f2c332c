// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are mloop.yaml text, whose ${...} is mloop interpolation
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drawDag } from '../../src/pipeline/dag-render.js';
import { PipelineError } from '../../src/pipeline/errors.js';
import { definitionHash } from '../../src/pipeline/fingerprint.js';
import { buildDag, layers, selectStages } from '../../src/pipeline/graph.js';
import { loadPipeline } from '../../src/pipeline/load.js';
import type { LockEntry } from '../../src/pipeline/lock.js';
import { checkSchema, mloopSchema } from '../../src/pipeline/schema-check.js';
import type { Pipeline, Stage } from '../../src/pipeline/spec.js';
import { staleness } from '../../src/pipeline/staleness.js';
import { project } from './support.js';

function load(yaml: string, files: Record<string, string> = {}) {
  const dir = project({ 'mloop.yaml': yaml, ...files });
  return loadPipeline(join(dir, 'mloop.yaml'));
}

function loadError(yaml: string, files: Record<string, string> = {}): PipelineError {
  try {
    const p = load(yaml, files);
    buildDag(p, () => false);
  } catch (err) {
    if (err instanceof PipelineError) return err;
    throw err;
  }
  throw new Error('expected a PipelineError');
}

const stage = (name: string, over: Partial<Stage> = {}): Stage => ({
  name,
  cmd: [`echo ${name}`],
  wdir: '.',
  deps: [],
  outs: [],
  metrics: [],
  plots: [],
  params: {},
  env: {},
  retry: { count: 0, backoffMs: 0, factor: 2 },
  alwaysChanged: false,
  ...over,
});
const pipeline = (...stages: Stage[]): Pipeline => ({ root: '/nowhere', stages });

describe('mloop.yaml: schema and errors that name the stage and key', () => {
  it('the committed schema is what validates, and it knows every stage key the loader reads', () => {
    const schema = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../schemas/mloop.schema.json'), 'utf8'),
    );
    expect(schema).toEqual(mloopSchema());
    const keys = Object.keys(schema.$defs.stage.properties);
    for (const k of [
      'cmd',
      'deps',
      'outs',
      'metrics',
      'plots',
      'params',
      'retry',
      'timeout',
      'foreach',
      'do',
      'kind',
    ])
      expect(keys).toContain(k);
    expect(checkSchema({ pipeline: { stages: { a: { cmd: 'x', retry: { count: 2 } } } } }, schema)).toEqual(
      [],
    );
  });

  it('suggests the closest key for an unknown one', () => {
    const err = loadError(
      'pipeline:\n  stages:\n    train:\n      cmd: python train.py\n      dpes: [a.csv]\n',
    );
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.stage).toBe('train');
    expect(err.message).toContain('stage train: dpes: unknown key (did you mean "deps"?)');
  });

  it('names the stage and key for a wrongly typed value and for a bad kind', () => {
    const err = loadError(
      'pipeline:\n  stages:\n    a:\n      cmd: x\n      retry: {count: -1}\n    b:\n      cmd: x\n      timeout: soon\n    c:\n      kind: trian\n',
    );
    expect(err.message).toContain('stage a: retry.count: must be at least 0, got -1');
    expect(err.message).toContain('stage b: timeout: expected a number, got "soon"');
    expect(err.message).toContain(
      'stage c: kind: "trian" is not one of "validate", "train", "evaluate", "register" (did you mean "train"?)',
    );
  });

  it('prints a cycle in data-flow order', () => {
    const err = loadError(
      'pipeline:\n  stages:\n    a: {cmd: x, deps: [c.txt], outs: [a.txt]}\n    b: {cmd: x, deps: [a.txt], outs: [b.txt]}\n    c: {cmd: x, deps: [b.txt], outs: [c.txt]}\n',
    );
    expect(err.code).toBe('CYCLE');
    expect(err.message).toMatch(
      /the stages form a cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)\./,
    );
  });

  it('refuses a missing dep, with a suggestion when a stage produces something close', () => {
    const err = loadError(
      'pipeline:\n  stages:\n    prep: {cmd: x, outs: [data/clean.csv]}\n    train: {cmd: x, deps: [data/claen.csv]}\n',
    );
    expect(err.code).toBe('MISSING_DEP');
    expect(err.message).toBe(
      'stage train: dep data/claen.csv does not exist and no stage produces it (did you mean "data/clean.csv"?).',
    );
  });

  it('refuses an output declared by two stages, and overlapping outputs', () => {
    const same = loadError(
      'pipeline:\n  stages:\n    a: {cmd: x, outs: [m.bin]}\n    b: {cmd: y, metrics: [m.bin]}\n',
    );
    expect(same.code).toBe('DUPLICATE_OUTPUT');
    expect(same.message).toBe('stages a and b both declare the output m.bin; an output has one producer.');
    const nested = loadError(
      'pipeline:\n  stages:\n    a: {cmd: x, outs: [models]}\n    b: {cmd: y, outs: [models/m.bin]}\n',
    );
    expect(nested.message).toContain('stage b: output models/m.bin overlaps models, the output of stage a');
  });

  it('interpolates params.yaml, vars and inline params, and reports an undefined key with a suggestion', () => {
    const p = load(
      'pipeline:\n  vars: {data: in.csv}\n  stages:\n    train:\n      cmd: python train.py --lr ${train.lr} --seed ${seed} ${data}\n      deps: ["${data}"]\n      params: [train.lr, {seed: 7}]\n',
      { 'params.yaml': 'train:\n  lr: 0.05\n  depth: 3\n' },
    );
    expect(p.stages[0]).toMatchObject({
      cmd: ['python train.py --lr 0.05 --seed 7 in.csv'],
      deps: ['in.csv'],
      params: { 'train.lr': 0.05, seed: 7 },
    });
    const err = loadError('pipeline:\n  stages:\n    train:\n      cmd: python t.py ${train.lrr}\n', {
      'params.yaml': 'train:\n  lr: 0.05\n',
    });
    expect(err.code).toBe('INTERPOLATION');
    expect(err.message).toContain('stage train: cmd: ${train.lrr} is not defined');
    expect(err.message).toContain('(did you mean "train.lr"?)');
    const bad = loadError('pipeline:\n  stages:\n    t:\n      cmd: echo ${a b}\n');
    expect(bad.message).toContain('stage t: cmd: ${a b} is not a valid key');
    const missingParam = loadError('pipeline:\n  stages:\n    t:\n      cmd: x\n      params: [nope]\n', {
      'params.yaml': 'a: 1\n',
    });
    expect(missingParam.message).toBe('stage t: params: "nope" is not a key of params.yaml.');
  });

  it('expands foreach into name@item stages', () => {
    const p = load(
      'pipeline:\n  stages:\n    fit:\n      foreach: [ridge, gbdt]\n      do:\n        cmd: fit ${item}\n        outs: ["m-${item}.bin"]\n',
    );
    expect(p.stages.map((s) => [s.name, s.cmd[0], s.outs[0]])).toEqual([
      ['fit@ridge', 'fit ridge', 'm-ridge.bin'],
      ['fit@gbdt', 'fit gbdt', 'm-gbdt.bin'],
    ]);
  });

  it('expands built-in kinds into mloop commands with known deps and outputs', () => {
    const p = load(
      `pipeline:
  stages:
    check: {kind: validate, data: new.csv, against: ref.csv}
    check2: {kind: validate, data: new.csv, against: flights@3}
    train:
      kind: train
      data: train.csv
      target: delayed
      learner: gbdt
      learner_params: {trees: 200, depth: 6}
      features: [a, b]
      out: models/gbdt
    eval: {kind: evaluate, model: models/gbdt, data: test.csv, target: delayed, sensitive: origin}
    reg: {kind: register, model: flight-delay, run: 0123456789abcdef0123456789abcdef}
`,
    );
    const by = Object.fromEntries(p.stages.map((s) => [s.name, s]));
    expect(by.check).toMatchObject({
      kind: 'validate',
      cmd: ['mloop data validate new.csv --against ref.csv'],
      deps: ['new.csv', 'ref.csv'],
    });
    expect(by.check2!.deps).toEqual(['new.csv']);
    expect(by.train).toMatchObject({
      cmd: [
        'mloop train --data train.csv --target delayed --learner gbdt --param trees=200 --param depth=6 --features a,b --out models/gbdt',
      ],
      deps: ['train.csv'],
      outs: ['models/gbdt'],
    });
    expect(by.eval).toMatchObject({
      cmd: [
        'mloop evaluate --model models/gbdt --data test.csv --target delayed --sensitive origin --out metrics/eval.json',
      ],
      deps: ['models/gbdt', 'test.csv'],
      metrics: ['metrics/eval.json'],
    });
    expect(by.reg!.cmd).toEqual([
      'mloop models register 0123456789abcdef0123456789abcdef --name flight-delay',
    ]);
    const dag = buildDag(p, () => true);
    expect([...dag.upstream.get('eval')!]).toEqual(['train']);
    expect(
      loadError('pipeline:\n  stages:\n    t: {kind: train, data: a.csv, learner: gbdt}\n').message,
    ).toBe('stage t: kind train needs "target".');
    expect(loadError('pipeline:\n  stages:\n    t: {cmd: x, target: y}\n').message).toContain(
      'stage t: target: only built-in stages',
    );
  });
});

describe('planning', () => {
  it('selects targets with their upstream, in layers', () => {
    const p = pipeline(
      stage('a', { outs: ['a'] }),
      stage('b', { deps: ['a'], outs: ['b'] }),
      stage('c', { deps: ['a'], outs: ['c'] }),
      stage('d', { deps: ['b', 'c'], outs: ['d'] }),
      stage('e'),
    );
    const dag = buildDag(p, () => false);
    expect(layers(dag)).toEqual([['a', 'e'], ['b', 'c'], ['d']]);
    expect(selectStages(dag, ['c'])).toEqual(['a', 'c']);
    expect(selectStages(dag, ['d'], { single: true })).toEqual(['d']);
    expect(() => selectStages(dag, ['dd'])).toThrow('no stage named dd (did you mean "d"?)');
    expect(drawDag(dag)).toBe(
      ['[a]   [e]', ' ├─────┐', ' ▼     ▼', '[b]   [c]', ' └──┐  │', '    ├──┘', '    ▼', '   [d]', ''].join(
        '\n',
      ),
    );
    // Every stage appears once, and every edge ends on an arrow above its stage.
    const drawn = drawDag(dag);
    for (const n of ['a', 'b', 'c', 'd', 'e']) expect(drawn.split(`[${n}]`).length).toBe(2);
    const lines = drawn.split('\n');
    const row = (n: string) => lines.findIndex((l) => l.includes(`[${n}]`));
    expect(lines[row('d') - 1]!.trim()).toBe('▼');
    expect(lines[row('d') - 1]!.indexOf('▼')).toBe(lines[row('d')]!.indexOf('d'));
    expect(lines[row('b') - 1]!).toMatch(/▼\s+▼/);
  });
});

describe('staleness: why a stage must run', () => {
  const dep = (path: string, hash: string) => ({ path, hash, size: 1, kind: 'file' as const });
  const s = stage('train', { deps: ['d.csv'], outs: ['m.bin'], params: { lr: 0.1 } });
  const entry: LockEntry = {
    key: 'k',
    cmd: ['echo train'],
    deps: [dep('d.csv', 'h1')],
    params: { lr: 0.1 },
    outs: [dep('m.bin', 'o1')],
    definition: definitionHash(s),
  };
  const maps = (d: string | undefined, o: string | undefined) =>
    [
      new Map([['d.csv', d ? dep('d.csv', d) : undefined]]),
      new Map([['m.bin', o ? dep('m.bin', o) : undefined]]),
    ] as const;

  it('is up to date when nothing changed', () => {
    expect(staleness(s, entry, ...maps('h1', 'o1'))).toEqual([]);
  });

  it('names each change', () => {
    const changed = { ...s, cmd: ['echo other'], params: { lr: 0.2 } };
    expect(staleness(changed, entry, ...maps('h2', undefined)).map((r) => r.message)).toEqual([
      'changed command',
      'changed dep d.csv',
      'changed param lr (0.1 -> 0.2)',
      'missing output m.bin',
    ]);
    expect(staleness(s, entry, ...maps('h1', 'o2')).map((r) => r.code)).toEqual(['modified-output']);
    expect(staleness(s, undefined, ...maps('h1', 'o1'))[0]!.code).toBe('never-run');
    expect(
      staleness({ ...s, outs: ['m.bin', 'x'] }, entry, ...maps('h1', 'o1')).map((r) => r.code),
    ).toContain('changed-definition');
  });
});
