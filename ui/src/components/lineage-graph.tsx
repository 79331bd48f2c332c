import { useLocation } from 'wouter';
import type { LineageGraph as Graph, LineageKind, LineageNode } from '../api/types';

const NODE_W = 220;
const NODE_H = 58;
const COL_GAP = 110;
const ROW_GAP = 22;
const PAD = 20;

const KIND_LABEL: Record<LineageKind, string> = {
  model_version: 'model version',
  registered_model: 'registered model',
  logged_model: 'logged model',
  run: 'run',
  experiment: 'experiment',
  dataset: 'dataset',
  commit: 'git commit',
  loop_run: 'loop run',
  trigger: 'trigger',
};

/** Each relation as read along the drawn arrow, upstream → downstream (the API states it the other way). */
const RELATION_LABEL: Record<string, string> = {
  version_of: 'has version',
  produced_by: 'produced',
  packaged_as: 'registered as',
  in_experiment: 'contains',
  read: 'read by',
  at_commit: 'code of',
  trained_by: 'trained',
  triggered_by: 'started',
};

/** Where a click on a node goes, for the kinds that have a page. */
export function nodeHref(node: LineageNode): string | undefined {
  const id = node.id.slice(node.id.indexOf(':') + 1);
  if (node.kind === 'run') return `/runs/${id}`;
  if (node.kind === 'experiment') return `/experiments/${id}`;
  if (node.kind === 'registered_model') return `/models/${encodeURIComponent(id)}`;
  if (node.kind === 'model_version') {
    const slash = id.lastIndexOf('/');
    return `/models/${encodeURIComponent(id.slice(0, slash))}/versions/${id.slice(slash + 1)}`;
  }
  return undefined;
}

/**
 * Layered drawing of what made a model version: the version on the right, what it came from in columns to the
 * left by distance (run, then its experiment, datasets and commit), so the data flows left to right.
 */
export function LineageGraph({
  graph,
  selected,
  onSelect,
}: {
  graph: Graph;
  selected: string | undefined;
  onSelect(id: string): void;
}) {
  const [, navigate] = useLocation();
  const depth = new Map<string, number>([[graph.root, 0]]);
  const queue = [graph.root];
  while (queue.length) {
    const id = queue.shift()!;
    for (const e of graph.edges) {
      const next = e.from === id ? e.to : e.to === id ? e.from : undefined;
      if (next !== undefined && !depth.has(next)) {
        depth.set(next, depth.get(id)! + 1);
        queue.push(next);
      }
    }
  }
  const maxDepth = Math.max(0, ...depth.values());
  const columns: LineageNode[][] = Array.from({ length: maxDepth + 1 }, () => []);
  for (const n of graph.nodes) columns[depth.get(n.id) ?? maxDepth]!.push(n);
  const tallest = Math.max(...columns.map((c) => c.length));
  const height = PAD * 2 + tallest * NODE_H + (tallest - 1) * ROW_GAP;
  const width = PAD * 2 + (maxDepth + 1) * NODE_W + maxDepth * COL_GAP;
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, d) => {
    const x = PAD + (maxDepth - d) * (NODE_W + COL_GAP);
    const colHeight = col.length * NODE_H + (col.length - 1) * ROW_GAP;
    col.forEach((n, i) => {
      pos.set(n.id, { x, y: (height - colHeight) / 2 + i * (NODE_H + ROW_GAP) });
    });
  });

  return (
    <div className="lineage-wrap">
      <svg className="lineage" width={width} height={height} role="img" aria-label="Lineage graph">
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" fill="#8a93a6" />
          </marker>
        </defs>
        {graph.edges.map((e) => {
          // Draw upstream → downstream: the node farther from the version is the source of the arrow.
          const [src, dst] =
            (depth.get(e.to) ?? 0) > (depth.get(e.from) ?? 0) ? [e.to, e.from] : [e.from, e.to];
          const a = pos.get(src);
          const b = pos.get(dst);
          if (!a || !b) return null;
          const x1 = a.x + NODE_W;
          const y1 = a.y + NODE_H / 2;
          const x2 = b.x;
          const y2 = b.y + NODE_H / 2;
          const mid = (x1 + x2) / 2;
          return (
            <g key={`${e.from}>${e.to}`} className="edge">
              <path d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 2},${y2}`} markerEnd="url(#arrow)" />
              <text x={mid} y={(y1 + y2) / 2 - 5} textAnchor="middle">
                {RELATION_LABEL[e.relation] ?? e.relation}
              </text>
            </g>
          );
        })}
        {graph.nodes.map((n) => {
          const p = pos.get(n.id)!;
          const href = nodeHref(n);
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>; it has the role, a name and keys
            <g
              key={n.id}
              className={`node node-${n.kind}${selected === n.id ? ' selected' : ''}${n.id === graph.root ? ' root' : ''}`}
              transform={`translate(${p.x},${p.y})`}
              role="button"
              tabIndex={0}
              aria-label={`${KIND_LABEL[n.kind]} ${n.label}`}
              data-node={n.id}
              onClick={() => onSelect(n.id)}
              onDoubleClick={() => href && navigate(href)}
              onKeyDown={(ev) => {
                if (ev.key === 'Enter' && href) navigate(href);
                if (ev.key === ' ') onSelect(n.id);
              }}
            >
              <rect width={NODE_W} height={NODE_H} rx={8} />
              <text x={12} y={20} className="node-kind">
                {KIND_LABEL[n.kind]}
              </text>
              <text x={12} y={41} className="node-label">
                {n.label.length > 28 ? `${n.label.slice(0, 27)}…` : n.label}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
