import { PipelineError, suggest } from './errors.js';
import { type Pipeline, producedPaths, type Stage } from './spec.js';

export interface Dag {
  stages: Map<string, Stage>;
  /** stage → the stages it depends on (producers of its deps). */
  upstream: Map<string, Set<string>>;
  downstream: Map<string, Set<string>>;
  /** produced path → its stage. */
  producer: Map<string, string>;
}

const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/**
 * Builds the stage graph: an edge wherever a dep is (inside) another stage's output. Pure apart from `exists`, which
 * says whether a dep that no stage produces is on disk. Refuses duplicate outputs, missing deps and cycles, naming
 * the stages involved.
 */
export function buildDag(pipeline: Pipeline, exists: (path: string) => boolean): Dag {
  const stages = new Map(pipeline.stages.map((s) => [s.name, s]));
  const producer = new Map<string, string>();
  for (const s of pipeline.stages) {
    for (const out of producedPaths(s)) {
      for (const [other, owner] of producer) {
        if (under(out, other) || under(other, out))
          throw new PipelineError(
            'DUPLICATE_OUTPUT',
            other === out
              ? `stages ${owner} and ${s.name} both declare the output ${out}; an output has one producer.`
              : `stage ${s.name}: output ${out} overlaps ${other}, the output of stage ${owner}; an output has one producer.`,
            s.name,
          );
      }
      producer.set(out, s.name);
    }
  }
  const upstream = new Map<string, Set<string>>();
  const downstream = new Map<string, Set<string>>(pipeline.stages.map((s) => [s.name, new Set()]));
  for (const s of pipeline.stages) {
    const ups = new Set<string>();
    for (const dep of s.deps) {
      let from: string | undefined;
      for (const [out, owner] of producer) if (under(dep, out) || under(out, dep)) from = owner;
      if (from === s.name)
        throw new PipelineError(
          'CYCLE',
          `stage ${s.name}: ${dep} is both a dep and an output of the stage (cycle: ${s.name} -> ${s.name}).`,
          s.name,
        );
      if (from !== undefined) ups.add(from);
      else if (!exists(dep))
        throw new PipelineError(
          'MISSING_DEP',
          `stage ${s.name}: dep ${dep} does not exist and no stage produces it${suggest(dep, producer.keys())}.`,
          s.name,
        );
    }
    upstream.set(s.name, ups);
    for (const u of ups) downstream.get(u)!.add(s.name);
  }
  const cycle = findCycle(
    pipeline.stages.map((s) => s.name),
    upstream,
  );
  if (cycle) throw new PipelineError('CYCLE', `the stages form a cycle: ${cycle.join(' -> ')}.`, cycle[0]);
  return { stages, upstream, downstream, producer };
}

function findCycle(names: string[], upstream: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 1);
    stack.push(n);
    for (const u of [...upstream.get(n)!].sort()) {
      if (state.get(u) === 1) {
        // Report the cycle in data-flow order: producer first.
        const loop = stack.slice(stack.indexOf(u));
        return [...loop.reverse(), loop[0]!];
      }
      if (!state.has(u)) {
        const found = visit(u);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of names) {
    if (state.has(n)) continue;
    const found = visit(n);
    if (found) return found;
  }
  return undefined;
}

/** The named stages and everything upstream of them (all stages when none are named), in topological order. */
export function selectStages(
  dag: Dag,
  targets: readonly string[],
  opts: { single?: boolean } = {},
): string[] {
  for (const t of targets)
    if (!dag.stages.has(t))
      throw new PipelineError('UNKNOWN_STAGE', `no stage named ${t}${suggest(t, dag.stages.keys())}.`, t);
  const wanted = new Set<string>();
  const add = (n: string) => {
    if (wanted.has(n)) return;
    wanted.add(n);
    if (!opts.single) for (const u of dag.upstream.get(n)!) add(u);
  };
  for (const t of targets.length ? targets : [...dag.stages.keys()]) add(t);
  return topoOrder(dag).filter((n) => wanted.has(n));
}

/** Stages ordered so that every stage comes after its upstream; ties in file order. */
export function topoOrder(dag: Dag): string[] {
  return layers(dag).flat();
}

/** Stages by depth: layer 0 has no upstream, layer k depends only on layers < k. */
export function layers(dag: Dag): string[][] {
  const depth = new Map<string, number>();
  const of = (n: string): number => {
    const known = depth.get(n);
    if (known !== undefined) return known;
    let d = 0;
    for (const u of dag.upstream.get(n)!) d = Math.max(d, of(u) + 1);
    depth.set(n, d);
    return d;
  };
  const out: string[][] = [];
  for (const n of dag.stages.keys()) {
    const d = of(n);
    out[d] ??= [];
    out[d].push(n);
  }
  return out;
}
