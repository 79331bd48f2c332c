import { describe, expect, it } from 'vitest';
import { lastFireBetween, parseCron } from '../../src/loop/cron.js';
import { canaryRoutes, canaryTotals, judgeBake, sameRoutes } from '../../src/loop/decide.js';
import { parsePolicy } from '../../src/loop/policy.js';

const base = {
  model: 'fd',
  deployment: 'fd-live',
  train: { command: 'mloop train --register fd --json' },
  gate: { bounds: ['accuracy>=0.8'], min_improvement: 0 },
  rollout: { canary: 10, bake: { requests: 100 }, rollback_on: { error_rate: 0.05, p99_ms: 200 } },
};

describe('loop policy', () => {
  it('resolves the written policy: durations, bounds as gate rules, defaults', () => {
    const p = parsePolicy(
      {
        ...base,
        data: { dataset: 'flights' },
        cooldown: '30m',
        triggers: [
          { drift: { share: 0.4 } },
          { feature_drift: { column: 'distance', min_rows: 250 } },
          { performance: { metric: 'accuracy', below: 0.8, min_labels: 50 } },
          { schedule: '0 3 * * 1' },
          { new_data: true },
        ],
      },
      '/srv/project',
    );
    expect(p.cooldownMs).toBe(30 * 60_000);
    expect(p.gate).toMatchObject({
      using: 'run_metrics',
      metric: 'accuracy',
      rules: [
        { metric: 'accuracy', min: 0.8 },
        { metric: 'accuracy', minAbsoluteChange: 0 },
      ],
    });
    expect(p.triggers).toEqual([
      { kind: 'drift', share: 0.4, minRows: 100 },
      { kind: 'feature_drift', column: 'distance', minRows: 250 },
      { kind: 'performance', metric: 'accuracy', below: 0.8, minLabels: 50 },
      { kind: 'schedule', cron: '0 3 * * 1' },
      { kind: 'new_data', dataset: 'flights' },
    ]);
    expect(p.rollout).toMatchObject({ canary: 10, bakeRequests: 100, minRequests: 20 });
    expect(p.approval).toBe('auto');
    expect(parsePolicy({ ...base, train: { stages: ['prepare', 'train'] } }, '/p').train.command).toBe(
      'mloop repro prepare train',
    );
    expect(
      parsePolicy({ ...base, gate: { data: 'fresh.csv', target: 'y', bounds: ['auc>=0.7'] } }, '/p').gate
        .using,
    ).toBe('evaluate');
  });

  it.each([
    [{ ...base, model: undefined }, /Missing key 'model'/],
    [
      { ...base, triggers: [{ drift: { share: 2 } }] },
      /'triggers\[0\]\.drift\.share' must be a number >= 0 and <= 1, got 2/,
    ],
    [
      { ...base, triggers: [{ feature_drift: { column: 'x', min_rows: 0 } }] },
      /'triggers\[0\]\.feature_drift\.min_rows' must be an integer >= 1, got 0/,
    ],
    [{ ...base, triggers: [{ schedule: '0 25 * * *' }] }, /hour field "25" is not valid/],
    [{ ...base, triggers: [{ wind: {} }] }, /Unknown key 'triggers\[0\]\.wind'/],
    [
      { ...base, gate: { bounds: ['accuracy > 0.8'] } },
      /'gate.bounds\[0\]' must be a bound such as "accuracy>=0.8"/,
    ],
    [{ ...base, gate: {} }, /The gate needs at least one rule/],
    [{ ...base, gate: { using: 'evaluate', bounds: ['a>=1'] } }, /needs 'gate.data'/],
    [{ ...base, rollout: { canary: 10 } }, /'rollout.bake' needs requests and\/or time/],
    [{ ...base, deployment: undefined }, /names no 'deployment'/],
    [{ ...base, approval: 'sometimes' }, /'approval' must be auto or manual, got "sometimes"/],
    [{ ...base, train: { command: 'x', timeout: 'soon' } }, /'train.timeout' must be a duration/],
    [{ ...base, pipeline: {} }, /Unknown key 'loop.pipeline'/],
  ])('refuses %j with a message naming key, value and what is valid', (policy, message) => {
    expect(() => parsePolicy(policy, '/p')).toThrow(message);
  });

  it('needs an absolute working directory', () => {
    expect(() => parsePolicy(base, 'relative/dir')).toThrow(/'workdir' must be an absolute directory path/);
  });
});

