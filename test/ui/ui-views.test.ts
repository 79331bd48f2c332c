import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packageFiles } from '../../src/registry/model-package.js';
import { collectPageErrors, launchChromium, screenshot } from '../support/browser.js';
import { BIN, type ServerProcess, startServerProcess } from '../support/server-process.js';
import { buildOnnx, featureColumns, waitFor } from '../support/serving.js';
import { type Seeded, seedUiData } from '../support/ui-seed.js';

const exec = promisify(execFile);

/** Runs the mloop CLI against the server; throws with its stderr when it fails. */
async function cli(args: string[], url: string): Promise<string> {
  const { stdout } = await exec(process.execPath, [BIN, ...args, '--server', url], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  return stdout;
}

/** Logs a run over the MLflow API, uploads a model package through the artifact proxy, registers a version. */
async function registerOverHttp(url: string, name: string, onnx: Uint8Array): Promise<void> {
  const res = await fetch(`${url}/api/2.0/mlflow/runs/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ experiment_id: '0' }),
  });
  const runId = ((await res.json()) as { run: { info: { run_id: string } } }).run.info.run_id;
  for (const [path, bytes] of packageFiles({ onnxModel: onnx, signature: featureColumns(4) }))
    await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/model/${path}`, {
      method: 'PUT',
      body: bytes as Uint8Array<ArrayBuffer>,
    });
  await cli(['models', 'register', runId, '--name', name], url);
}

/**
 * The web UI end to end: a real `mloop server` process seeded through its HTTP API, driven by Debian's Chromium.
 * Each view must show the seeded data; filters, sorting, columns, tabs and links must work; URLs carry the state.
 */
describe('web UI in Chromium', () => {
  let server: ServerProcess;
  let seeded: Seeded;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    server = await startServerProcess();
    seeded = await seedUiData(server.url);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    errors = collectPageErrors(page);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const open = async (path: string) => {
    await page.goto(`${server.url}${path}`);
  };
  const path = () => new URL(page.url()).pathname;
  const query = (name: string) => new URL(page.url()).searchParams.get(name);
  const texts = (selector: string) => page.locator(selector).allInnerTexts();
  const runNames = () => texts('tbody .run-row td:nth-child(2)');
  const waitForRows = (n: number) =>
    page.waitForFunction((count) => document.querySelectorAll('tbody .run-row').length === count, n);

  it('is served at / by mloop server: app shell, SPA fallback, cached assets, JSON 404s for APIs', async () => {
    const root = await fetch(`${server.url}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(root.headers.get('cache-control')).toBe('no-cache');
    expect(root.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await root.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${server.url}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const again = await fetch(`${server.url}${asset}`, {
      headers: { 'if-none-match': js.headers.get('etag')! },
    });
    expect(again.status).toBe(304);

    const deepLink = await fetch(`${server.url}/runs/${seeded.runs[0]!.id}?tab=metrics`, {
      headers: { accept: 'text/html' },
    });
    expect(deepLink.status).toBe(200);
    expect(await deepLink.text()).toBe(html);
    for (const apiPath of ['/api/v1/nope', '/ajax-api/2.0/mlflow/nope', '/api/2.0/mlflow/runs/nope']) {
      const res = await fetch(`${server.url}${apiPath}`, { headers: { accept: 'text/html' } });
      expect(res.status, apiPath).toBe(404);
      expect(((await res.json()) as { error_code: string }).error_code).toBe('ENDPOINT_NOT_FOUND');
    }
    const script = await fetch(`${server.url}/no-such-page`);
    expect(script.status).toBe(404);
    expect(script.headers.get('content-type')).toContain('application/json');
  });

  it('lists experiments and shows the runs of one with their params and metrics', async () => {
    await open('/');
    await page.waitForURL(/\/experiments$/);
    await page.getByRole('link', { name: /churn-model/ }).click();
    await page.waitForURL(new RegExp(`/experiments/${seeded.experimentId}$`));
    await waitForRows(seeded.runs.length);
    expect(new Set(await runNames())).toEqual(new Set(seeded.runs.map((r) => r.name)));
    const headers = await texts('thead th');
    for (const h of ['Run', 'Created', 'Status', 'loss', 'accuracy', 'lr', 'optimizer']) {
      expect(
        headers.some((t) => t.includes(h)),
        `header ${h}`,
      ).toBe(true);
    }
    const failed = page.locator('.run-row', { hasText: 'trial-5-rmsprop' });
    expect(await failed.innerText()).toContain('failed');
    expect(await page.locator('.table-status').innerText()).toContain('6 runs loaded');
    await screenshot(page, 'experiments-runs-table');
  });

  it('filters runs with the search grammar, keeps the filter in the URL and explains a bad filter', async () => {
    await open(`/experiments/${seeded.experimentId}`);
    await waitForRows(6);
    await page.getByLabel('Search runs').fill("params.optimizer = 'adam' and metrics.loss < 10");
    await page.getByRole('button', { name: 'Search' }).click();
    const adam = seeded.runs.filter((r) => r.optimizer === 'adam');
    await waitForRows(adam.length);
    expect(new Set(await runNames())).toEqual(new Set(adam.map((r) => r.name)));
    expect(query('filter')).toBe("params.optimizer = 'adam' and metrics.loss < 10");
    await screenshot(page, 'experiments-runs-filtered');

    // A shared link restores the same view.
    await page.reload();
    await waitForRows(adam.length);
    expect(await page.getByLabel('Search runs').inputValue()).toContain("params.optimizer = 'adam'");

    await page.getByLabel('Search runs').fill('metrics.loss <<< 1');
    await page.getByRole('button', { name: 'Search' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/filter/i);
    await screenshot(page, 'experiments-runs-bad-filter');
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await waitForRows(6);
  });

  it('sorts by a metric on the server, both ways, with the order in the URL', async () => {
    await open(`/experiments/${seeded.experimentId}`);
    await waitForRows(6);
    const byLoss = [...seeded.runs].sort((a, b) => a.finalLoss - b.finalLoss).map((r) => r.name);
    await page
      .locator('thead th', { hasText: /^Mloss/ })
      .getByRole('button')
      .click();
    await page.waitForFunction(
      () => new URL(location.href).searchParams.get('order') === 'metrics.loss DESC',
    );
    await page.waitForFunction(
      (first) => document.querySelector('tbody .run-row td:nth-child(2)')?.textContent === first,
      byLoss.at(-1),
    );
    expect(await runNames()).toEqual([...byLoss].reverse());
    await page
      .locator('thead th', { hasText: /^Mloss/ })
      .getByRole('button')
      .click();
    await page.waitForFunction(
      (first) => document.querySelector('tbody .run-row td:nth-child(2)')?.textContent === first,
      byLoss[0],
    );
    expect(await runNames()).toEqual(byLoss);
    expect(query('order')).toBe('metrics.loss ASC');
    expect(await page.locator('thead th[aria-sort="ascending"]').innerText()).toContain('loss');
    await screenshot(page, 'experiments-runs-sorted');
  });

  it('chooses columns, including tags, and keeps them in the URL', async () => {
    await open(`/experiments/${seeded.experimentId}`);
    await waitForRows(6);
    await page.getByRole('button', { name: /^Columns/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Choose columns' });
    await dialog.getByLabel('Find a key').fill('team');
    await dialog.getByRole('checkbox', { name: 'team' }).check();
    await screenshot(page, 'experiments-column-chooser');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.locator('thead th', { hasText: /^Tteam/ }).waitFor();
    expect(query('cols')?.split(',')).toContain('tags.team');
    const row = page.locator('.run-row', { hasText: 'trial-2-adam' });
    expect(await row.innerText()).toContain('growth');
  });

  it('shows an empty experiment as empty, not as an error', async () => {
    await open(`/experiments/${seeded.emptyExperimentId}`);
    await page.getByText('No runs in this experiment yet.').waitFor();
    await screenshot(page, 'experiments-empty');
  });

  it('shows a run: params, latest metrics, tags, dataset inputs and the model versions made from it', async () => {
    const run = seeded.runs[1]!;
    await open(`/experiments/${seeded.experimentId}`);
    await waitForRows(6);
    await page.getByRole('link', { name: run.name }).click();
    await page.waitForURL(new RegExp(`/runs/${run.id}$`));
    await page.getByRole('heading', { name: run.name }).waitFor();
    const params = await page.getByRole('table', { name: 'Parameters' }).innerText();
    expect(params).toContain('lr');
    expect(params).toContain(run.lr);
    const metrics = await page.getByRole('table', { name: 'Metrics' }).innerText();
    expect(metrics).toContain('val_loss');
    expect(metrics).toContain('199');
    expect(await page.getByRole('table', { name: 'Tags' }).innerText()).toContain('growth');
    await page.getByText('churn-train').waitFor();
    await page.getByRole('link', { name: 'churn-classifier v2' }).waitFor();
    expect(await page.locator('.crumbs').innerText()).toContain('churn-model');
    await screenshot(page, 'run-overview');
  });

  it('charts a run: step, wall-time and relative-time axes, smoothing and log scale, all in the URL', async () => {
    const run = seeded.runs[0]!;
    await open(`/runs/${run.id}?tab=metrics&x=relative&smooth=0.8&log=1`);
    await page.waitForSelector('[data-chart="loss"][data-drawn="true"]');
    await page.waitForSelector('[data-chart="val_loss"][data-drawn="true"]');
    expect(await page.getByRole('button', { name: 'Relative time' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    expect(await page.getByLabel('Log scale').isChecked()).toBe(true);
    expect(await page.locator('[data-metric="loss"] .chart-head').innerText()).toContain('200 points');
    await screenshot(page, 'run-charts-relative-smoothed-log');

    await page.getByRole('button', { name: 'Wall time' }).click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('x') === 'time');
    await page.waitForSelector('[data-chart="loss"][data-drawn="true"]');
    await page.getByRole('button', { name: 'Step' }).click();
    await page.getByLabel('Log scale').uncheck();
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('log'));
    await page.waitForSelector('[data-chart="loss"][data-drawn="true"]');

    // Hovering shows the value under the cursor in the legend.
    const box = (await page.locator('[data-chart="loss"] .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.waitForFunction(() =>
      /step/.test(document.querySelector('[data-metric="loss"] .legend-x')?.textContent ?? ''),
    );
    await page.getByLabel('Filter metrics').fill('acc');
    await page.waitForFunction(() => document.querySelectorAll('.chart-card').length === 1);
    await screenshot(page, 'run-charts-step');
  });

  it('browses artifacts and previews text, JSON, CSV and images', async () => {
    await open(`/runs/${seeded.artifactRun}`);
    await page.getByRole('tab', { name: 'Artifacts' }).click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('tab') === 'artifacts');
    const tree = page.getByRole('navigation', { name: 'Artifacts' });
    await tree.getByRole('button', { name: /notes\.txt/ }).click();
    await page.locator('.preview-text', { hasText: 'Trained on January data.' }).waitFor();
    await tree.getByRole('button', { name: /metrics\.json/ }).click();
    await page.locator('.preview-text.json', { hasText: '"auc": 0.91' }).waitFor();
    await tree.getByRole('button', { name: /predictions\.csv/ }).click();
    const table = page.getByRole('table', { name: 'Table preview' });
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(25);
    expect(await table.locator('thead').innerText()).toContain('churn_probability');
    await tree.getByRole('button', { name: /plots/ }).click();
    await tree.getByRole('button', { name: /roc\.png/ }).click();
    const img = page.locator('img.preview-image');
    await img.waitFor();
    await page.waitForFunction(
      () => (document.querySelector('img.preview-image') as HTMLImageElement)?.naturalWidth === 160,
    );
    expect(query('path')).toBe('plots/roc.png');
    await screenshot(page, 'run-artifacts-image');
    // The same URL opens the same file.
    await page.reload();
    await page.waitForFunction(
      () => (document.querySelector('img.preview-image') as HTMLImageElement)?.naturalWidth === 160,
    );
  });

  it('compares selected runs: overlaid curves, parallel coordinates and a param/metric diff', async () => {
    await open(`/experiments/${seeded.experimentId}`);
    await waitForRows(6);
    const chosen = seeded.runs.slice(0, 3);
    for (const r of chosen) await page.getByRole('checkbox', { name: `Select ${r.name}` }).check();
    expect(query('sel')?.split(',')).toHaveLength(3);
    await page.getByRole('link', { name: 'Compare 3' }).click();
    await page.waitForURL(/\/compare\?/);
    expect(new Set(query('runs')!.split(','))).toEqual(new Set(chosen.map((r) => r.id)));
    await page.waitForSelector('[data-chart="loss"][data-drawn="true"]');
    expect(await page.locator('[data-metric="loss"] .legend-item').count()).toBe(3);
    await screenshot(page, 'compare-curves');

    await page.getByRole('tab', { name: 'Parallel coordinates' }).click();
    await page.locator('svg.pc').waitFor();
    expect(await page.locator('path.pc-line').count()).toBe(3);
    expect(await page.locator('.pc-label').allTextContents()).toEqual(
      expect.arrayContaining(['params.lr', 'params.optimizer', 'metrics.loss']),
    );
    await screenshot(page, 'compare-parallel-coordinates');

    await page.getByRole('tab', { name: 'Param / metric diff' }).click();
    const diff = page.getByRole('table', { name: 'Differences' });
    await diff.waitFor();
    const lrRow = await diff.locator('tr', { hasText: /^lr/ }).innerText();
    for (const r of chosen) expect(lrRow).toContain(r.lr);
    await screenshot(page, 'compare-diff');
    expect(query('view')).toBe('diff');
  });

  it('lists registered models and filters them by name', async () => {
    await open('/experiments');
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Models' }).click();
    await page.waitForURL(/\/models$/);
    const table = page.getByRole('table', { name: 'Registered models' });
    await table.waitFor();
    const text = await table.innerText();
    expect(text).toContain(seeded.model);
    expect(text).toContain(seeded.otherModel);
    expect(text).toContain('@champion → v3');
    await screenshot(page, 'models-list');
    await page.getByLabel('Filter models by name').fill('fraud');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('table[aria-label="Registered models"] tbody tr').length === 1,
    );
    expect(await table.innerText()).toContain(seeded.otherModel);
    expect(query('q')).toBe('fraud');
  });

  it("shows a model's aliases, every alias move in order, and its versions", async () => {
    await open(`/models/${seeded.model}`);
    await page.getByRole('heading', { name: seeded.model }).waitFor();
    const aliases = await page.locator('.alias-list').innerText();
    expect(aliases).toContain('@champion');
    expect(aliases).toContain('version 3');
    expect(aliases).toContain('@challenger');
    const moves = page.getByRole('table', { name: 'Alias moves' });
    await moves.waitFor();
    const rows = await moves.locator('tbody tr').allInnerTexts();
    expect(rows).toHaveLength(6);
    expect(rows.map((r) => r.replace(/\s+/g, ' ')).reverse()).toEqual([
      expect.stringContaining('@champion (new) → v1'),
      expect.stringContaining('@champion v1 → v2'),
      expect.stringContaining('@challenger (new) → v3'),
      expect.stringContaining('@champion v2 → v3'),
      expect.stringContaining('@challenger v3 → (deleted)'),
      expect.stringContaining('@challenger (new) → v2'),
    ]);
    expect(await page.locator('svg.alias-timeline circle').count()).toBe(5);
    const versions = await page.getByRole('table', { name: 'Model versions' }).innerText();
    expect(versions).toContain('Version 3');
    expect(versions).toContain('Version 1');
    await screenshot(page, 'model-aliases-history');
  });

  it("draws a version's lineage and follows it to the run that produced it", async () => {
    const producer = seeded.runs[2]!;
    await open(`/models/${seeded.model}/versions/3`);
    await page.getByRole('img', { name: 'Lineage graph' }).waitFor();
    const labels = await page.locator('svg.lineage .node-label').allTextContents();
    expect(labels).toEqual(
      expect.arrayContaining([`${seeded.model} v3`, seeded.model, producer.name, 'churn-train@d41d8cd9']),
    );
    expect(await page.locator('svg.lineage .node-commit').count()).toBe(1);
    await page.getByRole('button', { name: `run ${producer.name}` }).click();
    const details = page.getByRole('complementary', { name: 'Node details' });
    expect(await details.innerText()).toContain('param.lr');
    expect(query('node')).toBe(`run:${producer.id}`);
    await screenshot(page, 'model-version-lineage');
    await page.getByRole('button', { name: `run ${producer.name}` }).dblclick();
    await page.waitForURL(new RegExp(`/runs/${producer.id}$`));
    await page.getByRole('heading', { name: producer.name }).waitFor();
  });

  it('navigates with links, breadcrumbs and the back button', async () => {
    await open(`/runs/${seeded.runs[0]!.id}`);
    await page.locator('.crumbs').getByRole('link', { name: 'churn-model' }).click();
    await page.waitForURL(new RegExp(`/experiments/${seeded.experimentId}$`));
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Models' }).click();
    await page.waitForURL(/\/models$/);
    await page.goBack();
    await page.waitForURL(new RegExp(`/experiments/${seeded.experimentId}$`));
    await waitForRows(6);
    expect(path()).toBe(`/experiments/${seeded.experimentId}`);
  });

  it('shows datasets: versions, schema, column profiles with histograms, and the runs that read a version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mloop-ui-data-'));
    const csv = (rows: number, shift: number) =>
      `distance,carrier,delayed\n${Array.from({ length: rows }, (_, i) => `${(i % 50) + shift},${['AA', 'UA', 'DL'][i % 3]},${i % 4 === 0}`).join('\n')}\n`;
    writeFileSync(join(dir, 'trips.csv'), csv(200, 0));
    await cli(
      ['data', 'add', join(dir, 'trips.csv'), '--name', 'trips', '--run', seeded.runs[0]!.id],
      server.url,
    );
    writeFileSync(join(dir, 'trips.csv'), csv(300, 100));
    await cli(['data', 'add', join(dir, 'trips.csv'), '--name', 'trips'], server.url);

    await open('/data');
    await page.getByRole('link', { name: 'trips' }).click();
    await page.waitForURL(/\/data\/trips$/);
    await page.locator('section[data-version="2"]').waitFor();
    // The versions table loads on its own, beside the version: wait for it too.
    await page.getByRole('table', { name: 'Dataset versions' }).waitFor();
    expect(await texts('table[aria-label="Dataset versions"] tbody td:first-child')).toEqual(['v2', 'v1']);
    const distance = page.locator('tr[data-column="distance"]');
    expect(await distance.innerText()).toMatch(/mean 124\.5/);
    expect(await distance.locator('svg[aria-label="Histogram of distance"] rect').count()).toBeGreaterThan(5);
    expect(await page.locator('tr[data-column="carrier"]').innerText()).toMatch(/AA \(100\)/);
    // v2's distances (100–149) fall outside v1's range (0–49): the validation against v1's schema says so.
    const validation = page.locator('section[aria-label="Validation"]');
    await validation.locator('tr[data-anomaly="out-of-range"]').waitFor();
    expect(await validation.locator('h2').innerText()).toBe('Validation of v2 against the schema of v1');
    expect(await validation.locator('tr[data-anomaly="out-of-range"]').innerText()).toMatch(
      /distance\s+out-of-range\s+≈300\s+within \[0, 49\]\s+\[100, 149\]/,
    );
    await page.getByRole('button', { name: 'v1' }).click();
    await page.waitForURL(/\?v=1$/);
    await page.locator('section[data-version="1"]').waitFor();
    expect(await page.locator('tr[data-column="distance"]').innerText()).toMatch(/mean 24\.5/);
    // The validation loads after the version's section: wait for it rather than read the loading text.
    await validation.getByText(/The first version: there is no earlier schema/).waitFor();
    await page.getByRole('link', { name: seeded.runs[0]!.id }).waitFor();
    await screenshot(page, 'dataset');
  });

  it('shows deployments: routes and the versions answering, live traffic per version, and the history', async () => {
    const py = inject('pythonBin');
    for (const offset of [1, 2])
      await registerOverHttp(server.url, 'fd', await buildOnnx(py, 'linear', { features: 4, offset }));
    await cli(['models', 'alias', 'set', 'fd', 'champion', '1'], server.url);
    await cli(['deploy', 'create', 'flight', '--model', 'models:/fd@champion'], server.url);
    await cli(['deploy', 'routes', 'flight', '--set', '1=90', '--set', '2=10'], server.url);
    const infer = () =>
      fetch(`${server.url}/v2/models/flight/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [{ name: 'X', shape: [1, 4], datatype: 'FP32', data: [0, 0, 0, 0] }],
        }),
      });
    await waitFor(async () => (await infer()).status === 200, 30_000, 'the deployment to answer');

    await open('/deployments');
    await page.getByRole('link', { name: 'flight' }).click();
    await page.waitForURL(/\/deployments\/flight$/);
    await page.locator('tr[data-route="models:/fd/1"]').waitFor();
    expect(await page.locator('tr[data-route="models:/fd/1"]').innerText()).toMatch(/90%\s+v1\s+ready/);
    expect(await page.locator('tr[data-route="models:/fd/2"]').innerText()).toMatch(/10%\s+v2\s+ready/);
    await page.getByRole('table', { name: 'Deployment history' }).waitFor();
    expect(await texts('table[aria-label="Deployment history"] tbody td:nth-child(3)')).toEqual([
      'routes',
      'created',
    ]);
    // Traffic between two scrapes shows up as a rate per version.
    await page.locator('section[aria-label="Live traffic"]').waitFor();
    for (let i = 0; i < 40; i++) await infer();
    await page.waitForFunction(
      () => document.querySelectorAll('table[aria-label="Traffic by version"] tbody tr').length >= 1,
      undefined,
      { timeout: 20_000 },
    );
    await page.waitForFunction(
      () => {
        const cell = document.querySelector('tr[data-version="1"] td:nth-child(2)');
        return cell !== null && Number.parseFloat(cell.textContent ?? '0') > 0;
      },
      undefined,
      { timeout: 20_000 },
    );
    expect(
      Number((await page.locator('tr[data-version="1"] td:nth-child(6)').innerText()).replace(/,/g, '')),
    ).toBeGreaterThan(20);
    await screenshot(page, 'deployment');
  });

  it('shows loading while a request is on its way, and an error with a retry when it fails', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    await page.route('**/ajax-api/2.0/mlflow/registered-models/search', async (route) => {
      await held;
      await route.continue();
    });
    await open('/models');
    await page.getByRole('status').filter({ hasText: 'Loading models' }).waitFor();
    await screenshot(page, 'state-loading');
    release();
    await page.getByRole('table', { name: 'Registered models' }).waitFor();
    await page.unroute('**/ajax-api/2.0/mlflow/registered-models/search');

    await open(`/runs/${'f'.repeat(32)}`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/not found|does not exist/i);
    await alert.getByRole('button', { name: 'Try again' }).waitFor();
    await screenshot(page, 'state-error');

    await open('/no/such/view');
    await page.getByText('Nothing at /no/such/view').waitFor();
  });

  it('raised no uncaught errors in the page', () => {
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
