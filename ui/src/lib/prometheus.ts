/** One sample of the Prometheus text exposition format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL))
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** What one model version of a deployment did between two scrapes. */
export interface VersionTraffic {
  version: string;
  requestsPerSecond: number;
  errorsPerSecond: number;
  /** Mean and 99th percentile of successful requests over the interval; undefined without traffic. */
  meanMs?: number;
  p99Ms?: number;
  /** Totals since the server started. */
  totalRequests: number;
  totalErrors: number;
}

const sum = (samples: Sample[], name: string, model: string, version: string): number =>
  samples
    .filter((s) => s.name === name && s.labels.model === model && s.labels.version === version)
    .reduce((a, s) => a + s.value, 0);

/** Per-version rates of a deployment (the `model` label) from two scrapes `seconds` apart (Triton's metric names). */
export function deploymentTraffic(
  prev: Sample[],
  cur: Sample[],
  model: string,
  seconds: number,
): VersionTraffic[] {
  const versions = new Set(
    cur
      .filter((s) => s.labels.model === model && s.name === 'nv_inference_request_success')
      .map((s) => s.labels.version ?? ''),
  );
  return [...versions].sort().map((version) => {
    const delta = (name: string) => sum(cur, name, model, version) - sum(prev, name, model, version);
    const ok = delta('nv_inference_request_success');
    const failed = delta('nv_inference_request_failure');
    const us = delta('nv_inference_request_duration_us');
    const traffic: VersionTraffic = {
      version,
      requestsPerSecond: seconds > 0 ? (ok + failed) / seconds : 0,
      errorsPerSecond: seconds > 0 ? failed / seconds : 0,
      totalRequests:
        sum(cur, 'nv_inference_request_success', model, version) +
        sum(cur, 'nv_inference_request_failure', model, version),
      totalErrors: sum(cur, 'nv_inference_request_failure', model, version),
    };
    if (ok > 0) {
      traffic.meanMs = us / ok / 1000;
      const p99 = quantileFromBuckets(prev, cur, model, version, 0.99);
      if (p99 !== undefined) traffic.p99Ms = p99;
    }
    return traffic;
  });
}

/** The upper bound of the bucket holding quantile `q` of the interval's requests (as Prometheus's histogram_quantile, without interpolation). */
function quantileFromBuckets(
  prev: Sample[],
  cur: Sample[],
  model: string,
  version: string,
  q: number,
): number | undefined {
  const buckets = (samples: Sample[]) =>
    new Map(
      samples
        .filter(
          (s) =>
            s.name === 'nv_inference_request_duration_ms_bucket' &&
            s.labels.model === model &&
            s.labels.version === version,
        )
        .map((s) => [s.labels.le ?? '', s.value]),
    );
  const before = buckets(prev);
  const after = [...buckets(cur)]
    .map(([le, v]) => ({ le: le === '+Inf' ? Infinity : Number(le), count: v - (before.get(le) ?? 0) }))
    .sort((a, b) => a.le - b.le);
  const total = after.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  return after.find((b) => b.count >= q * total)?.le;
}
