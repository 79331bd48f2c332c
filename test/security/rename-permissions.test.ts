import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type SecureApp, startSecureApp } from '../support/secure-app.js';

describe('renaming a registered model', () => {
  let s: SecureApp;
  beforeAll(async () => {
    s = await startSecureApp();
  });
  afterAll(async () => s?.close());

  it('moves its grants to the new name, so a new model under the old name inherits none of them', async () => {
    const ed = s.tokens.editor;
    const created = await request(s.app, 'POST', '/api/2.0/mlflow/registered-models/create', {
      token: ed,
      body: { name: 'churn' },
    });
    expect(created.status).toBe(200);
    await s.services.permissions.grant({
      resourceType: 'registered_model',
      resourceId: 'churn',
      user: 'vi',
      permission: 'NO_PERMISSIONS',
    });

    const renamed = await request(s.app, 'POST', '/api/2.0/mlflow/registered-models/rename', {
      token: ed,
      body: { name: 'churn', new_name: 'churn-v2' },
    });
    expect(renamed.status).toBe(200);
    expect(await s.services.permissions.list('registered_model', 'churn-v2')).toEqual(
      expect.arrayContaining([
        { resourceType: 'registered_model', resourceId: 'churn-v2', user: 'ed', permission: 'MANAGE' },
        {
          resourceType: 'registered_model',
          resourceId: 'churn-v2',
          user: 'vi',
          permission: 'NO_PERMISSIONS',
        },
      ]),
    );
    expect(await s.services.permissions.list('registered_model', 'churn')).toEqual([]);
    const hidden = await request(s.app, 'GET', '/api/2.0/mlflow/registered-models/get?name=churn-v2', {
      token: s.tokens.viewer,
    });
    expect(hidden.status).toBe(403);

    // The admin reuses the old name: the viewer's denial and the editor's MANAGE stayed with churn-v2.
    const reused = await request(s.app, 'POST', '/api/2.0/mlflow/registered-models/create', {
      token: s.tokens.admin,
      body: { name: 'churn' },
    });
    expect(reused.status).toBe(200);
    const visible = await request(s.app, 'GET', '/api/2.0/mlflow/registered-models/get?name=churn', {
      token: s.tokens.viewer,
    });
    expect(visible.status).toBe(200);
    const deleteByEditor = await request(s.app, 'DELETE', '/api/2.0/mlflow/registered-models/delete', {
      token: ed,
      body: { name: 'churn' },
    });
    expect(deleteByEditor.status).toBe(403);
  });

  it('through the native API too', async () => {
    const ed = s.tokens.editor;
    expect(
      (await request(s.app, 'POST', '/api/v1/registered-models', { token: ed, body: { name: 'fraud' } }))
        .status,
    ).toBe(201);
    const patched = await request(s.app, 'PATCH', '/api/v1/registered-models/fraud', {
      token: ed,
      body: { name: 'fraud-2' },
    });
    expect(patched.status).toBe(200);
    expect((await s.services.permissions.list('registered_model', 'fraud-2')).map((g) => g.user)).toEqual([
      'ed',
    ]);
  });
});
