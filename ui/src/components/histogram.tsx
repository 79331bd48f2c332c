/** A small bar chart of a profile's histogram (equal-width bins) or of its most frequent values. */
export function MiniBars({
  counts,
  labels,
  title,
  width = 160,
  height = 36,
}: {
  counts: number[];
  /** One label per bar, shown on hover. */
  labels: string[];
  title: string;
  width?: number;
  height?: number;
}) {
  const max = Math.max(1, ...counts);
  const w = width / Math.max(1, counts.length);
  return (
    <svg className="mini-bars" width={width} height={height} role="img" aria-label={title}>
      {counts.map((c, i) => {
        const h = c > 0 ? Math.max(1, (c / max) * (height - 2)) : 0;
        return (
          <rect key={i} x={i * w + 0.5} y={height - h} width={Math.max(1, w - 1)} height={h}>
            <title>{`${labels[i] ?? ''}: ${c.toLocaleString()}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}
