import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPlots, parsePlotFile, selectPlots } from '../../src/pipeline/plots.js';
import { confusion, plotsHtml, seriesOf, ticks } from '../../src/pipeline/plots-svg.js';
import { openProject } from '../../src/pipeline/project.js';
import { git } from '../support/git-repo.js';
import { mloop, requireBuild } from './cli-support.js';
import { project, write } from './support.js';

const SPEC = `pipeline:
  stages:
    train:
      foreach: [a, b]
      do:
        cmd: "true"
        plots:
          - curves/\${item}.csv: { x: epoch, y: [loss, acc], title: "Run \${item}", y_label: score }
          - cm/\${item}.json: { template: confusion, x: actual, y: predicted }
    eval:
      cmd: "true"
      plots: [roc.tsv, dir]
`;

describe('plots: declaration, data files, charts', () => {
  it('reads DVC-style plot declarations: a path, or {path: properties}, also under foreach', () => {
    const dir = project({ 'mloop.yaml': SPEC });
    const { pipeline } = openProject({ cwd: dir });
    const a = pipeline.stages.find((s) => s.name === 'train@a')!;
    expect(a.plots).toEqual(['curves/a.csv', 'cm/a.json']);
    expect(a.plotProps).toEqual({
      'curves/a.csv': { x: 'epoch', y: ['loss', 'acc'], title: 'Run a', yLabel: 'score' },
      'cm/a.json': { template: 'confusion', x: 'actual', y: ['predicted'] },
    });
    const evalStage = pipeline.stages.find((s) => s.name === 'eval')!;
    expect(evalStage.plots).toEqual(['roc.tsv', 'dir']);
    expect(evalStage.plotProps).toBeUndefined();
  });

  it('rejects an unknown template or property, and an entry with two paths, naming the stage and key', async () => {
    const bad = (plots: string) =>
      project({ 'mloop.yaml': `pipeline:\n  stages:\n    s:\n      cmd: "true"\n      plots: ${plots}\n` });
    expect(() => openProject({ cwd: bad('[{p.csv: {template: lines}}]') })).toThrow(
      /stage s: plots\.0\.p\.csv\.template: "lines" is not one of "linear", .* \(did you mean "linear"\?\)/,
    );
    expect(() => openProject({ cwd: bad('[{p.csv: {x_lable: e}}]') })).toThrow(
      'stage s: plots.0.p.csv.x_lable: unknown key (did you mean "x_label"?)',
    );
    expect(() => openProject({ cwd: bad('[{p.csv: {x: e}, q.csv: {x: e}}]') })).toThrow(
      'stage s: plots[0]: expected one path with its properties ({path: {x: …, y: …}}), got 2 keys.',
    );
  });

  it('parses CSV (quoted fields, no header), TSV, JSON lists and the first list in a JSON object', () => {
    expect(parsePlotFile('p.csv', 'a,b\n1,"x, ""y"""\n2,3\n')).toEqual([
      { a: 1, b: 'x, "y"' },
      { a: 2, b: 3 },
    ]);
    expect(parsePlotFile('p.csv', '1,2\n3,4\n', { header: false })).toEqual([
      { 0: 1, 1: 2 },
      { 0: 3, 1: 4 },
    ]);
    expect(parsePlotFile('p.tsv', 'fpr\ttpr\n0.1\t0.5\n')).toEqual([{ fpr: 0.1, tpr: 0.5 }]);
    expect(parsePlotFile('p.json', '{"train": [{"step": 0, "loss": 1}]}')).toEqual([{ step: 0, loss: 1 }]);
    expect(() => parsePlotFile('p.json', '{"loss": 1}')).toThrow(/p.json: expected a list of objects/);
  });

  it('defaults x to the row index and y to the last field; a missing field names the fields there are', () => {
    const dir = project({ 'mloop.yaml': SPEC, 'roc.tsv': 'fpr\ttpr\n0\t0\n0.5\t0.8\n1\t1\n' });
    const { pipeline } = openProject({ cwd: dir });
    const { plots, missing } = loadPlots(dir, selectPlots(pipeline, ['roc.tsv']));
    expect(missing).toEqual([]);
    expect(plots[0]).toMatchObject({ x: 'step', y: ['tpr'], template: 'linear', stage: 'eval' });
    expect(seriesOf(plots[0]!)).toEqual([
      {
        name: 'tpr',
        points: [
          { x: 0, y: 0 },
          { x: 1, y: 0.8 },
          { x: 2, y: 1 },
        ],
      },
    ]);
    write(dir, { 'curves/a.csv': 'epoch,loss\n0,1\n' });
    expect(() => loadPlots(dir, selectPlots(pipeline, ['curves/a.csv']))).toThrow(
      'plots: curves/a.csv: no field "acc"; the file has epoch, loss.',
    );
    expect(() => selectPlots(pipeline, ['nope.csv'])).toThrow(
      /nope.csv is neither a declared plot nor a file/,
    );
  });

  it('draws line, scatter and confusion charts as inline SVG in a page with no script or network', () => {
    const rows = [
      { step: 0, epoch: 0, loss: 0.9, acc: 0.5 },
      { step: 1, epoch: 1, loss: 0.5, acc: 0.75 },
    ];
    const base = { path: 'c.csv', title: 'Run <a>', x: 'epoch', xLabel: 'epoch', yLabel: 'score' };
    const html = plotsHtml(
      [
        { ...base, template: 'linear', y: ['loss', 'acc'], revisions: [{ rev: 'workspace', rows }] },
        { ...base, template: 'scatter', y: ['loss'], revisions: [{ rev: 'workspace', rows }] },
        {
          ...base,
          path: 'cm.json',
          template: 'confusion',
          x: 'actual',
          y: ['predicted'],
          revisions: [
            {
              rev: 'workspace',
              rows: [
                { actual: 'a', predicted: 'a' },
                { actual: 'a', predicted: 'b' },
              ],
            },
          ],
        },
      ],
      'plots',
    );
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html.match(/<polyline /g)).toHaveLength(2); // linear: one per y field; scatter: none
    expect(html).toContain('Run &lt;a&gt;');
    expect(html).toContain('<title>acc: epoch=1, 0.75</title>');
    expect(
      confusion(
        [
          { t: 'a', p: 'a' },
          { t: 'a', p: 'b' },
          { t: 'b', p: 'b' },
        ],
        't',
        'p',
      ),
    ).toEqual({
      labels: ['a', 'b'],
      counts: [
        [1, 0],
        [1, 1],
      ],
    });
    expect(ticks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});

describe('mloop plots show|diff (built CLI)', () => {
  beforeAll(requireBuild);

  it('writes one HTML file with every declared plot; diff overlays git HEAD and the working tree', async () => {
    const dir = project({
      'mloop.yaml': `pipeline:
  stages:
    train:
      cmd: "true"
      plots:
        - loss.csv: { x: epoch, y: loss }
        - later.csv
`,
      'loss.csv': 'epoch,loss\n0,0.9\n1,0.6\n',
    });
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'one');
    write(dir, { 'loss.csv': 'epoch,loss\n0,0.9\n1,0.4\n2,0.3\n' });

    const show = await mloop(dir, ['plots', 'show']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toBe('1 plot (loss.csv) written to plots.html.\n');
    expect(show.stderr).toBe('mloop: plots: later.csv does not exist yet (run mloop repro); skipped.\n');
    const html = readFileSync(join(dir, 'plots.html'), 'utf8');
    expect(html).toContain('<polyline points="');
    expect(html).toContain('<title>loss: epoch=2, 0.3</title>');

    const diff = await mloop(dir, ['plots', 'diff', '--json']);
    expect(diff.code, diff.stderr).toBe(0);
    const json = JSON.parse(diff.stdout);
    expect(json.out).toBeUndefined();
    expect(json.plots[0].revisions).toEqual(['HEAD', 'workspace']);
    expect(
      json.plots[0].series.map((s: { name: string; points: unknown[] }) => [s.name, s.points.length]),
    ).toEqual([
      ['HEAD', 2],
      ['workspace', 3],
    ]);

    const out = await mloop(dir, ['plots', 'diff', '-o', 'd.html']);
    expect(out.code).toBe(0);
    expect(readFileSync(join(dir, 'd.html'), 'utf8')).toContain('HEAD</span>');

    const badField = await mloop(
      project({
        'mloop.yaml': 'pipeline:\n  stages:\n    s:\n      cmd: "true"\n      plots: [{p.csv: {y: los}}]\n',
        'p.csv': 'epoch,loss\n0,1\n',
      }),
      ['plots', 'show'],
    );
    expect(badField).toMatchObject({
      code: 1,
      stderr: 'mloop: plots: p.csv: no field "los"; the file has epoch, loss.\n',
    });
  });
});
