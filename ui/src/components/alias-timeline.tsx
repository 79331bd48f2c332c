import type { AliasEvent } from '../api/types';
import { colorAt } from '../lib/colors';
import { formatTime } from '../lib/format';

const LANE = 36;
const LEFT = 130;
const STEP = 72;
const RIGHT = 56;

/**
 * One lane per alias, a column per move (in the order they happened, so bursts of moves stay readable),
 * and a bar for each stretch a version held the alias: which version was `champion` when, at a glance.
 * Exact times are in each marker's tooltip and in the table below.
 */
export function AliasTimeline({ events }: { events: AliasEvent[] }) {
  const ordered = [...events].sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
  const aliases = [...new Set(ordered.map((e) => e.alias))].sort();
  if (aliases.length === 0) return null;
  const column = new Map(ordered.map((e, i) => [`${e.alias}:${e.seq}`, i]));
  const x = (i: number) => LEFT + i * STEP;
  const end = x(ordered.length - 1) + STEP;
  const width = end + RIGHT;
  const height = aliases.length * LANE + 30;
  return (
    <div className="timeline-wrap">
      <svg
        className="alias-timeline"
        width={width}
        height={height}
        role="img"
        aria-label="Alias history timeline"
      >
        {aliases.map((alias, lane) => {
          const moves = ordered.filter((e) => e.alias === alias);
          const y = 14 + lane * LANE + LANE / 2;
          const color = colorAt(lane);
          return (
            <g key={alias} data-alias={alias}>
              <text x={8} y={y + 4} className="lane-label">
                @{alias}
              </text>
              <line x1={LEFT - 10} x2={end} y1={y} y2={y} className="lane-line" />
              {moves.map((m, i) => {
                const at = x(column.get(`${m.alias}:${m.seq}`)!);
                const next = moves[i + 1];
                const until = next ? x(column.get(`${next.alias}:${next.seq}`)!) : end;
                const tip = `${formatTime(m.timestamp)}: @${alias} ${m.fromVersion ? `v${m.fromVersion}` : '(new)'} → ${m.toVersion ? `v${m.toVersion}` : '(deleted)'} by ${m.actor}`;
                return m.toVersion ? (
                  <g key={m.seq}>
                    <rect
                      x={at}
                      y={y - 8}
                      width={until - at}
                      height={16}
                      rx={4}
                      fill={color}
                      opacity={0.18}
                    />
                    <circle cx={at} cy={y} r={6} fill={color}>
                      <title>{tip}</title>
                    </circle>
                    <text x={at + 10} y={y + 4} className="move-label">
                      v{m.toVersion}
                    </text>
                  </g>
                ) : (
                  <g key={m.seq} stroke={color} strokeWidth={2.5}>
                    <title>{tip}</title>
                    <line x1={at - 5} x2={at + 5} y1={y - 5} y2={y + 5} />
                    <line x1={at - 5} x2={at + 5} y1={y + 5} y2={y - 5} />
                  </g>
                );
              })}
            </g>
          );
        })}
        <text x={LEFT} y={height - 6} className="axis-label">
          {formatTime(ordered[0]!.timestamp)}
        </text>
        <text x={end} y={height - 6} className="axis-label" textAnchor="end">
          now
        </text>
      </svg>
    </div>
  );
}
