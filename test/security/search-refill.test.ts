import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REFILL_LIMITS } from '../../src/server/search-refill.js';
import { request, type SecureApp, startSecureApp } from '../support/secure-app.js';

/**
 * A viewer who may read only some of what a search finds gets full pages all the same, and paging through them
 * yields each readable item exactly once, in the search's order: the filter refills a short page from the pages after
 * it and hands back the token to continue from.
 */
describe('permission-filtered searches keep their page size', () => {
  let s: SecureApp;
  /** 23 experiments `e00`…`e22`; the viewer may read those whose number is a multiple of 3 (8 of them). */
  const readable = Array.from({ length: 23 }, (_, i) => `e${String(i).padStart(2, '0')}`).filter(
    (_, i) => i % 3 === 0,
  );
  const saved = { ...REFILL_LIMITS };
  const experimentIds: string[] = [];

  beforeAll(async () => {
    s = await startSecureApp();
    for (let i = 0; i < 23; i++) {
      const name = `e${String(i).padStart(2, '0')}`;
      const created = await request(s.app, 'POST', '/api/2.0/mlflow/experiments/create', {
        token: s.tokens.admin,
        body: { name },
      });
      const id = created.body.experiment_id as string;
      experimentIds.push(id);
      const run = await request(s.app, 'POST', '/api/2.0/mlflow/runs/create', {
        token: s.tokens.admin,
        body: { experiment_id: id, run_name: name, start_time: 1000 + i },
      });
      expect(run.status).toBe(200);
      const model = await request(s.app, 'POST', '/api/2.0/mlflow/registered-models/create', {
        token: s.tokens.admin,
        body: { name },
      });
      expect(model.status).toBe(200);
      if (i % 3 !== 0) {
        for (const [resourceType, resourceId] of [
          ['experiment', id],
          ['registered_model', name],
        ] as const)
          await s.services.permissions.grant({
            resourceType,
            resourceId,
            user: 'vi',
            permission: 'NO_PERMISSIONS',
          });
      }
    }
  });
  afterEach(() => Object.assign(REFILL_LIMITS, saved));
  afterAll(async () => s?.close());

  /** Pages through a search; returns the names in order and the size of every page. */
  async function pageThrough(
    next: (token: string | undefined) => Promise<{ names: string[]; token: string | undefined }>,
  ): Promise<{ names: string[]; sizes: number[] }> {
    const names: string[] = [];
    const sizes: number[] = [];
    let token: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = await next(token);
      names.push(...page.names);
      sizes.push(page.names.length);
      token = page.token;
      if (!token) return { names, sizes };
    }
    throw new Error('the search never ended');
  }

  it('MLflow experiment search (GET and POST) and run search', async () => {
    const get = await pageThrough(async (token) => {
      const q = new URLSearchParams({ max_results: '3', order_by: 'name ASC', filter: "name LIKE 'e%'" });
      if (token) q.set('page_token', token);
      const res = await request(s.app, 'GET', `/api/2.0/mlflow/experiments/search?${q}`, {
        token: s.tokens.viewer,
      });
      expect(res.status).toBe(200);
      return {
        names: res.body.experiments.map((e: { name: string }) => e.name),
        token: res.body.next_page_token,
      };
    });
    expect(get.names).toEqual(readable);
    expect(get.sizes.slice(0, -1).every((n) => n === 3)).toBe(true);

    const post = await pageThrough(async (token) => {
      const res = await request(s.app, 'POST', '/api/2.0/mlflow/experiments/search', {
        token: s.tokens.viewer,
        body: { max_results: 2, order_by: ['name DESC'], filter: "name LIKE 'e%'", page_token: token },
      });
      expect(res.status).toBe(200);
      return {
        names: res.body.experiments.map((e: { name: string }) => e.name),
        token: res.body.next_page_token,
      };
    });
    expect(post.names).toEqual([...readable].reverse());
    expect(post.sizes.slice(0, -1).every((n) => n === 2)).toBe(true);

    const runs = await pageThrough(async (token) => {
      const res = await request(s.app, 'POST', '/api/2.0/mlflow/runs/search', {
        token: s.tokens.viewer,
        body: {
          experiment_ids: experimentIds,
          max_results: 4,
          order_by: ['attributes.run_name ASC'],
          page_token: token,
        },
      });
      expect(res.status).toBe(200);
      return {
        names: (res.body.runs ?? []).map((r: { info: { run_name: string } }) => r.info.run_name),
        token: res.body.next_page_token,
      };
    });
    expect(runs.names).toEqual(readable);
    expect(runs.sizes.slice(0, -1).every((n) => n === 4)).toBe(true);
  });

  it('MLflow registered-model search and the native experiment and model lists', async () => {
    const models = await pageThrough(async (token) => {
      const q = new URLSearchParams({ max_results: '5', order_by: 'name ASC' });
      if (token) q.set('page_token', token);
      const res = await request(s.app, 'GET', `/api/2.0/mlflow/registered-models/search?${q}`, {
        token: s.tokens.viewer,
      });
      expect(res.status).toBe(200);
      return {
        names: (res.body.registered_models ?? []).map((m: { name: string }) => m.name),
        token: res.body.next_page_token,
      };
    });
    expect(models.names).toEqual(readable);
    expect(models.sizes.slice(0, -1).every((n) => n === 5)).toBe(true);

    const native = await pageThrough(async (token) => {
      const q = new URLSearchParams({ maxResults: '3', orderBy: 'name ASC', filter: "name LIKE 'e%'" });
      if (token) q.set('pageToken', token);
      const res = await request(s.app, 'GET', `/api/v1/experiments?${q}`, { token: s.tokens.viewer });
      expect(res.status).toBe(200);
      return { names: res.body.items.map((e: { name: string }) => e.name), token: res.body.nextPageToken };
    });
    expect(native.names).toEqual(readable);
    expect(native.sizes.slice(0, -1).every((n) => n === 3)).toBe(true);

    const nativeModels = await pageThrough(async (token) => {
      const q = new URLSearchParams({ maxResults: '4', orderBy: 'name ASC' });
      if (token) q.set('pageToken', token);
      const res = await request(s.app, 'GET', `/api/v1/registered-models?${q}`, { token: s.tokens.viewer });
      expect(res.status).toBe(200);
      return { names: res.body.items.map((m: { name: string }) => m.name), token: res.body.nextPageToken };
    });
    expect(nativeModels.names).toEqual(readable);

    const nativeRuns = await pageThrough(async (token) => {
      const res = await request(s.app, 'POST', '/api/v1/runs/search', {
        token: s.tokens.viewer,
        body: {
          experimentIds,
          maxResults: 3,
          orderBy: ['attributes.run_name DESC'],
          ...(token ? { pageToken: token } : {}),
        },
      });
      expect(res.status).toBe(200);
      return {
        names: res.body.items.map((r: { info: { runName: string } }) => r.info.runName),
        token: res.body.nextPageToken,
      };
    });
    expect(nativeRuns.names).toEqual([...readable].reverse());
    expect(nativeRuns.sizes.slice(0, -1).every((n) => n === 3)).toBe(true);
  });

  it('stops refilling at its bound with a short page and a token that still reaches everything', async () => {
    REFILL_LIMITS.rounds = 1;
    const bounded = await pageThrough(async (token) => {
      const q = new URLSearchParams({ max_results: '4', order_by: 'name ASC', filter: "name LIKE 'e%'" });
      if (token) q.set('page_token', token);
      const res = await request(s.app, 'GET', `/api/2.0/mlflow/experiments/search?${q}`, {
        token: s.tokens.viewer,
      });
      return {
        names: res.body.experiments.map((e: { name: string }) => e.name),
        token: res.body.next_page_token,
      };
    });
    expect(bounded.names).toEqual(readable);
    expect(bounded.sizes.some((n) => n < 4 && n > 0)).toBe(true);
  });

  it('an admin sees every page whole, unfiltered', async () => {
    const res = await request(
      s.app,
      'GET',
      '/api/2.0/mlflow/experiments/search?max_results=5&order_by=name%20ASC',
      {
        token: s.tokens.admin,
      },
    );
    expect(res.body.experiments).toHaveLength(5);
    expect(res.body.next_page_token).toBeTruthy();
  });
});
