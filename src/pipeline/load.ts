import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { BUILTIN_FIELDS, expandBuiltin } from './builtin.js';
import { PipelineError } from './errors.js';
import { interpolate, interpolateDeep, lookup } from './interpolate.js';
import { checkSchema, mloopSchema } from './schema-check.js';
import type { BuiltinKind, Pipeline, PlotProps, PlotTemplate, RetryPolicy, Stage } from './spec.js';
import { yaml } from './yaml-lazy.js';

type Raw = Record<string, unknown>;

/** Finds mloop.yaml in `dir` or the nearest parent. */
export function findProjectFile(dir: string, name = 'mloop.yaml'): string | undefined {
  let at = resolve(dir);
  for (;;) {
    const candidate = join(at, name);
    if (existsSync(candidate)) return candidate;
    const up = dirname(at);
    if (up === at) return undefined;
    at = up;
  }
}

/** What a load read: files (for the spec cache to compare stats) and paths probed for existence. */
export interface LoadTrace {
  files: Set<string>;
  probes: Map<string, boolean>;
}

function readStructured(file: string, what: string, trace?: LoadTrace): unknown {
  trace?.files.add(resolve(file));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PipelineError('SPEC_INVALID', `${what}: cannot read: ${(err as Error).message}`);
  }
  try {
    return file.endsWith('.json') ? JSON.parse(text) : yaml().parse(text);
  } catch (err) {
    const where =
      err instanceof yaml().YAMLParseError && err.linePos
        ? ` (line ${err.linePos[0].line}, column ${err.linePos[0].col})`
        : '';
    throw new PipelineError(
      'SPEC_INVALID',
      `${what}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}${where}: ${(err as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
    );
  }
}

/** Reads and resolves the pipeline of a project file; every error names the stage and the key. */
export function loadPipeline(file: string, trace?: LoadTrace): Pipeline {
  const root = dirname(resolve(file));
  const exists = (path: string) => {
    const abs = resolve(root, path);
    const found = existsSync(abs);
    trace?.probes.set(abs, found);
    return found;
  };
  const doc = readStructured(file, file, trace) ?? {};
  const problems = checkSchema(doc, mloopSchema());
  if (problems.length > 0) {
    const lines = problems.map((p) => {
      const [top, stages, stage, ...rest] = p.path;
      const key = rest.join('.');
      return top === 'pipeline' && stages === 'stages' && stage !== undefined
        ? `stage ${stage}${key ? `: ${key}` : ''}: ${p.message}`
        : `${p.path.join('.') || '(file)'}: ${p.message}`;
    });
    const first = problems[0]!.path;
    throw new PipelineError(
      'SPEC_INVALID',
      `${posix.basename(file)} is not valid:\n  ${lines.join('\n  ')}`,
      first[0] === 'pipeline' && first[1] === 'stages' ? first[2] : undefined,
    );
  }
  const pipeline = ((doc as Raw).pipeline ?? { stages: {} }) as Raw;
  const paramsFile = (pipeline.params as string | undefined) ?? 'params.yaml';
  const defaults = exists(paramsFile)
    ? ((readStructured(join(root, paramsFile), paramsFile, trace) ?? {}) as Raw)
    : {};
  const context: Raw = { ...defaults, ...((pipeline.vars as Raw | undefined) ?? {}) };
  const files = new Map<string, Raw>([[paramsFile, defaults]]);
  const paramFile = (name: string, stage: string): Raw => {
    let loaded = files.get(name);
    if (!loaded) {
      const path = join(root, name);
      if (!exists(name))
        throw new PipelineError(
          'SPEC_INVALID',
          `stage ${stage}: params: the params file ${name} does not exist.`,
          stage,
        );
      loaded = (readStructured(path, name, trace) ?? {}) as Raw;
      files.set(name, loaded);
    }
    return loaded;
  };

  const stages: Stage[] = [];
  for (const [name, raw] of Object.entries(pipeline.stages as Record<string, Raw>)) {
    if (raw.foreach !== undefined) {
      if (raw.do === undefined)
        throw new PipelineError('SPEC_INVALID', `stage ${name}: foreach needs a "do" stage.`, name);
      const extra = Object.keys(raw).filter((k) => k !== 'foreach' && k !== 'do');
      if (extra.length)
        throw new PipelineError(
          'SPEC_INVALID',
          `stage ${name}: ${extra[0]}: put it inside "do" (a foreach stage only has foreach and do).`,
          name,
        );
      const items =
        typeof raw.foreach === 'string'
          ? interpolate(raw.foreach, context, { stage: name, key: 'foreach' })
          : raw.foreach;
      const entries: [string, unknown, unknown][] = Array.isArray(items)
        ? items.map((item, i) => [
            item !== null && typeof item === 'object' ? String(i) : String(item),
            item,
            i,
          ])
        : items !== null && typeof items === 'object'
          ? Object.entries(items).map(([k, v]) => [k, v, k])
          : [];
      if (entries.length === 0 && !Array.isArray(items))
        throw new PipelineError(
          'SPEC_INVALID',
          `stage ${name}: foreach: expected a list or a mapping, got ${JSON.stringify(items)}.`,
          name,
        );
      for (const [suffix, item, key] of entries)
        stages.push(
          resolveStage(
            `${name}@${suffix}`,
            raw.do as Raw,
            { ...context, item, key },
            exists,
            paramsFile,
            paramFile,
          ),
        );
    } else if (raw.do !== undefined) {
      throw new PipelineError('SPEC_INVALID', `stage ${name}: do: only a foreach stage has "do".`, name);
    } else {
      stages.push(resolveStage(name, raw, context, exists, paramsFile, paramFile));
    }
  }
  return { root, stages };
}

function resolveStage(
  name: string,
  raw: Raw,
  context: Raw,
  exists: (path: string) => boolean,
  paramsFile: string,
  paramFile: (file: string, stage: string) => Raw,
): Stage {
  // Params first: inline values join the interpolation context of this stage.
  const params: Record<string, unknown> = {};
  const local: Raw = { ...context };
  const addInline = (values: Raw) => {
    for (const [k, v] of Object.entries(values)) {
      params[k] = v;
      local[k] = v;
    }
  };
  const rawParams = raw.params;
  if (Array.isArray(rawParams)) {
    for (const item of rawParams) {
      if (typeof item === 'string') {
        const value = lookup(paramFile(paramsFile, name), item);
        if (value === undefined)
          throw new PipelineError(
            'SPEC_INVALID',
            `stage ${name}: params: "${item}" is not a key of ${paramsFile}.`,
            name,
          );
        params[item] = value;
        continue;
      }
      const obj = item as Raw;
      const keys = Object.keys(obj);
      if (keys.length === 1 && /\.(ya?ml|json)$/.test(keys[0]!) && Array.isArray(obj[keys[0]!])) {
        const file = keys[0]!;
        for (const key of obj[file] as unknown[]) {
          const value = lookup(paramFile(file, name), String(key));
          if (value === undefined)
            throw new PipelineError(
              'SPEC_INVALID',
              `stage ${name}: params: "${String(key)}" is not a key of ${file}.`,
              name,
            );
          params[file === paramsFile ? String(key) : `${file}:${String(key)}`] = value;
        }
      } else addInline(obj);
    }
  } else if (rawParams && typeof rawParams === 'object') addInline(rawParams as Raw);

  const at = (key: string) => ({ stage: name, key });
  const strings = (key: string): string[] =>
    ((raw[key] as unknown[] | undefined) ?? []).map((v, i) => {
      const value = interpolate(String(v), local, at(`${key}[${i}]`));
      if (typeof value === 'object' && value !== null)
        throw new PipelineError(
          'INTERPOLATION',
          `stage ${name}: ${key}[${i}]: expected a path, got ${JSON.stringify(value)}.`,
          name,
        );
      return String(value);
    });

  // A plot is a path, or {path: properties} (DVC's form); the properties only say how to draw it.
  const plotPaths: string[] = [];
  const plotPropsRaw: [string, Raw][] = [];
  for (const [i, item] of ((raw.plots as unknown[] | undefined) ?? []).entries()) {
    if (typeof item === 'string') {
      plotPaths.push(String(interpolate(item, local, at(`plots[${i}]`))));
      continue;
    }
    const keys = Object.keys(item as Raw);
    if (keys.length !== 1)
      throw new PipelineError(
        'SPEC_INVALID',
        `stage ${name}: plots[${i}]: expected one path with its properties ({path: {x: …, y: …}}), got ${keys.length} keys.`,
        name,
      );
    const path = String(interpolate(keys[0]!, local, at(`plots[${i}]`)));
    plotPaths.push(path);
    const props = (item as Raw)[keys[0]!];
    if (props) plotPropsRaw.push([path, interpolateDeep(props, local, at(`plots[${i}]`)) as Raw]);
  }

  const kind = raw.kind as BuiltinKind | undefined;
  const builtinKeys = BUILTIN_FIELDS.filter((k) => raw[k] !== undefined);
  let cmd: string[];
  const deps = strings('deps');
  const outs = strings('outs');
  const metrics = strings('metrics');
  if (kind) {
    if (raw.cmd !== undefined)
      throw new PipelineError(
        'SPEC_INVALID',
        `stage ${name}: cmd: a stage has either "cmd" or "kind", not both.`,
        name,
      );
    const fields = Object.fromEntries(builtinKeys.map((k) => [k, interpolateDeep(raw[k], local, at(k))]));
    const expanded = expandBuiltin(name, kind, fields, exists);
    cmd = [expanded.cmd];
    deps.unshift(...expanded.deps.filter((d) => !deps.includes(d)));
    outs.unshift(...expanded.outs.filter((o) => !outs.includes(o)));
    metrics.unshift(...expanded.metrics.filter((o) => !metrics.includes(o)));
  } else {
    if (raw.cmd === undefined)
      throw new PipelineError(
        'SPEC_INVALID',
        `stage ${name}: needs "cmd" (a shell command) or "kind" (a built-in stage).`,
        name,
      );
    if (builtinKeys.length)
      throw new PipelineError(
        'SPEC_INVALID',
        `stage ${name}: ${builtinKeys[0]}: only built-in stages (kind: …) take "${builtinKeys[0]}".`,
        name,
      );
    const list = Array.isArray(raw.cmd) ? raw.cmd : [raw.cmd];
    cmd = list.map((c, i) =>
      String(interpolate(String(c), local, at(Array.isArray(raw.cmd) ? `cmd[${i}]` : 'cmd'))),
    );
  }
  const wdir = raw.wdir === undefined ? '.' : String(interpolate(String(raw.wdir), local, at('wdir')));
  const norm = (key: string) => (p: string) => normalizePath(name, key, wdir, p);
  const retry: RetryPolicy =
    typeof raw.retry === 'number'
      ? { count: raw.retry, backoffMs: 1000, factor: 2 }
      : {
          count: ((raw.retry as Raw | undefined)?.count as number | undefined) ?? 0,
          backoffMs: (((raw.retry as Raw | undefined)?.backoff as number | undefined) ?? 1) * 1000,
          factor: ((raw.retry as Raw | undefined)?.factor as number | undefined) ?? 2,
        };
  const env = Object.fromEntries(
    Object.entries((raw.env as Raw | undefined) ?? {}).map(([k, v]) => [
      k,
      String(interpolate(String(v), local, at(`env.${k}`))),
    ]),
  );
  return {
    name,
    ...(raw.desc === undefined ? {} : { desc: String(raw.desc) }),
    ...(kind ? { kind } : {}),
    cmd,
    wdir: posix.normalize(wdir),
    deps: deps.map(norm('deps')),
    outs: outs.map(norm('outs')),
    metrics: metrics.map(norm('metrics')),
    plots: plotPaths.map(norm('plots')),
    ...(plotPropsRaw.length
      ? {
          plotProps: Object.fromEntries(
            plotPropsRaw.map(([p, props]) => [norm('plots')(p), plotProps(props)]),
          ),
        }
      : {}),
    params,
    env,
    retry,
    ...(raw.timeout === undefined ? {} : { timeoutMs: (raw.timeout as number) * 1000 }),
    alwaysChanged: raw.always_changed === true,
  };
}

/** DVC's plot properties as mloop.schema.json admits them (already checked there). */
function plotProps(raw: Raw): PlotProps {
  const y = raw.y === undefined ? undefined : Array.isArray(raw.y) ? raw.y.map(String) : [String(raw.y)];
  return {
    ...(raw.template === undefined ? {} : { template: raw.template as PlotTemplate }),
    ...(raw.x === undefined ? {} : { x: String(raw.x) }),
    ...(y ? { y } : {}),
    ...(raw.x_label === undefined ? {} : { xLabel: String(raw.x_label) }),
    ...(raw.y_label === undefined ? {} : { yLabel: String(raw.y_label) }),
    ...(raw.title === undefined ? {} : { title: String(raw.title) }),
    ...(raw.header === undefined ? {} : { header: raw.header === true }),
  };
}

/** A project-relative POSIX path; outputs may not leave the project. */
function normalizePath(stage: string, key: string, wdir: string, p: string): string {
  if (isAbsolute(p)) {
    if (key !== 'deps')
      throw new PipelineError(
        'SPEC_INVALID',
        `stage ${stage}: ${key}: "${p}" is absolute; outputs are paths inside the project.`,
        stage,
      );
    return p;
  }
  const joined = posix.normalize(posix.join(wdir, p)).replace(/\/$/, '');
  if (joined === '..' || joined.startsWith('../'))
    if (key !== 'deps')
      throw new PipelineError(
        'SPEC_INVALID',
        `stage ${stage}: ${key}: "${p}" leaves the project directory.`,
        stage,
      );
  return joined;
}
