import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { joinStorePath, storePathOf } from '../../src/artifacts/artifact-uri.js';
import { LocalArtifactStore } from '../../src/artifacts/local/local-artifact-store.js';
import {
  BLESSING_ARTIFACT,
  BLESSING_TAGS,
  blessingRecord,
  decide,
  type GateRule,
  recordBlessing,
} from '../../src/learn/gate.js';
import { createServices } from '../../src/server/services.js';
import { STORE_BACKENDS } from '../support/stores.js';

describe('gate: decide(champion, challenger, rules)', () => {
  const champion = { roc_auc: 0.8, accuracy: 0.75, log_loss: 0.45, rmse: 3 };

  it('blesses a challenger inside the bounds that improves enough, and keeps the numbers that decided it', () => {
    const rules: GateRule[] = [
      { metric: 'roc_auc', min: 0.7, minAbsoluteChange: 0.01 },
      { metric: 'log_loss', max: 0.6, minAbsoluteChange: 0 },
    ];
    const d = decide(champion, { roc_auc: 0.82, accuracy: 0.7, log_loss: 0.44, rmse: 9 }, rules);
    expect(d.blessed).toBe(true);
    expect(d.reasons).toEqual([]);
    expect(d.checks.map((c) => [c.metric, c.kind, c.passed])).toEqual([
      ['roc_auc', 'min', true],
      ['roc_auc', 'absolute_change', true],
      ['log_loss', 'max', true],
      ['log_loss', 'absolute_change', true],
    ]);
    const change = d.checks[1]!;
    expect(change.value).toBeCloseTo(0.02, 12);
    expect(change).toMatchObject({ challenger: 0.82, champion: 0.8, threshold: 0.01 });
    // log_loss is lower-is-better by default: 0.45 → 0.44 is an improvement of 0.01
    expect(d.checks[3]!.value).toBeCloseTo(0.01, 12);
    expect(d.numbers.champion).toEqual(champion);
  });

  it('refuses on an absolute bound, on too small a change, and says why', () => {
    const d = decide(champion, { roc_auc: 0.805, log_loss: 0.7 }, [
      { metric: 'roc_auc', minAbsoluteChange: 0.01 },
      { metric: 'log_loss', max: 0.6 },
    ]);
    expect(d.blessed).toBe(false);
    expect(d.reasons).toHaveLength(2);
    expect(d.reasons[0]).toMatch(
      /roc_auc improvement over the champion is 0\.00500\d* .*below the required 0\.01/,
    );
    expect(d.reasons[1]).toBe('log_loss 0.7 is above the maximum 0.6');
  });

  it('relative change in the better direction, lower-is-better metrics, explicit direction, zero champion', () => {
    expect(decide(champion, { rmse: 2.6 }, [{ metric: 'rmse', minRelativeChange: 0.1 }]).blessed).toBe(true);
    expect(decide(champion, { rmse: 2.8 }, [{ metric: 'rmse', minRelativeChange: 0.1 }]).blessed).toBe(false);
    expect(
      decide({ score: 10 }, { score: 9 }, [{ metric: 'score', higherIsBetter: false, minAbsoluteChange: 1 }])
        .blessed,
    ).toBe(true);
    expect(
      decide({ err: 0 }, { err: 0 }, [{ metric: 'err', higherIsBetter: false, minRelativeChange: 0.5 }])
        .blessed,
    ).toBe(false);
    expect(
      decide({ dp: 0.2 }, { demographic_parity_difference: 0.1 }, [
        { metric: 'demographic_parity_difference', minAbsoluteChange: 0 },
      ]).reasons,
    ).toEqual(['champion has no finite demographic_parity_difference to compare with (got null)']);
    expect(
      decide({ demographic_parity_difference: 0.2 }, { demographic_parity_difference: 0.1 }, [
        { metric: 'demographic_parity_difference', minAbsoluteChange: 0.05 },
      ]).blessed,
    ).toBe(true);
  });

  it('without a champion only absolute bounds apply (change checks are skipped and say so)', () => {
    const d = decide(null, { roc_auc: 0.75 }, [{ metric: 'roc_auc', min: 0.7, minAbsoluteChange: 0.01 }]);
    expect(d.blessed).toBe(true);
    expect(d.checks[1]).toMatchObject({ kind: 'absolute_change', passed: true, note: 'no champion' });
  });

  it('a missing or NaN challenger metric fails, and a gate needs rules', () => {
    expect(decide(champion, { roc_auc: Number.NaN }, [{ metric: 'roc_auc', min: 0.5 }]).reasons).toEqual([
      'challenger has no finite roc_auc (got null)',
    ]);
    expect(decide(champion, {}, [{ metric: 'f1', min: 0.5 }]).blessed).toBe(false);
    expect(() => decide(champion, {}, [])).toThrow(/at least one rule/);
  });
});

describe.each(STORE_BACKENDS)(
  'gate: the blessing record is stored on the evaluating run ($name)',
  (backend) => {
    it('writes blessing/blessing.json and tags the run with the outcome', async () => {
      const store = await backend.open();
      const artifacts = new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'mloop-blessing-')));
      const services = createServices(store, artifacts);
      await services.experiments.ensureDefault();
      try {
        const run = await services.runs.create({ experimentId: '0', runName: 'evaluate-challenger' });
        const rules: GateRule[] = [{ metric: 'roc_auc', min: 0.7, minAbsoluteChange: 0.005 }];
        const decision = decide({ roc_auc: 0.8 }, { roc_auc: 0.81 }, rules);
        const record = blessingRecord(decision, {
          challengerModel: 'models:/flight-delay/3',
          championModel: 'models:/flight-delay/2',
          evaluationData: 'flights@v7',
          rules,
          now: new Date('2026-01-02T03:04:05Z'),
        });
        await recordBlessing(services, run.info.runId, record);
        const stored = await services.runs.get(run.info.runId);
        const tags = Object.fromEntries(stored.data.tags.map((t) => [t.key, t.value]));
        expect(tags[BLESSING_TAGS.blessed]).toBe('true');
        expect(tags[BLESSING_TAGS.record]).toBe(BLESSING_ARTIFACT);
        const object = await artifacts.get(
          joinStorePath(storePathOf(run.info.artifactUri), BLESSING_ARTIFACT),
        );
        const chunks: Buffer[] = [];
        for await (const chunk of object.body) chunks.push(chunk as Buffer);
        const json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        expect(json).toMatchObject({
          schema: 'mloop.blessing/1',
          blessed: true,
          decided_at: '2026-01-02T03:04:05.000Z',
          challenger_model: 'models:/flight-delay/3',
          champion_model: 'models:/flight-delay/2',
          evaluation_data: 'flights@v7',
          numbers: { challenger: { roc_auc: 0.81 }, champion: { roc_auc: 0.8 } },
        });
        expect(json.checks).toHaveLength(2);
      } finally {
        await store.close();
      }
    });
  },
);
