import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { fuzzRound } from '../support/mlflow-fuzz.js';
import { STORE_BACKENDS } from '../support/stores.js';

for (const backend of STORE_BACKENDS) {
  describe(`fuzzing every MLflow endpoint on ${backend.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(backend);
    });
    afterAll(async () => t?.close());

    it('never answers 5xx to random or malformed bodies', async () => {
      const requests = await fuzzRound(t, 20261122, async (res, describe) => {
        if (res.status >= 500) expect.fail(await describe());
        const json = (await res.json()) as Record<string, unknown>;
        if (res.status >= 400)
          expect(json).toMatchObject({ error_code: expect.any(String), message: expect.any(String) });
      });
      expect(requests).toBeGreaterThan(1000);
    });
  });
}
