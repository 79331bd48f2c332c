/** A stage after templating, interpolation and built-in expansion: what the planner and executors see. */
export interface Stage {
  name: string;
  desc?: string;
  /** Built-in kind the command was generated from, if any. */
  kind?: BuiltinKind;
  /** Shell commands, run one after another with /bin/sh -c. */
  cmd: string[];
  /** Working directory of the command, relative to the project root ('.' by default). */
  wdir: string;
  /** Project-relative POSIX paths. */
  deps: string[];
  outs: string[];
  metrics: string[];
  plots: string[];
  /** How to draw plot files, by path, for those declared with properties (`{path: {template, x, y, …}}`). */
  plotProps?: Record<string, PlotProps>;
  /** Param values the stage depends on, by key (`train.lr`, `other.yaml:key`, inline keys). */
  params: Record<string, unknown>;
  env: Record<string, string>;
  retry: RetryPolicy;
  /** Milliseconds; undefined = no limit. */
  timeoutMs?: number;
  alwaysChanged: boolean;
}

export const PLOT_TEMPLATES = [
  'linear',
  'simple',
  'smooth',
  'scatter',
  'bar_horizontal',
  'confusion',
] as const;
export type PlotTemplate = (typeof PLOT_TEMPLATES)[number];

/** DVC's plot properties (`x_label` and `y_label` become `xLabel` and `yLabel`). */
export interface PlotProps {
  template?: PlotTemplate;
  x?: string;
  y?: string[];
  xLabel?: string;
  yLabel?: string;
  title?: string;
  header?: boolean;
}

export type BuiltinKind = 'validate' | 'train' | 'evaluate' | 'register';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  count: number;
  backoffMs: number;
  factor: number;
}

export interface Pipeline {
  /** Absolute project root (the directory of mloop.yaml). */
  root: string;
  /** Stages in file order. */
  stages: Stage[];
}

/** Every file a stage writes: outs, metrics and plots. */
export const producedPaths = (s: Stage): string[] => [...s.outs, ...s.metrics, ...s.plots];
