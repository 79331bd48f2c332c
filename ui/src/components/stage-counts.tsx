/** The order stage counts are shown in: what ran first, then cache hits, then what did not get done. */
const COUNT_ORDER = [
  'ran',
  'restored',
  'up-to-date',
  'running',
  'failed',
  'blocked',
  'interrupted',
  'not-run',
  'not-selected',
];

/** Stages of a pipeline run counted by outcome, as chips. */
export function StageCounts({ counts }: { counts: Record<string, number> }) {
  const keys = Object.keys(counts).sort(
    (a, b) => (COUNT_ORDER.indexOf(a) + 1 || 99) - (COUNT_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b),
  );
  return (
    <span className="stage-counts">
      {keys.map((k) => (
        <span key={k} className={`chip stage-chip status-${k}`} data-count={k}>
          {counts[k]} {k}
        </span>
      ))}
    </span>
  );
}
