import { useQueryParam } from '../lib/url-state';
import type { XAxis } from './metric-chart';

export interface ChartSettings {
  xAxis: XAxis;
  smoothing: number;
  logY: boolean;
}

/** Chart settings kept in the URL (`x`, `smooth`, `log`), shared by every chart of a view. */
export function useChartSettings(): [ChartSettings, (next: Partial<ChartSettings>) => void] {
  const [x, setX] = useQueryParam('x', 'step');
  const [s, setS] = useQueryParam('smooth', '0');
  const [log, setLog] = useQueryParam('log', '0');
  const xAxis: XAxis = x === 'time' || x === 'relative' ? x : 'step';
  const smoothing = Math.min(0.99, Math.max(0, Number(s) || 0));
  const update = (next: Partial<ChartSettings>) => {
    if (next.xAxis !== undefined) setX(next.xAxis);
    if (next.smoothing !== undefined) setS(String(next.smoothing));
    if (next.logY !== undefined) setLog(next.logY ? '1' : '0');
  };
  return [{ xAxis, smoothing, logY: log === '1' }, update];
}

export function ChartOptions({
  settings,
  onChange,
}: {
  settings: ChartSettings;
  onChange: (next: Partial<ChartSettings>) => void;
}) {
  return (
    <div className="toolbar chart-options">
      <fieldset className="segmented" aria-label="X axis">
        {(['step', 'time', 'relative'] as const).map((axis) => (
          <button
            key={axis}
            type="button"
            aria-pressed={settings.xAxis === axis}
            className={settings.xAxis === axis ? 'active' : ''}
            onClick={() => onChange({ xAxis: axis })}
          >
            {axis === 'step' ? 'Step' : axis === 'time' ? 'Wall time' : 'Relative time'}
          </button>
        ))}
      </fieldset>
      <label className="inline">
        Smoothing
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={settings.smoothing}
          aria-label="Smoothing"
          onChange={(e) => onChange({ smoothing: Number(e.target.value) })}
        />
        <output>{settings.smoothing.toFixed(2)}</output>
      </label>
      <label className="inline">
        <input
          type="checkbox"
          checked={settings.logY}
          onChange={(e) => onChange({ logY: e.target.checked })}
        />
        Log scale
      </label>
      <span className="muted hint">
        Drag to zoom (steps are fetched again in detail), double-click to reset.
      </span>
    </div>
  );
}
