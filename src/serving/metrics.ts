import type { FailureReason } from './errors.js';

/**
 * Prometheus text exposition (format 0.0.4) of serving metrics, named and shaped as Triton's
 * (`docs/user_guide/metrics.md`) so existing dashboards apply: counters of successes and failures (with a reason),
 * inference and execution counts (average batch size = count / exec_count), cumulative durations in µs, plus
 * histograms of request, queue and compute time and of batch size. Labels: `model` (the served name) and `version`.
 */
type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (labels: Labels) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');

class Family {
  readonly series = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
  ) {}
  add(labels: string, value: number): void {
    this.series.set(labels, (this.series.get(labels) ?? 0) + value);
  }
  set(labels: string, value: number): void {
    this.series.set(labels, value);
  }
  render(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`);
    for (const [labels, value] of this.series) lines.push(`${this.name}{${labels}} ${value}`);
  }
}

class HistogramFamily {
  readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(labels: string, value: number): void {
    let s = this.series.get(labels);
    if (!s) {
      s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(labels, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  render(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const [labels, s] of this.series) {
      for (const [i, b] of this.buckets.entries())
        lines.push(`${this.name}_bucket{${labels},le="${b}"} ${s.counts[i]}`);
      lines.push(`${this.name}_bucket{${labels},le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum{${labels}} ${s.sum}`, `${this.name}_count{${labels}} ${s.count}`);
    }
  }
}

const MS_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/** The series of one served model version, with its label text computed once. */
export interface ModelMetrics {
  success(requestMs: number): void;
  failure(reason: FailureReason): void;
  batch(rows: number, requests: number, computeMs: number, queueMs: number[]): void;
  pending(delta: number): void;
}

export class ServingMetrics {
  readonly #success = new Family('nv_inference_request_success', 'Successful inference requests.', 'counter');
  readonly #failure = new Family(
    'nv_inference_request_failure',
    'Failed inference requests, by reason (REJECTED: queue full or timeout; BACKEND: runtime error; INVALID: bad input; OTHER).',
    'counter',
  );
  readonly #count = new Family(
    'nv_inference_count',
    'Inferences performed (rows; a batch of N counts N).',
    'counter',
  );
  readonly #exec = new Family('nv_inference_exec_count', 'Runtime executions (batches).', 'counter');
  readonly #pending = new Family(
    'nv_inference_pending_request_count',
    'Requests queued or running right now.',
    'gauge',
  );
  readonly #requestUs = new Family(
    'nv_inference_request_duration_us',
    'Cumulative end-to-end inference time of successful requests, in microseconds.',
    'counter',
  );
  readonly #queueUs = new Family(
    'nv_inference_queue_duration_us',
    'Cumulative time requests waited in the queue, in microseconds.',
    'counter',
  );
  readonly #computeUs = new Family(
    'nv_inference_compute_infer_duration_us',
    'Cumulative time spent in the runtime, in microseconds.',
    'counter',
  );
  readonly #requestHist = new HistogramFamily(
    'nv_inference_request_duration_ms',
    'End-to-end inference time of successful requests, in milliseconds.',
    MS_BUCKETS,
  );
  readonly #queueHist = new HistogramFamily(
    'nv_inference_queue_duration_ms',
    'Time a request waited in the queue, in milliseconds.',
    MS_BUCKETS,
  );
  readonly #computeHist = new HistogramFamily(
    'nv_inference_compute_infer_duration_ms',
    'Runtime time per batch, in milliseconds.',
    MS_BUCKETS,
  );
  readonly #batchHist = new HistogramFamily(
    'nv_inference_batch_size',
    'Rows per runtime execution.',
    BATCH_BUCKETS,
  );
  readonly #loads = new Family(
    'mloop_model_load_total',
    'Model version loads, by result (success, failure).',
    'counter',
  );
  readonly #ready = new Family(
    'mloop_model_ready',
    '1 while a model version is loaded and routed to, else 0.',
    'gauge',
  );

  readonly #collectors: (() => string)[] = [];

  /** Appends another module's metric families (Prometheus text, newline-terminated) to every render. */
  collect(render: () => string): void {
    this.#collectors.push(render);
  }

  forModel(model: string, version: string): ModelMetrics {
    const l = labelText({ model, version });
    const reasons = new Map<FailureReason, string>();
    return {
      success: (ms) => {
        this.#success.add(l, 1);
        this.#requestUs.add(l, Math.round(ms * 1000));
        this.#requestHist.observe(l, ms);
      },
      failure: (reason) => {
        let r = reasons.get(reason);
        if (!r) {
          r = labelText({ model, version, reason });
          reasons.set(reason, r);
        }
        this.#failure.add(r, 1);
      },
      batch: (rows, requests, computeMs, queueMs) => {
        this.#count.add(l, rows);
        this.#exec.add(l, 1);
        this.#computeUs.add(l, Math.round(computeMs * 1000));
        this.#computeHist.observe(l, computeMs);
        this.#batchHist.observe(l, rows);
        for (const q of queueMs) {
          this.#queueUs.add(l, Math.round(q * 1000));
          this.#queueHist.observe(l, q);
        }
        void requests;
      },
      pending: (delta) => this.#pending.add(l, delta),
    };
  }

  /**
   * What one served version did since this process started: requests answered (successes + failures), failures,
   * and the p99 of successful request times estimated from the histogram (linear within a bucket, as Prometheus'
   * histogram_quantile), and failed loads of the version. The loop's canary health reads this.
   */
  snapshot(
    model: string,
    version: string,
  ): { requests: number; errors: number; p99Ms?: number; loadFailures: number } {
    const l = labelText({ model, version });
    const ok = this.#success.series.get(l) ?? 0;
    let errors = 0;
    for (const [labels, value] of this.#failure.series)
      if (labels.startsWith(`${l},reason=`)) errors += value;
    const hist = this.#requestHist.series.get(l);
    const p99 = hist ? quantile(this.#requestHist.buckets, hist.counts, hist.count, 0.99) : undefined;
    const loadFailures = this.#loads.series.get(labelText({ model, version, result: 'failure' })) ?? 0;
    return { requests: ok + errors, errors, loadFailures, ...(p99 === undefined ? {} : { p99Ms: p99 }) };
  }

  /** A failure before any version was chosen (unknown model, bad body): labelled with the requested name. */
  failure(model: string, reason: FailureReason): void {
    this.#failure.add(labelText({ model, version: '', reason }), 1);
  }

  load(model: string, version: string, ok: boolean): void {
    this.#loads.add(labelText({ model, version, result: ok ? 'success' : 'failure' }), 1);
  }

  ready(model: string, version: string, ready: boolean): void {
    this.#ready.set(labelText({ model, version }), ready ? 1 : 0);
  }

  render(): string {
    const lines: string[] = [];
    for (const f of [
      this.#success,
      this.#failure,
      this.#count,
      this.#exec,
      this.#pending,
      this.#requestUs,
      this.#queueUs,
      this.#computeUs,
      this.#requestHist,
      this.#queueHist,
      this.#computeHist,
      this.#batchHist,
      this.#loads,
      this.#ready,
    ])
      f.render(lines);
    return `${lines.join('\n')}\n${this.#collectors.map((c) => c()).join('')}`;
  }
}

/** The q-quantile of a cumulative histogram; above the last bucket, the last bucket's bound. */
function quantile(
  buckets: readonly number[],
  counts: number[],
  total: number,
  q: number,
): number | undefined {
  if (total === 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [i, bound] of buckets.entries()) {
    const c = counts[i]!;
    if (c >= rank) return c === below ? bound : lower + ((bound - lower) * (rank - below)) / (c - below);
    lower = bound;
    below = c;
  }
  return buckets[buckets.length - 1];
}
