import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, screenshot } from '../support/browser.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';
import {
  type SeededMonitoring,
  type SeededPipelines,
  seedMonitoring,
  seedPipelines,
} from '../support/ui-seed-ops.js';

/**
 * The Pipelines and Monitoring views end to end: a real `mloop server` process, pipeline runs recorded by
 * `mloop repro --server`, a deployment fed real traffic and ground truth, a loop run; driven by Debian's Chromium.
 */
describe('web UI: pipelines and monitoring in Chromium', () => {
  let server: ServerProcess;
  let pipes: SeededPipelines;
  let mon: SeededMonitoring;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    server = await startServerProcess();
    [pipes, mon] = await Promise.all([seedPipelines(server.url), seedMonitoring(server.url)]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    errors = collectPageErrors(page);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const open = (path: string) => page.goto(`${server.url}${path}`);
  const texts = (selector: string) => page.locator(selector).allInnerTexts();

  it('lists pipeline runs with their stage counts, filters by state and keeps the filter in the URL', async () => {
    await open('/');
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Pipelines' }).click();
    await page.waitForURL(/\/pipelines$/);
    const table = page.getByRole('table', { name: 'Pipeline runs' });
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(3);
    const ok = page.locator(`tr[data-run="${pipes.okRun}"]`);
    expect(await ok.innerText()).toMatch(/finished[\s\S]*5 ran/i);
    const failed = page.locator(`tr[data-run="${pipes.failedRun}"]`);
    expect(await failed.innerText()).toMatch(/failed[\s\S]*4 up-to-date[\s\S]*1 failed/i);
    const restored = page.locator(`tr[data-run="${pipes.restoredRun}"]`);
    expect(await restored.innerText()).toMatch(/finished[\s\S]*1 restored[\s\S]*4 up-to-date/i);
    await screenshot(page, 'pipelines');

    await page.getByRole('button', { name: 'Failed' }).click();
    await page.waitForURL(/\?status=FAILED$/);
    await page.waitForFunction(
      () => document.querySelectorAll('table[aria-label="Pipeline runs"] tbody tr').length === 1,
    );
    expect(await page.locator(`tr[data-run="${pipes.failedRun}"]`).count()).toBe(1);
    await page.reload();
    await page.locator(`tr[data-run="${pipes.failedRun}"]`).waitFor();
    expect(await page.locator('table[aria-label="Pipeline runs"] tbody tr').count()).toBe(1);

    await page.getByRole('button', { name: 'Killed' }).click();
    await page.getByText('No killed pipeline runs.').waitFor();
  });

  it('draws a pipeline run as a DAG: edges, each stage with its status and duration, its log on click', async () => {
    await open('/pipelines');
    await page.locator(`tr[data-run="${pipes.okRun}"] a`).click();
    await page.waitForURL(new RegExp(`/pipelines/${pipes.okRun}$`));
    const graph = page.getByRole('img', { name: 'Pipeline graph' });
    await graph.waitFor();
    expect(await graph.locator('g.dag-node').count()).toBe(5);
    const edges = await graph
      .locator('path.dag-edge')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-edge')).sort());
    expect(edges).toEqual(['features>train', 'lint>evaluate', 'prepare>features', 'train>evaluate']);
    // Layered left to right in data-flow order.
    const x = async (stage: string) => (await graph.locator(`g[data-stage="${stage}"]`).boundingBox())!.x;
    expect(await x('prepare')).toBeLessThan(await x('features'));
    expect(await x('features')).toBeLessThan(await x('train'));
    expect(await x('train')).toBeLessThan(await x('evaluate'));
    expect(await x('lint')).toBe(await x('prepare'));
    expect(await graph.locator('g[data-stage="train"]').getAttribute('aria-label')).toBe('Stage train: ran');
    expect(await graph.locator('g[data-stage="train"]').innerHTML()).toMatch(/ran · \d+(\.\d)? m?s/);
    expect(await texts('table[aria-label="Pipeline stages"] tbody td:first-child')).toEqual([
      'prepare',
      'features',
      'train',
      'lint',
      'evaluate',
    ]);

    await graph.locator('g[data-stage="train"]').click();
    await page.waitForURL(/\?stage=train$/);
    const detail = page.locator('[data-stage-detail="train"]');
    await detail.waitFor();
    expect(await detail.locator('pre[data-log="train"]').innerText()).toContain('training on features');
    expect(await detail.getByRole('table', { name: 'Stage metrics' }).innerText()).toMatch(
      /accuracy\s+0\.91/,
    );
    expect(await detail.getByRole('table', { name: 'Stage executions' }).innerText()).toMatch(
      /1\s+\w{12}\s+ran/,
    );
    await screenshot(page, 'pipeline-run');
  });

  it('shows a failed run: the failing stage with its error and log, cache hits that did not execute', async () => {
    // A shared link opens the same stage.
    await open(`/pipelines/${pipes.failedRun}?stage=evaluate`);
    const detail = page.locator('[data-stage-detail="evaluate"]');
    await detail.waitFor();
    expect(await detail.getByRole('alert', { name: 'Stage error' }).innerText()).toContain('exit code 4');
    const log = await detail.locator('pre[data-log="evaluate"]').innerText();
    expect(log).toContain('scoring the model');
    expect(log).toContain('evaluation data missing');
    // Only this run's output: the earlier successful execution of the stage wrote to the same log file.
    expect(log).not.toContain('cat model.txt lint.txt');
    const rows = await texts('table[aria-label="Pipeline stages"] tbody tr');
    expect(rows[0]).toMatch(/prepare\s+up to date \(cached\)\s+hit/);
    expect(rows[4]).toMatch(/evaluate\s+failed\s+miss/);
    expect(await page.locator('g[data-stage="evaluate"]').getAttribute('class')).toContain('status-failed');
    expect(await page.getByText(/5 stages · 1 executed · 4 cache hits/).count()).toBe(1);
    await screenshot(page, 'pipeline-run-failed');

    await page
      .locator('table[aria-label="Pipeline stages"]')
      .getByRole('button', { name: 'prepare' })
      .click();
    await page.waitForURL(/\?stage=prepare$/);
    await page.getByText('Not executed in this run: its outputs came from the cache.').waitFor();
    // An up-to-date stage links to the run that made its outputs.
    await page.locator('[data-stage-detail="prepare"]').getByRole('link').first().waitFor();

    // Restored from the run-cache: a cache hit that still took time.
    await open(`/pipelines/${pipes.restoredRun}`);
    const node = page.locator('g[data-stage="evaluate"]');
    await node.waitFor();
    expect(await node.getAttribute('aria-label')).toBe('Stage evaluate: restored from cache');
    const row = await page
      .locator('table[aria-label="Pipeline stages"] tr[data-stage="evaluate"]')
      .innerText();
    expect(row).toMatch(/evaluate\s+restored from cache\s+hit\s+\d+(\.\d)? m?s\s+0/);

    await open(`/pipelines/${'f'.repeat(32)}`);
    expect(await page.getByRole('alert').innerText()).toMatch(/not found|does not exist/i);
  });

  it('monitoring: drift per feature over time, and the distributions behind a cell', async () => {
    await open('/');
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Monitoring' })
      .click();
    await page.waitForURL(/\/monitoring$/);
    const heatmap = page.getByRole('img', { name: 'Drift per feature over time' });
    await heatmap.waitFor();
    expect(await page.getByLabel('Deployment').inputValue()).toBe(mon.deployment);
    expect(await page.getByLabel('Model version').inputValue()).toBe('1');
    const features = await heatmap
      .locator('g[data-feature]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-feature')));
    // The drifted feature comes first; the sensitive column is an input and is tested too.
    expect(features[0]).toBe('x1');
    expect(new Set(features)).toEqual(new Set(['x1', 'x2', 'group']));
    const x1 = await heatmap
      .locator('rect[data-feature="x1"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-drifted')));
    expect(x1.length).toBeGreaterThanOrEqual(4);
    // Early windows look like the training data, late ones are shifted.
    expect(x1[0]).toBe('false');
    expect(x1.at(-1)).toBe('true');
    const x2 = await heatmap
      .locator('rect[data-feature="x2"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-drifted')));
    expect(x2.filter((d) => d === 'true').length).toBeLessThanOrEqual(1);
    await screenshot(page, 'monitoring');

    const last = heatmap.locator('rect[data-feature="x1"]').last();
    const start = await last.getAttribute('data-window');
    await last.click();
    await page.waitForURL((u) => u.searchParams.get('f') === 'x1' && u.searchParams.get('w') === start);
    const dist = page.locator('[data-distribution="x1"]');
    await dist.waitFor();
    expect(await dist.innerText()).toMatch(/Drift: \w+ (p-value|distance)/);
    expect(await dist.innerText()).toContain('credit@1 (lineage)');
    const density = dist.getByRole('img', { name: 'Density of x1: reference and current' });
    await density.waitFor();
    expect(await density.locator('path[data-series="reference"]').getAttribute('d')).toMatch(/^M/);
    expect(await density.locator('path[data-series="current"]').getAttribute('d')).toMatch(/^M/);
    expect(await dist.locator('figcaption').innerText()).toMatch(/reference \(400 values, mean/);
    await screenshot(page, 'monitoring-distribution');

    // The link is the view: reloading shows the same cell.
    await page.reload();
    await page
      .locator('[data-distribution="x1"]')
      .getByRole('img', { name: /Density of x1/ })
      .waitFor();
    expect(await page.locator(`rect.selected[data-feature="x1"][data-window="${start}"]`).count()).toBe(1);

    // A categorical column compares value shares.
    await heatmap.locator('rect[data-feature="group"]').first().click();
    await page
      .locator('[data-distribution="group"]')
      .getByRole('img', { name: 'Share of each value of group: reference and current' })
      .waitFor();
    expect(await page.locator('[data-distribution="group"] g[data-value]').count()).toBe(2);
  });

  it('monitoring: performance with label counts, bias, alerts and the loop events', async () => {
    await open(`/monitoring?d=${mon.deployment}`);
    const perf = page.getByRole('img', { name: 'accuracy over time' });
    await perf.waitFor();
    expect(await perf.locator('g[data-series="accuracy (realized)"] circle').count()).toBeGreaterThanOrEqual(
      4,
    );
    expect(await perf.locator('rect.time-bar').count()).toBeGreaterThanOrEqual(4);
    expect(
      await perf.locator('g[data-series="accuracy (estimated, CBPE)"] circle').count(),
    ).toBeGreaterThanOrEqual(4);
    await page.getByLabel('Performance metric').selectOption('f1');
    await page.waitForURL(/m=f1/);
    await page.getByRole('img', { name: 'f1 over time' }).waitFor();

    const bias = page.getByRole('img', { name: 'Bias over time' });
    await bias.waitFor();
    expect(
      await bias.locator('g[data-series="demographic parity difference"] circle').count(),
    ).toBeGreaterThanOrEqual(4);
    expect(await page.getByText('Grouped by group').count()).toBe(1);

    const alerts = page.getByRole('table', { name: 'Alerts' });
    await alerts.waitFor();
    const rules = await alerts
      .locator('tbody tr')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-alert')));
    expect(rules).toContain('x1-drift');
    // The table is on screen whole, not clipped by its card on a long page.
    const card = (await page.locator('section.card', { has: alerts }).boundingBox())!;
    expect(card.height).toBeGreaterThan((await alerts.boundingBox())!.height);

    const timeline = page.getByRole('list', { name: 'Loop events' });
    await timeline.waitFor();
    const kinds = await timeline
      .locator('li')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    // Newest first.
    expect(kinds.at(-1)).toBe('triggered');
    expect(kinds).toContain('training_started');
    expect(kinds.length).toBeGreaterThanOrEqual(3);
    await page.getByRole('img', { name: 'Latency and requests over time' }).waitFor();
    await timeline.scrollIntoViewIfNeeded();
    await screenshot(page, 'monitoring-performance');
  });

  it('monitoring: a deployment without traffic says so, and the deployment choice is in the URL', async () => {
    const res = await fetch(`${server.url}/api/v1/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'quiet', model: `models:/${mon.model}/1` }),
    });
    expect(res.status).toBe(201);
    await open(`/monitoring?d=${mon.deployment}&f=x1`);
    await page.getByRole('img', { name: 'Drift per feature over time' }).waitFor();
    // Refreshing keeps the page on screen until the new answer arrives.
    let answer!: () => void;
    const pending = new Promise<void>((r) => {
      answer = r;
    });
    let asked = false;
    await page.route(`**/api/v1/deployments/${mon.deployment}/monitoring/windows*`, async (route) => {
      asked = true;
      await pending;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => asked).toBe(true);
    expect(await page.getByRole('img', { name: 'Drift per feature over time' }).isVisible()).toBe(true);
    expect(await page.getByRole('status').filter({ hasText: 'Loading monitoring windows' }).count()).toBe(0);
    const responded = page.waitForResponse((r) =>
      r.url().includes(`/api/v1/deployments/${mon.deployment}/monitoring/windows`),
    );
    answer();
    await responded;
    await page.unroute(`**/api/v1/deployments/${mon.deployment}/monitoring/windows*`);

    await page.getByLabel('Deployment').selectOption('quiet');
    await page.waitForURL(/d=quiet/);
    // A cell chosen on another deployment does not follow to this one.
    expect(new URL(page.url()).searchParams.get('f')).toBeNull();
    await page.getByText('No traffic in this range.').waitFor();
    await page
      .getByRole('table', { name: 'Alerts' })
      .or(page.getByText('No alerts in this range.'))
      .waitFor();
    expect(await page.getByText('No alerts in this range.').count()).toBe(1);
    await screenshot(page, 'monitoring-empty');

    // Loading and error states: a held request shows the spinner; a failing one the server's message.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    await page.route('**/api/v1/deployments/quiet/monitoring/windows*', async (route) => {
      await held;
      await route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({
          error_code: 'INVALID_PARAMETER_VALUE',
          message: 'Invalid range: from after to.',
        }),
      });
    });
    await open('/monitoring?d=quiet&range=1h');
    await page.getByRole('status').filter({ hasText: 'Loading monitoring windows' }).waitFor();
    release();
    expect(await page.getByRole('alert').innerText()).toContain('Invalid range: from after to.');
    await page.unroute('**/api/v1/deployments/quiet/monitoring/windows*');
  });

  it('raised no uncaught errors in the page', () => {
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
