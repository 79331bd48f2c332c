import { type Dag, layers } from './graph.js';

interface Placed {
  id: string;
  label: string;
  /** A pass-through point of an edge that skips layers. */
  dummy: boolean;
  col: number;
}

/**
 * Draws the stage graph in the terminal, top (sources) to bottom: one row of `[stage]` boxes per layer, and between
 * rows one line per source stage whose horizontal run ends on `┬` above each stage it feeds. Edges that skip layers
 * pass through the rows between as `│`. Rows are ordered by the barycentre of their upstream to limit crossings.
 */
export function drawDag(dag: Dag): string {
  const rows: string[][] = layers(dag).map((l) => [...l]);
  if (rows.length === 0) return '(no stages)\n';
  // Split long edges with dummy nodes so every edge joins adjacent rows.
  const edges: [string, string][] = [];
  const rowOf = new Map<string, number>();
  for (const [i, r] of rows.entries()) for (const n of r) rowOf.set(n, i);
  for (const [to, ups] of dag.upstream)
    for (const from of ups) {
      let prev = from;
      for (let r = rowOf.get(from)! + 1; r < rowOf.get(to)!; r++) {
        const d = `\u0000${from}>${to}@${r}`;
        rows[r]!.push(d);
        rowOf.set(d, r);
        edges.push([prev, d]);
        prev = d;
      }
      edges.push([prev, to]);
    }
  const ups = new Map<string, string[]>();
  for (const [from, to] of edges) (ups.get(to) ?? ups.set(to, []).get(to)!).push(from);
  const placed = new Map<string, Placed>();
  const out: string[] = [];
  for (let r = 0; r < rows.length; r++) {
    if (r > 0) {
      const prevIndex = (id: string) => rows[r - 1]!.indexOf(id);
      const bary = (id: string) => {
        const u = ups.get(id) ?? [];
        return u.length ? u.reduce((s, x) => s + prevIndex(x), 0) / u.length : Number.POSITIVE_INFINITY;
      };
      rows[r]!.sort((a, b) => bary(a) - bary(b));
    }
    // Shift the row so its first stage sits under (the mean of) its upstream: chains draw as straight lines.
    const first = rows[r]![0]!;
    const firstLabel = first.startsWith('\u0000') ? '│' : `[${dag.stages.get(first)!.name}]`;
    const above = (ups.get(first) ?? []).map((u) => placed.get(u)!.col);
    let col = above.length
      ? Math.max(
          0,
          Math.round(above.reduce((a, b) => a + b, 0) / above.length) - Math.floor(firstLabel.length / 2),
        )
      : 0;
    let line = ' '.repeat(col);
    for (const id of rows[r]!) {
      const dummy = id.startsWith('\u0000');
      const label = dummy ? '│' : `[${dag.stages.get(id)!.name}]`;
      const center = col + Math.floor(label.length / 2);
      placed.set(id, { id, label, dummy, col: center });
      line += label.padEnd(label.length + 3);
      col += label.length + 3;
    }
    if (r > 0)
      out.push(
        ...connectors(
          edges.filter(([, to]) => rowOf.get(to) === r),
          placed,
        ),
      );
    out.push(line.trimEnd());
  }
  return `${out.join('\n')}\n`;
}

function connectors(edges: [string, string][], placed: Map<string, Placed>): string[] {
  if (edges.length === 0) return [];
  const sources = [...new Set(edges.map(([f]) => f))].sort((a, b) => placed.get(a)!.col - placed.get(b)!.col);
  const width = Math.max(...[...placed.values()].map((p) => p.col)) + 2;
  const blank = () => Array.from({ length: width }, () => ' ');
  const active = new Set(sources.map((s) => placed.get(s)!.col));
  const lines: string[][] = [];
  for (const s of sources) {
    const sc = placed.get(s)!.col;
    const targets = edges.filter(([f]) => f === s).map(([, t]) => placed.get(t)!.col);
    const line = blank();
    for (const c of active) line[c] = '│';
    const lo = Math.min(sc, ...targets);
    const hi = Math.max(sc, ...targets);
    for (let c = lo; c <= hi; c++) line[c] = active.has(c) && c !== sc ? '┼' : '─';
    const left = lo < sc;
    const right = hi > sc;
    const down = targets.includes(sc);
    line[sc] = down
      ? left && right
        ? '┼'
        : left
          ? '┤'
          : right
            ? '├'
            : '│'
      : left && right
        ? '┴'
        : left
          ? '┘'
          : '└';
    for (const t of targets) {
      if (t === sc) continue;
      // A stage already fed from an earlier line: the new run joins its vertical.
      if (active.has(t)) line[t] = t === lo ? '├' : t === hi ? '┤' : '┼';
      else line[t] = t === lo ? '┌' : t === hi ? '┐' : '┬';
    }
    if (!targets.includes(sc)) active.delete(sc);
    for (const t of targets) active.add(t);
    lines.push(line);
  }
  const arrows = blank();
  for (const c of active) arrows[c] = '▼';
  lines.push(arrows);
  return lines.map((l) => l.join('').trimEnd());
}

/** Graphviz DOT of the stage graph. */
export function dagDot(dag: Dag): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = ['digraph pipeline {', '  rankdir=TB;', '  node [shape=box];'];
  for (const name of dag.stages.keys()) lines.push(`  ${q(name)};`);
  for (const [to, ups] of dag.upstream)
    for (const from of [...ups].sort()) lines.push(`  ${q(from)} -> ${q(to)};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Nodes and edges with the paths that connect them, for --json. */
export function dagJson(dag: Dag) {
  const edges: { from: string; to: string; paths: string[] }[] = [];
  for (const [to, ups] of dag.upstream)
    for (const from of [...ups].sort()) {
      const produced = [...dag.producer].filter(([, s]) => s === from).map(([p]) => p);
      const paths = dag.stages
        .get(to)!
        .deps.filter((d) => produced.some((p) => d === p || d.startsWith(`${p}/`) || p.startsWith(`${d}/`)));
      edges.push({ from, to, paths });
    }
  const depth = new Map<string, number>();
  for (const [i, l] of layers(dag).entries()) for (const n of l) depth.set(n, i);
  return {
    nodes: [...dag.stages.values()].map((s) => ({
      name: s.name,
      layer: depth.get(s.name)!,
      cmd: s.cmd,
      deps: s.deps,
      outs: s.outs,
      metrics: s.metrics,
      ...(s.kind ? { kind: s.kind } : {}),
    })),
    edges,
  };
}
