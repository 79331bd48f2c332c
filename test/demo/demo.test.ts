import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoSummary } from '../../src/demo/summary.js';
import { type CliResult, runMloop } from '../support/cli.js';

/**
 * `mloop demo` end to end with the built CLI, on the real flights table, with smaller samples than the default
 * (the story's steps are the same: data versions, training, gate, canary, promotion or rejection).
 */
describe('mloop demo', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'mloop-demo-test-'));
  let result: CliResult;
  let summary: DemoSummary;

  beforeAll(async () => {
    result = await runMloop(
      cwd,
      [
        'demo',
        '--exit',
        '--json',
        '--port',
        '0',
        '--train-rows',
        '12000',
        '--traffic-rows',
        '3000',
        '--trees',
        '40',
      ],
      { timeoutMs: 420_000 },
    );
    summary = JSON.parse(result.stdout) as DemoSummary;
  }, 450_000);

  it('tells the story on stderr and prints only the summary on stdout', () => {
    expect([0, 1], result.stderr).toContain(result.code);
    expect(result.code).toBe(summary.ok ? 0 : 1);
    for (const step of [
      '1. Data',
      '2. Train',
      '3. Register',
      '4. Close the loop',
      '5. Replay',
      '6. A careless change',
    ])
      expect(result.stderr).toContain(step);
    expect(result.stderr).toMatch(/read 3,000,000 flights/);
  });

  it('versions the data once for January and once per replayed month, and validates the held-out week', () => {
    expect(summary.data.versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(summary.data.versions.every((v) => v.rows === 12_000)).toBe(true);
    expect(summary.data.validation).toMatchObject({ file: 'data/fresh.csv', rows: 5000 });
    expect(existsSync(join(cwd, 'mloop-demo', 'data', 'flights.csv'))).toBe(true);
    expect(readFileSync(join(cwd, 'mloop-demo', 'mloop.yaml'), 'utf8')).toMatch(
      /feature_drift:\n\s+column: origin_late_share/,
    );
  });

  it('trains and evaluates the first model, then monitors every month with drift and labels', () => {
    const auc = summary.baseline!.metrics.roc_auc!;
    expect(auc).toBeGreaterThan(0.6);
    expect(auc).toBeLessThan(0.95);
    expect(summary.months.map((m) => m.month)).toEqual(['February', 'March', 'April', 'May', 'June']);
    for (const m of summary.months) {
      expect(m.failed).toBe(0);
      expect(m.labels).toBe(3000);
      const rows = m.windows.reduce((n, w) => n + w.rows, 0);
      expect(rows).toBeGreaterThan(0);
      for (const w of m.windows) {
        expect(Object.keys(w.drift!.statistics).sort()).toEqual([
          'dest_late_share',
          'destination',
          'distance',
          'hour',
          'origin',
          'origin_late_share',
          'weekday',
        ]);
        expect(w.performance!.labels).toBeGreaterThan(0);
      }
    }
  });

  it('records every loop run with its trigger, gate numbers and outcome; the champion is what the loop promoted', () => {
    expect(summary.loopRuns.length).toBeGreaterThanOrEqual(1);
    const promoted = summary.loopRuns.filter((r) => r.state === 'succeeded');
    for (const r of promoted) {
      expect(r.gate!.blessed).toBe(true);
      expect(r.gate!.numbers.challenger!.roc_auc).toBeGreaterThan(r.gate!.numbers.champion!.roc_auc! + 0.005);
      expect(r.canary!.errors).toBe(0);
      expect(r.events).toEqual(expect.arrayContaining(['canary_started', 'bake_passed', 'promoted']));
    }
    const champion = promoted.at(-1)?.challenger ?? '1';
    expect(summary.model.aliases).toEqual({ champion });
    expect(summary.deployment.routes).toEqual([{ model: 'models:/flight-delay@champion', weight: 100 }]);
    expect(summary.ok).toBe(promoted.length > 0);
  });

  it('the careless change is stopped by the gate: the champion stays', () => {
    const careless = summary.loopRuns.at(-1)!;
    expect(careless.trigger).toBe('manual');
    expect(careless.state).toBe('rejected');
    expect(careless.gate!.blessed).toBe(false);
    expect(careless.gate!.numbers.challenger!.roc_auc).toBeLessThan(
      careless.gate!.numbers.champion!.roc_auc!,
    );
    expect(careless.events).toContain('gate_rejected');
    expect(careless.events).not.toContain('canary_started');
  });

  it('refuses a directory it did not make, before starting anything', async () => {
    const other = join(cwd, 'mine');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'keep me');
    const refused = await runMloop(cwd, ['demo', '--dir', other, '--exit']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/exists and was not made by mloop demo/);
    expect(readFileSync(join(other, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('has --help naming its options and exit codes, and refuses bad numbers with exit 2', async () => {
    const help = await runMloop(cwd, ['demo', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--dir', '--exit', '--json', '--port', '--traffic-rows'])
      expect(help.stdout).toContain(flag);
    expect(help.stdout).toMatch(/Exit codes: 0/);
    for (const [flag, value] of <const>[
      ['--trees', '0'],
      ['--train-rows', '-5'],
      ['--window-ms', '1.5'],
      ['--port', '70000'],
    ]) {
      const bad = await runMloop(cwd, ['demo', '--dir', join(cwd, 'never'), flag, value, '--exit']);
      expect(bad.code, flag).toBe(2);
      expect(bad.stderr, flag).toContain(flag);
      expect(bad.stderr, flag).toContain(JSON.stringify(value));
      expect(existsSync(join(cwd, 'never')), flag).toBe(false);
    }
  });
});
