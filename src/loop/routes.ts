import { type Context, Hono } from 'hono';
import { invalid, show } from '../core/errors.js';
import { addRules, type RequestView, type Rule } from '../server/access-policy.js';
import { readFields } from '../server/json-body.js';
import type { Services } from '../server/services.js';
import type { LoopService } from './loop-service.js';
import type { LoopRun, StoredPolicy } from './types.js';

/** A policy with what its model's loop is doing now. */
export interface LoopStatus extends StoredPolicy {
  active?: LoopRun;
  queued?: LoopRun;
  last?: LoopRun;
}

async function statusOf(loops: LoopService, policy: StoredPolicy): Promise<LoopStatus> {
  const [active, queued, last] = await Promise.all([
    loops.activeRun(policy.model),
    loops.queuedRun(policy.model),
    loops.lastRun(policy.model),
  ]);
  return {
    ...policy,
    ...(active ? { active } : {}),
    ...(queued ? { queued } : {}),
    ...(last ? { last } : {}),
  };
}

const modelParam = async (r: RequestView) => r.param('model') || undefined;
const runModel = async (r: RequestView) => {
  const id = r.param('id');
  return id
    ? r.services.loops.getRun(id).then(
        (run) => run.model,
        () => undefined,
      )
    : undefined;
};
const onModel = (action: Rule['action'], locate: (r: RequestView) => Promise<string | undefined>): Rule => ({
  action,
  resource: { type: 'registered_model', locate },
});

/**
 * Who may do what (src/server/access-policy.ts). Applying or removing a policy is for admins only: the server runs
 * the policy's commands. Starting, approving and rejecting a run need EDIT on the model, reading needs READ.
 */
export const LOOP_RULES: Record<string, Rule> = {
  'GET /loops': {
    action: 'read',
    filter: {
      list: (b: { items?: unknown[] }) => b?.items as never,
      set: (b: { items?: unknown[] }, items: unknown[]) => {
        b.items = items;
      },
      type: 'registered_model',
      id: (item: { model: string }) => item.model,
    },
  },
  'PUT /loops/:model': { action: 'admin' },
  'GET /loops/:model': onModel('read', modelParam),
  'DELETE /loops/:model': { action: 'admin' },
  'POST /loops/:model/runs': onModel('update', modelParam),
  'GET /loops/:model/runs': onModel('read', modelParam),
  'GET /loops/:model/events': onModel('read', modelParam),
  'GET /loop-runs/:id': onModel('read', runModel),
  'POST /loop-runs/:id/approve': onModel('update', runModel),
  'POST /loop-runs/:id/reject': onModel('update', runModel),
};

/** The native continuous-training API (`/api/v1/loops`, `/api/v1/loop-runs`). */
export function loopRoutes(services: () => Services): Hono {
  addRules('/api/v1', LOOP_RULES);
  const api = new Hono();
  const loops = () => services().loops;
  const nudge = () => void services().loopController?.tick();

  api.get('/loops', async (c) => {
    const policies = await loops().listPolicies();
    return c.json({ items: await Promise.all(policies.map((p) => statusOf(loops(), p))) });
  });
  api.put('/loops/:model', async (c) => {
    const b = await readFields(c, ['policy', 'workdir']);
    const model = c.req.param('model');
    const named = (b.policy as { model?: unknown } | undefined)?.model;
    if (named !== model)
      throw invalid(
        `The policy's 'model' is ${show(named)} but the path names ${show(model)}; they must agree.`,
      );
    const stored = await loops().applyPolicy(b.policy, b.workdir, actor(c));
    nudge();
    return c.json(await statusOf(loops(), stored));
  });
  api.get('/loops/:model', async (c) =>
    c.json(await statusOf(loops(), await loops().getPolicy(c.req.param('model')))),
  );
  api.delete('/loops/:model', async (c) => {
    await loops().deletePolicy(c.req.param('model'));
    return c.body(null, 204);
  });
  api.post('/loops/:model/runs', async (c) => {
    const b = c.req.header('content-type') ? await readFields(c, ['reason']) : {};
    const reason = b.reason === undefined ? undefined : String(b.reason).slice(0, 1000);
    const who = actor(c);
    const result = await loops().trigger(
      (await loops().getPolicy(c.req.param('model'))).model,
      'manual',
      { actor: who, ...(reason ? { reason } : {}) },
      who,
    );
    nudge();
    return c.json(result, 201);
  });
  api.get('/loops/:model/runs', async (c) => c.json({ items: await loops().runs(c.req.param('model')) }));
  api.get('/loops/:model/events', async (c) => {
    const model = (await loops().getPolicy(c.req.param('model'))).model;
    return c.json({ items: await loops().events({ model }) });
  });
  api.get('/loop-runs/:id', async (c) => {
    const run = await loops().getRun(c.req.param('id'));
    return c.json({ run, events: await loops().events({ runId: run.id }) });
  });
  api.post('/loop-runs/:id/approve', async (c) => {
    const run = await loops().approve(c.req.param('id'), actor(c));
    nudge();
    return c.json(run);
  });
  api.post('/loop-runs/:id/reject', async (c) => {
    const b = c.req.header('content-type') ? await readFields(c, ['reason']) : {};
    const run = await loops().reject(c.req.param('id'), actor(c), b.reason);
    nudge();
    return c.json(run);
  });
  return api;
}

const actor = (c: Context): string =>
  c.get('principal')?.user ?? (c.req.header('x-mloop-actor')?.slice(0, 256) || 'anonymous');