describe('cron', () => {
  it('finds the latest scheduled minute in a window, in UTC', () => {
    const monday3am = Date.UTC(2026, 10, 23, 3, 0);
    const cron = parseCron('0 3 * * 1');
    expect(lastFireBetween(cron, monday3am - 60_000, monday3am + 30_000)).toBe(monday3am);
    expect(lastFireBetween(cron, monday3am, monday3am + 3_600_000)).toBeUndefined();
    expect(lastFireBetween(parseCron('*/15 * * * *'), 0, Date.UTC(2026, 0, 1, 10, 44))).toBe(
      Date.UTC(2026, 0, 1, 10, 30),
    );
    // Both day fields restricted: either matches (Vixie cron).
    const c = parseCron('0 0 1 * 0');
    expect(lastFireBetween(c, Date.UTC(2026, 1, 1), Date.UTC(2026, 1, 8, 1))).toBe(Date.UTC(2026, 1, 8));
  });
});

describe('canary decisions', () => {
  const rollout = parsePolicy(base, '/p').rollout;

  it('scales the routes before the canary and adds the challenger', () => {
    expect(canaryRoutes('fd', [{ model: 'models:/fd@champion', weight: 100 }], 10)).toEqual([
      { model: 'models:/fd@champion', weight: 90 },
      { model: 'models:/fd@challenger', weight: 10 },
    ]);
    expect(
      canaryRoutes(
        'fd',
        [
          { model: 'models:/fd/3', weight: 90 },
          { model: 'models:/fd/4', weight: 10 },
        ],
        10,
      ),
    ).toEqual([
      { model: 'models:/fd/3', weight: 81 },
      { model: 'models:/fd/4', weight: 9 },
      { model: 'models:/fd@challenger', weight: 10 },
    ]);
    expect(
      sameRoutes(canaryRoutes('fd', [{ model: 'models:/fd@champion', weight: 1 }], 10), [
        { model: 'models:/fd@champion', weight: 90 },
        { model: 'models:/fd@challenger', weight: 10 },
      ]),
    ).toBe(true);
  });

  it('waits, passes, or rolls back with the reasons', () => {
    expect(judgeBake(rollout, { requests: 50, errors: 1 }, 1000).kind).toBe('wait');
    expect(judgeBake(rollout, { requests: 100, errors: 2, p99Ms: 20 }, 1000).kind).toBe('passed');
    const bad = judgeBake(rollout, { requests: 40, errors: 10, p99Ms: 500 }, 1000);
    expect(bad).toMatchObject({ kind: 'rollback' });
    expect(bad.kind === 'rollback' && bad.reasons).toEqual([
      'error rate 0.25 (10 of 40 requests) is above 0.05',
      'p99 latency 500 ms is above 200 ms',
    ]);
    // Too few requests to judge: no rollback yet, however bad.
    expect(judgeBake(rollout, { requests: 5, errors: 5 }, 1000).kind).toBe('wait');
    expect(judgeBake(rollout, { requests: 30, errors: 0 }, 25 * 3_600_000)).toMatchObject({
      kind: 'rollback',
      reasons: [expect.stringMatching(/timed out .* only 30 of 100 requests/)],
    });
  });

  it('carries counters over a restart', () => {
    const canary = {
      startedAt: 0,
      epoch: 'old',
      carried: { requests: 30, errors: 1 },
      baseline: { requests: 100, errors: 5 },
    };
    expect(canaryTotals(canary, { requests: 150, errors: 6 })).toEqual({ requests: 80, errors: 2 });
    // Counters below the baseline were reset: counted whole.
    expect(canaryTotals(canary, { requests: 7, errors: 0 })).toEqual({ requests: 37, errors: 1 });
  });
});
