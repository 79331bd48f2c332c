import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { modelVersionLineage } from '../../src/registry/lineage.js';
import type { Services } from '../../src/server/services.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { STORE_BACKENDS } from '../support/stores.js';

for (const backend of STORE_BACKENDS) {
  describe(`registry on ${backend.name}`, () => {
    let t: TestApp;
    let s: Services;
    let runId: string;
    let artifactUri: string;

    beforeAll(async () => {
      t = await startTestApp(backend);
      s = t.services;
      const run = await s.runs.create({
        tags: [
          { key: 'mlflow.source.git.commit', value: '0123456789abcdef0123456789abcdef01234567' },
          { key: 'mloop.source.git.dirty', value: 'false' },
        ],
      });
      runId = run.info.runId;
      artifactUri = run.info.artifactUri;
      await s.runs.logBatch(runId, {
        params: [{ key: 'depth', value: '6' }],
        metrics: [{ key: 'auc', value: 0.91, timestamp: 1 }],
      });
      await s.runs.logInputs(runId, [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: { name: 'flights', digest: 'd1', source_type: 'local', source: 'flights.parquet' },
        },
      ]);
    });
    afterAll(async () => t?.close());

    it('numbers versions per model and never reuses a number', async () => {
      await s.registry.createModel({ name: 'numbers' });
      const v1 = await s.registry.createVersion({ name: 'numbers', source: `runs:/${runId}/model` });
      const v2 = await s.registry.createVersion({ name: 'numbers', source: `runs:/${runId}/model` });
      expect([v1.version, v2.version]).toEqual(['1', '2']);
      expect(v1).toMatchObject({
        runId,
        status: 'READY',
        currentStage: 'None',
        storageLocation: `${artifactUri}/model`,
      });
      await s.registry.deleteVersion('numbers', '2');
      const v3 = await s.registry.createVersion({ name: 'numbers', source: `runs:/${runId}/model` });
      expect(v3.version).toBe('3');
      await expect(s.registry.createModel({ name: 'numbers' })).rejects.toMatchObject({
        code: 'RESOURCE_ALREADY_EXISTS',
      });
      await expect(s.registry.getVersion('numbers', '2')).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      });
      await expect(s.registry.getVersion('numbers', 'abc')).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
      });
    });

    it('keeps alias moves in the order they happened when the clock does not move', async () => {
      await s.registry.createModel({ name: 'same-ms' });
      for (let i = 0; i < 2; i++)
        await s.registry.createVersion({ name: 'same-ms', source: `runs:/${runId}/m` });
      const now = vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
      try {
        await s.registry.setAlias('same-ms', 'champion', '1');
        await s.registry.setAlias('same-ms', 'champion', '2');
        await s.registry.setAlias('same-ms', 'challenger', '1');
      } finally {
        now.mockRestore();
      }
      const history = await s.registry.aliasHistory('same-ms');
      expect(history.map((e) => `${e.alias}→${e.toVersion}`)).toEqual([
        'champion→1',
        'champion→2',
        'challenger→1',
      ]);
    });

    it('records every alias move with who, when, from and to', async () => {
      await s.registry.createModel({ name: 'aliased' });
      for (let i = 0; i < 3; i++)
        await s.registry.createVersion({ name: 'aliased', source: `runs:/${runId}/m` });
      await s.registry.setAlias('aliased', 'champion', '1', 'ada');
      await s.registry.setAlias('aliased', 'champion', '3', 'bob');
      await s.registry.setAlias('aliased', 'challenger', '2', 'ada');
      await s.registry.deleteAlias('aliased', 'challenger', 'cy');
      const history = await s.registry.aliasHistory('aliased');
      expect(
        history.map(({ alias, fromVersion, toVersion, actor, seq }) => ({
          alias,
          fromVersion,
          toVersion,
          actor,
          seq,
        })),
      ).toEqual([
        { alias: 'champion', fromVersion: undefined, toVersion: '1', actor: 'ada', seq: 1 },
        { alias: 'champion', fromVersion: '1', toVersion: '3', actor: 'bob', seq: 2 },
        { alias: 'challenger', fromVersion: undefined, toVersion: '2', actor: 'ada', seq: 1 },
        { alias: 'challenger', fromVersion: '2', toVersion: undefined, actor: 'cy', seq: 2 },
      ]);
      expect((await s.registry.aliasHistory('aliased', 'champion')).map((e) => e.toVersion)).toEqual([
        '1',
        '3',
      ]);
      for (const bad of ['latest', 'LATEST', 'v1', 'V12', 'has space', '', 'x'.repeat(256)]) {
        await expect(s.registry.setAlias('aliased', bad, '1')).rejects.toMatchObject({
          code: 'INVALID_PARAMETER_VALUE',
        });
      }
      await expect(s.registry.setAlias('aliased', 'ok', '9')).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      });
      await expect(s.registry.deleteVersion('aliased', '3')).rejects.toThrow(
        /target of alias\(es\) champion/,
      );
      await expect(s.registry.deleteModel('aliased')).rejects.toThrow(/has aliases \(champion → version 3\)/);
      await s.registry.renameModel('aliased', 'aliased-2');
      expect((await s.registry.versionByAlias('aliased-2', 'champion')).version).toBe('3');
      expect(await s.registry.aliasHistory('aliased-2')).toHaveLength(4);
    });

    it('keeps aliases and history consistent under concurrent moves', async () => {
      await s.registry.createModel({ name: 'racy' });
      for (let i = 0; i < 5; i++)
        await s.registry.createVersion({ name: 'racy', source: `runs:/${runId}/m` });
      const moves = Array.from({ length: 40 }, (_, i) => String((i % 5) + 1));
      await Promise.all(moves.map((v, i) => s.registry.setAlias('racy', 'champion', v, `w${i}`)));
      const history = await s.registry.aliasHistory('racy', 'champion');
      expect(history.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      // Each move starts where the previous one ended: the history is a chain.
      const bySeq = [...history].sort((a, b) => a.seq - b.seq);
      for (let i = 1; i < bySeq.length; i++) expect(bySeq[i]!.fromVersion).toBe(bySeq[i - 1]!.toVersion);
      expect((await s.registry.versionByAlias('racy', 'champion')).version).toBe(bySeq.at(-1)!.toVersion);
    });

    it('resolves models:/ references by version, alias, stage and latest', async () => {
      await s.registry.createModel({ name: 'refs' });
      await s.registry.createVersion({ name: 'refs', source: `runs:/${runId}/a` });
      await s.registry.createVersion({ name: 'refs', source: `runs:/${runId}/b` });
      await s.registry.setAlias('refs', 'champion', '1');
      await s.registry.transitionStage('refs', '2', 'Production', false);
      expect((await s.registry.resolveVersion('refs', '@champion')).version).toBe('1');
      expect((await s.registry.resolveVersion('refs', 'latest')).version).toBe('2');
      expect((await s.registry.resolveVersion('refs', 'production')).version).toBe('2');
      expect((await s.registry.resolveVersion('refs', 'v1')).version).toBe('1');
      const copy = await s.registry.createVersion({ name: 'refs', source: 'models:/refs@champion' });
      expect(copy.storageLocation).toBe(`${artifactUri}/a`);
    });

    // One case per CVE of MLflow's "model version source" family (reference/mlflow.md §5 B).
    it.each([
      ['CVE-2023-1177: arbitrary local path', '/etc/passwd'],
      ['CVE-2023-1177: file URI', 'file:///etc/passwd'],
      ['CVE-2023-1177: remote store outside mloop', 's3://attacker-bucket/model'],
      ['CVE-2023-2356: relative ../ in mlflow-artifacts', 'mlflow-artifacts:/0/../../../etc'],
      ['CVE-2023-2356: relative ../ in runs:/', 'runs:/RUN/../../../etc'],
      [
        'CVE-2023-2356: relative ../ in http proxy URI',
        'http://host/api/2.0/mlflow-artifacts/artifacts/../../etc',
      ],
      ['CVE-2023-2780: backslash traversal', 'mlflow-artifacts:/0\\..\\..\\etc'],
      ['CVE-2024-1483: fragment trick', 'http:///#/../../../etc/'],
      ['CVE-2024-1483: fragment in mlflow-artifacts', 'mlflow-artifacts:/0/x#/../../etc'],
      ['PR #10653: .. in a query string', 'mlflow-artifacts:/0/x?a=../../etc'],
      ['CVE-2024-3573: empty scheme', ':///etc/passwd'],
      ['CVE-2024-3573: mixed-case file scheme', 'FiLe:///etc/passwd'],
      ['CVE-2024-3573: file: without slashes', 'file:etc/passwd'],
      ['CVE-2025-11201: encoded traversal', 'mlflow-artifacts:/0/%2e%2e/%2e%2e/etc'],
      ['CVE-2025-11201: double-encoded traversal', 'mlflow-artifacts:/0/%252e%252e%252fetc'],
      ['NUL byte', 'mlflow-artifacts:/0/a\u0000b'],
      ['Windows drive', 'C:\\models\\x'],
      ['UNC path', '//server/share/model'],
    ])('refuses model version source: %s', async (_name, source) => {
      await s.registry.createModel({ name: 'guarded' }).catch(() => undefined);
      await expect(
        s.registry.createVersion({ name: 'guarded', source: source.replace('RUN', runId) }),
      ).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
      });
    });

    it('CVE-2026-2614: a prompt tag does not skip source validation', async () => {
      await s.registry.createModel({
        name: 'prompt-like',
        tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }],
      });
      await expect(
        s.registry.createVersion({
          name: 'prompt-like',
          source: 'file:///etc/passwd',
          tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }],
        }),
      ).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    });

    it('draws the lineage of a version: run, experiment, datasets and commit', async () => {
      await s.registry.createModel({ name: 'traced' });
      await s.registry.createVersion({ name: 'traced', source: `runs:/${runId}/model` });
      await s.registry.setAlias('traced', 'champion', '1');
      const graph = await modelVersionLineage(s, 'traced', '@champion');
      expect(graph.root).toBe('model_version:traced/1');
      const kinds = graph.nodes.map((n) => n.kind).sort();
      expect(kinds).toEqual(['commit', 'dataset', 'experiment', 'model_version', 'registered_model', 'run']);
      expect(graph.edges).toContainEqual({
        from: `run:${runId}`,
        to: 'dataset:flights@d1',
        relation: 'read',
      });
      expect(graph.edges).toContainEqual({
        from: `run:${runId}`,
        to: 'commit:0123456789abcdef0123456789abcdef01234567',
        relation: 'at_commit',
      });
      expect(graph.nodes.find((n) => n.kind === 'run')!.attributes['param.depth']).toBe('6');
    });

    it('searches models and versions with the filter grammar and pages', async () => {
      for (const n of ['s-a', 's-b', 's-c']) {
        await s.registry.createModel({ name: n, tags: [{ key: 'team', value: n === 's-b' ? 'x' : 'y' }] });
        await s.registry.createVersion({
          name: n,
          source: `runs:/${runId}/m`,
          tags: [{ key: 'ok', value: n }],
        });
      }
      const first = await s.registry.searchModels({ filter: "name LIKE 's-%'", maxResults: 2 });
      expect(first.items.map((m) => m.name)).toEqual(['s-a', 's-b']);
      const rest = await s.registry.searchModels({
        filter: "name LIKE 's-%'",
        maxResults: 2,
        pageToken: first.nextPageToken,
      });
      expect(rest.items.map((m) => m.name)).toEqual(['s-c']);
      expect((await s.registry.searchModels({ filter: "tags.team = 'x'" })).items.map((m) => m.name)).toEqual(
        ['s-b'],
      );
      expect(
        (await s.registry.searchVersions({ filter: "tags.ok = 's-c'" })).items.map((v) => v.name),
      ).toEqual(['s-c']);
      expect(
        (await s.registry.searchVersions({ filter: "name = 's-a' and version_number = 1" })).items,
      ).toHaveLength(1);
      await expect(s.registry.searchModels({ filter: 'metrics.x > 1' })).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
      });
    });
  });
}
