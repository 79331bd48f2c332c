import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { atHead } from './diff.js';
import { PipelineError } from './errors.js';
import type { Pipeline, PlotProps, PlotTemplate } from './spec.js';
import { yaml } from './yaml-lazy.js';

/** One declared plot file (a directory of plot files is expanded to its files). */
export interface PlotFile {
  path: string;
  stage?: string;
  props: PlotProps;
}

export type Datum = Record<string, unknown>;

/** The data of one plot file in each revision it is drawn from. */
export interface PlotData {
  path: string;
  stage?: string;
  template: PlotTemplate;
  title: string;
  x: string;
  y: string[];
  xLabel: string;
  yLabel: string;
  /** Rows per revision (`workspace`, or `HEAD` and `workspace` for a diff); a revision lacking the file is absent. */
  revisions: { rev: string; rows: Datum[] }[];
}

/** The row index DVC puts on the x axis when a plot names no `x`. */
export const STEP = 'step';

const PLOT_FILE = /\.(csv|tsv|json|ya?ml)$/i;

/** Every plot file the pipeline declares, in stage order; directories expand to the plot files below them. */
export function declaredPlots(pipeline: Pipeline): PlotFile[] {
  const out: PlotFile[] = [];
  const seen = new Set<string>();
  for (const stage of pipeline.stages)
    for (const path of stage.plots) {
      const props = stage.plotProps?.[path] ?? {};
      for (const file of expand(pipeline.root, path)) {
        if (seen.has(file)) continue;
        seen.add(file);
        out.push({ path: file, stage: stage.name, props });
      }
    }
  return out;
}

function expand(root: string, path: string): string[] {
  const abs = join(root, path);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) return [path];
  return readdirSync(abs, { recursive: true })
    .map(String)
    .filter((f) => PLOT_FILE.test(f) && statSync(join(abs, f)).isFile())
    .sort()
    .map((f) => posix.join(path, f.split('\\').join('/')));
}

/**
 * The plots to draw: the declared ones, or those named in `targets` (a declared file or directory keeps its
 * properties; any other file is drawn with the defaults). Unknown targets that do not exist are an error.
 */
export function selectPlots(pipeline: Pipeline, targets: readonly string[]): PlotFile[] {
  const declared = declaredPlots(pipeline);
  if (targets.length === 0) return declared;
  return targets.flatMap((target) => {
    const t = posix.normalize(target.split('\\').join('/')).replace(/\/$/, '');
    const hits = declared.filter((p) => p.path === t || p.path.startsWith(`${t}/`));
    if (hits.length) return hits;
    if (!existsSync(join(pipeline.root, t)))
      throw new PipelineError(
        'PLOT_INVALID',
        `plots: ${target} is neither a declared plot nor a file${declared.length ? ` (declared: ${declared.map((p) => p.path).join(', ')})` : ''}.`,
      );
    return expand(pipeline.root, t).map((path) => ({ path, props: {} }));
  });
}

/** Rows of a CSV/TSV/JSON/YAML plot file. JSON and YAML: a list of objects, or the first list in an object. */
export function parsePlotFile(path: string, text: string, props: PlotProps = {}): Datum[] {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv') || lower.endsWith('.tsv'))
    return parseDelimited(text, lower.endsWith('.tsv') ? '\t' : ',', props.header ?? true);
  let doc: unknown;
  try {
    doc = lower.endsWith('.json') ? JSON.parse(text) : yaml().parse(text);
  } catch (err) {
    throw new PipelineError('PLOT_INVALID', `plots: ${path} is not valid: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc)
    ? doc
    : doc !== null && typeof doc === 'object'
      ? Object.values(doc).find((v) => Array.isArray(v))
      : undefined;
  if (!Array.isArray(list) || list.some((r) => r === null || typeof r !== 'object' || Array.isArray(r)))
    throw new PipelineError(
      'PLOT_INVALID',
      `plots: ${path}: expected a list of objects (or an object holding one), as [{"step": 0, "loss": 0.9}, …].`,
    );
  return list as Datum[];
}

function parseDelimited(text: string, sep: string, header: boolean): Datum[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const split = (line: string) => splitRow(line, sep);
  const first = split(lines[0]!);
  const names = header ? first : first.map((_, i) => String(i));
  return lines.slice(header ? 1 : 0).map((line) => {
    const cells = split(line);
    return Object.fromEntries(names.map((n, i) => [n, cell(cells[i])]));
  });
}

/** One row of CSV: fields separated by `sep`, double quotes around a field that holds one (`""` is a quote). */
function splitRow(line: string, sep: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === sep) {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

const cell = (v: string | undefined): unknown => {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) && v.trim() !== '' ? n : v;
};

/**
 * Reads each plot in each revision and settles its fields: `x` defaults to the row index (`step`, added to each row),
 * `y` to the last field of the first row. A named field that no row has is an error naming the fields there are.
 */
export function loadPlots(
  root: string,
  plots: readonly PlotFile[],
  revs: readonly ('HEAD' | 'workspace')[] = ['workspace'],
): { plots: PlotData[]; missing: string[] } {
  const out: PlotData[] = [];
  const missing: string[] = [];
  for (const plot of plots) {
    const revisions: PlotData['revisions'] = [];
    for (const rev of revs) {
      const text =
        rev === 'HEAD'
          ? atHead(root, plot.path)
          : existsSync(join(root, plot.path))
            ? readFileSync(join(root, plot.path), 'utf8')
            : undefined;
      if (text === undefined) continue;
      const rows = parsePlotFile(plot.path, text, plot.props).map((r, i) => ({ [STEP]: i, ...r }));
      revisions.push({ rev, rows });
    }
    if (revisions.length === 0) {
      missing.push(plot.path);
      continue;
    }
    const fields = [...new Set(revisions.flatMap((r) => r.rows.flatMap((row) => Object.keys(row))))];
    const template = plot.props.template ?? 'linear';
    const x = plot.props.x ?? STEP;
    const lastField = Object.keys(revisions[0]!.rows[0] ?? {}).at(-1);
    const y = plot.props.y ?? (lastField && lastField !== x ? [lastField] : []);
    for (const f of [x, ...y])
      if (!fields.includes(f))
        throw new PipelineError(
          'PLOT_INVALID',
          `plots: ${plot.path}: no field "${f}"; the file has ${fields.filter((k) => k !== STEP).join(', ') || 'no rows'}.`,
        );
    if (y.length === 0)
      throw new PipelineError('PLOT_INVALID', `plots: ${plot.path}: no field to put on the y axis; set y.`);
    out.push({
      path: plot.path,
      ...(plot.stage ? { stage: plot.stage } : {}),
      template,
      title: plot.props.title ?? plot.path,
      x,
      y,
      xLabel: plot.props.xLabel ?? x,
      yLabel: plot.props.yLabel ?? (y.length === 1 ? y[0]! : 'value'),
      revisions,
    });
  }
  return { plots: out, missing };
}
