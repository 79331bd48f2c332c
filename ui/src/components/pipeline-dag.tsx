import type { PipelineStage, StageStatus } from '../api/types';
import { formatDuration } from '../lib/format';

const NODE_W = 190;
const NODE_H = 58;
const COL_GAP = 70;
const ROW_GAP = 18;
const PAD = 16;
const LANE_GAP = 12;

export const STAGE_STATUS_LABEL: Record<StageStatus, string> = {
  ran: 'ran',
  restored: 'restored from cache',
  'up-to-date': 'up to date (cached)',
  failed: 'failed',
  blocked: 'blocked',
  interrupted: 'interrupted',
  'not-run': 'not run',
  'not-selected': 'not selected',
  running: 'running',
};

/** A cache hit: the stage's outputs came from the lock or the run-cache instead of an execution. */
export const isCacheHit = (s: StageStatus): boolean => s === 'up-to-date' || s === 'restored';

/** Whether the stage spent time in this run: it executed, or its outputs were copied back from the run-cache. */
export const tookTime = (s: PipelineStage): boolean => s.attempts > 0 || s.status === 'restored';

/** Column of each stage: its longest path from a stage without upstream, so every edge points right. */
export function stageLayers(stages: readonly PipelineStage[]): Map<string, number> {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (name: string): number => {
    const known = layer.get(name);
    if (known !== undefined) return known;
    // The server refuses cycles; a corrupt record still must not hang the page.
    if (visiting.has(name)) return 0;
    visiting.add(name);
    const ups = (byName.get(name)?.upstream ?? []).filter((u) => byName.has(u));
    const l = ups.length ? 1 + Math.max(...ups.map(visit)) : 0;
    layer.set(name, l);
    return l;
  };
  for (const s of stages) visit(s.name);
  return layer;
}

/** The pipeline's stages left to right in data-flow order, each coloured by what happened to it in this run. */
export function PipelineDag({
  stages,
  selected,
  onSelect,
}: {
  stages: readonly PipelineStage[];
  selected: string | undefined;
  onSelect(name: string): void;
}) {
  const layer = stageLayers(stages);
  const columns: PipelineStage[][] = [];
  for (const s of stages) {
    const l = layer.get(s.name)!;
    columns[l] = [...(columns[l] ?? []), s];
  }
  const tallest = Math.max(1, ...columns.map((c) => c.length));
  const nodesHeight = tallest * NODE_H + (tallest - 1) * ROW_GAP;
  // Edges that skip a column run in a lane below the nodes, so they never cross a stage they do not touch.
  const skips = stages.flatMap((s) =>
    s.upstream
      .filter((u) => layer.has(u) && layer.get(s.name)! - layer.get(u)! > 1)
      .map((u) => `${u}>${s.name}`),
  );
  const laneY = (i: number) => PAD + nodesHeight + LANE_GAP * (i + 1);
  const height = PAD * 2 + nodesHeight + LANE_GAP * skips.length;
  const width = PAD * 2 + columns.length * NODE_W + Math.max(0, columns.length - 1) * COL_GAP;
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, d) => {
    const colHeight = col.length * NODE_H + (col.length - 1) * ROW_GAP;
    col.forEach((s, i) => {
      pos.set(s.name, {
        x: PAD + d * (NODE_W + COL_GAP),
        y: PAD + (nodesHeight - colHeight) / 2 + i * (NODE_H + ROW_GAP),
      });
    });
  });
  return (
    <div className="lineage-wrap">
      <svg className="dag" width={width} height={height} role="img" aria-label="Pipeline graph">
        <defs>
          <marker
            id="dag-arrow"
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
        {stages.flatMap((s) =>
          s.upstream.map((u) => {
            const a = pos.get(u);
            const b = pos.get(s.name);
            if (!a || !b) return null;
            const x1 = a.x + NODE_W;
            const y1 = a.y + NODE_H / 2;
            const x2 = b.x;
            const y2 = b.y + NODE_H / 2;
            const mid = (x1 + x2) / 2;
            const lane = skips.indexOf(`${u}>${s.name}`);
            const g = COL_GAP / 2;
            const d =
              lane < 0
                ? `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 2},${y2}`
                : `M${x1},${y1} C${x1 + g},${y1} ${x1},${laneY(lane)} ${x1 + g},${laneY(lane)} L${x2 - g},${laneY(lane)} C${x2},${laneY(lane)} ${x2 - g},${y2} ${x2 - 2},${y2}`;
            return (
              <path
                key={`${u}>${s.name}`}
                className="dag-edge"
                data-edge={`${u}>${s.name}`}
                d={d}
                markerEnd="url(#dag-arrow)"
              />
            );
          }),
        )}
        {stages.map((s) => {
          const p = pos.get(s.name)!;
          const label = STAGE_STATUS_LABEL[s.status] ?? s.status;
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>; it has the role, a name and keys
            <g
              key={s.name}
              className={`dag-node status-${s.status}${selected === s.name ? ' selected' : ''}`}
              transform={`translate(${p.x},${p.y})`}
              role="button"
              tabIndex={0}
              aria-label={`Stage ${s.name}: ${label}`}
              aria-pressed={selected === s.name}
              data-stage={s.name}
              onClick={() => onSelect(s.name)}
              onKeyDown={(ev) => {
                if (ev.key === 'Enter' || ev.key === ' ') {
                  ev.preventDefault();
                  onSelect(s.name);
                }
              }}
            >
              <rect className="dag-box" width={NODE_W} height={NODE_H} rx={8} />
              <rect className="dag-status-bar" width={6} height={NODE_H} rx={3} />
              <text x={16} y={23} className="node-label">
                {s.name.length > 22 ? `${s.name.slice(0, 21)}…` : s.name}
              </text>
              <text x={16} y={43} className="node-kind">
                {label}
                {tookTime(s) ? ` · ${formatDuration(s.durationMs)}` : ''}
                {s.attempts > 1 ? ` · ${s.attempts} tries` : ''}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
