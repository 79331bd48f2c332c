import { describe, expect, it } from 'vitest';
import { type DriftInput, datasetDrift } from '../../src/monitor/drift/index.js';
import { escapeHtml, renderDriftReport } from '../../src/monitor/report/html.js';

const num = (values: number[]): DriftInput => ({ kind: 'numeric', values: Float64Array.from(values) });
const cat = (entries: Record<string, number>): DriftInput => ({
  kind: 'categorical',
  counts: new Map(Object.entries(entries)),
});

const EVIL = '<script>alert(1)</script>';
const EVIL_VALUE = '"><img src=x onerror=alert(2)>';

function evilDrift(opts: Parameters<typeof datasetDrift>[2] = {}) {
  const ref = new Map<string, DriftInput>([
    [EVIL, num(Array.from({ length: 300 }, (_, i) => i % 40))],
    ['city', cat({ Oslo: 50, [EVIL_VALUE]: 30, "O'Hare & <co>": 20 })],
    ['only_ref', num([1, 2])],
  ]);
  const cur = new Map<string, DriftInput>([
    [EVIL, num(Array.from({ length: 300 }, (_, i) => (i % 40) + 25))],
    ['city', cat({ Oslo: 20, [EVIL_VALUE]: 30, "O'Hare & <co>": 50 })],
  ]);
  return datasetDrift(ref, cur, opts);
}

describe('HTML drift report', () => {
  it('is one standalone file: verdict, per-feature table, a chart per feature, nothing fetched, no script', () => {
    const drift = evilDrift();
    const html = renderDriftReport(drift, {
      reference: 'jan.parquet',
      current: 'feb.parquet',
      title: 'Flights',
    });
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(html).toContain('<title>Flights</title>');
    expect(html).toContain('Dataset drift detected');
    expect(html).toContain('<b>2</b> of <b>2</b> tested columns drifted (100%)');
    expect(html).toContain('1 column(s) not tested');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html.match(/<tr><td><a href="#f\d">/g)).toHaveLength(2);
    expect(html).toContain('Content-Security-Policy" content="default-src \'none\'');
    // No external resource of any kind and no script: the SVG namespace URI is the only URL allowed.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|https?:\/\/(?!www\.w3\.org)/i);
  });

  it('escapes every piece of text that comes from data', () => {
    const html = renderDriftReport(evilDrift(), { reference: EVIL, current: EVIL_VALUE, title: EVIL });
    expect(html).not.toContain(EVIL);
    expect(html).not.toContain(EVIL_VALUE);
    expect(html).not.toMatch(/<img|onerror=alert\(2\)>/);
    expect(html).toContain(escapeHtml(EVIL));
    expect(html).toContain(escapeHtml(EVIL_VALUE));
    expect(html).toContain('O&#39;Hare &amp; &lt;co&gt;');
    // Every tag in the document is one the renderer writes.
    const tags = new Set([...html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()));
    const allowed =
      'html head meta title style body header h1 h2 h3 p b section details summary ul li table thead tbody tr th td a span svg line text rect polyline circle br';
    for (const tag of tags) expect(allowed.split(' '), tag).toContain(tag);
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('draws drift over time: the share per window and each column statistic, with thresholds', () => {
    const drift = evilDrift({ method: 'psi' });
    const hour = 3600_000;
    const windows = Array.from({ length: 6 }, (_, i) => ({
      start: Date.UTC(2026, 0, 1) + i * hour,
      end: Date.UTC(2026, 0, 1) + (i + 1) * hour,
      share: i / 5,
      columns: { city: 0.05 * i, [EVIL]: 0.2 * i },
    }));
    const html = renderDriftReport(drift, { overTime: { windows } });
    expect(html).toContain('<h2>Drift over time</h2>');
    expect(html).toContain('6 windows, from 2026-01-01T00:00:00.000Z to 2026-01-01T06:00:00.000Z');
    expect(html.match(/<polyline /g)).toHaveLength(3);
    // The dataset share threshold and the distance thresholds are drawn; points at or above them are red.
    expect(html.match(/class="threshold"/g)!.length).toBe(3);
    expect(html).toContain('<title>2026-01-01T06:00:00.000Z: 1</title>');
    expect(html).not.toContain(EVIL);
    // A report of windows alone (no single comparison) renders too.
    const alone = renderDriftReport(null, { overTime: { windows } });
    expect(alone).toContain('Drift over time');
    expect(alone).not.toContain('Columns</h2>');
  });
});
