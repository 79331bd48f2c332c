import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalArtifactStore } from '../../src/artifacts/local/local-artifact-store.js';
import { createServices, type Services } from '../../src/server/services.js';
import { STORE_BACKENDS } from '../support/stores.js';

const policy = (model: string) => ({
  model,
  train: { command: 'true' },
  gate: { bounds: ['accuracy>=0.5'] },
});

for (const backend of STORE_BACKENDS) {
  describe(`loop store (${backend.name})`, () => {
    let s: Services;
    beforeAll(async () => {
      const store = await backend.open();
      s = createServices(store, new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'mloop-loop-'))));
      await s.experiments.ensureDefault();
    });
    afterAll(async () => s?.store.close());

    it('applies a policy, validating it and the model it names', async () => {
      await expect(s.loops.applyPolicy(policy('nope'), '/tmp', 'ada')).rejects.toThrow(/not found/);
      await s.registry.createModel({ name: 'fd' });
      const first = await s.loops.applyPolicy(policy('fd'), '/tmp', 'ada');
      expect(first).toMatchObject({ model: 'fd', revision: 1, actor: 'ada' });
      const second = await s.loops.applyPolicy({ ...policy('fd'), approval: 'manual' }, '/tmp', 'bob');
      expect(second).toMatchObject({ revision: 2, actor: 'bob', policy: { approval: 'manual' } });
      await expect(
        s.loops.applyPolicy({ ...policy('fd'), deployment: 'missing' }, '/tmp', 'ada'),
      ).rejects.toThrow(/Deployment "missing" not found/);
    });

    it('holds one active and one queued run per model in the database, whatever fires at once', async () => {
      await s.registry.createModel({ name: 'busy' });
      await s.loops.applyPolicy(policy('busy'), '/tmp', 'ada');
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => s.loops.trigger('busy', 'manual', { n: i })),
      );
      const outcomes = results.map((r) => r.outcome).sort();
      expect(outcomes).toEqual(['coalesced', 'coalesced', 'coalesced', 'coalesced', 'queued', 'started']);
      const active = (await s.loops.activeRun('busy'))!;
      const queued = (await s.loops.queuedRun('busy'))!;
      expect(active.state).toBe('pending');
      expect(queued.state).toBe('queued');
      expect((await s.loops.events({ runId: queued.id })).map((e) => e.kind)).toEqual([
        'queued',
        'coalesced',
        'coalesced',
        'coalesced',
        'coalesced',
      ]);
      // The queued run cannot start while the active one holds the slot.
      expect(await s.loops.startQueued('busy')).toBeUndefined();
      // A transition only happens from the state it expects: a second writer loses.
      const ev = { kind: 'x', message: 'x' };
      expect(await s.loops.transition(active.id, 'pending', 'training', ev)).toBe(true);
      expect(await s.loops.transition(active.id, 'pending', 'training', ev)).toBe(false);
      expect(await s.loops.transition(active.id, 'training', 'failed', ev)).toBe(true);
      const next = await s.loops.startQueued('busy');
      expect(next).toMatchObject({ id: queued.id, state: 'pending' });
      expect(await s.loops.queuedRun('busy')).toBeUndefined();
      expect((await s.loops.runs('busy')).map((r) => r.state).sort()).toEqual(['failed', 'pending']);
      // Removing a policy cancels its queued run, so nothing waits for a policy that is gone.
      const late = await s.loops.trigger('busy', 'manual', {});
      expect(late.outcome).toBe('queued');
      await s.loops.transition(queued.id, 'pending', 'failed', ev);
      await s.loops.deletePolicy('busy');
      expect((await s.loops.getRun(late.run.id)).state).toBe('failed');
      expect((await s.loops.events({ runId: late.run.id })).at(-1)?.kind).toBe('cancelled');
    });

    it('approves and rejects only in the right state, with clear conflicts', async () => {
      await s.registry.createModel({ name: 'appr' });
      await s.loops.applyPolicy(policy('appr'), '/tmp', 'ada');
      const { run } = await s.loops.trigger('appr', 'manual', {});
      await expect(s.loops.approve(run.id, 'ada')).rejects.toThrow(
        /is pending; only a run awaiting approval/,
      );
      await s.loops.transition(run.id, 'pending', 'awaiting_approval', { kind: 'x', message: 'x' });
      await expect(s.loops.deletePolicy('appr')).rejects.toThrow(/is awaiting_approval; wait for it/);
      const approved = await s.loops.approve(run.id, 'ada');
      expect(approved.state).toBe('promoting');
      await expect(s.loops.reject(run.id, 'ada')).rejects.toThrow(/is promoting/);
      await expect(s.loops.getRun('zz')).rejects.toThrow(/expected 32 lowercase hex/);
      const events = await s.loops.events({ runId: run.id });
      expect(events.at(-1)).toMatchObject({ kind: 'approved', actor: 'ada', state: 'promoting' });
    });
  });
}
