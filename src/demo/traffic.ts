import type { MloopClient } from '../sdk/client.js';
import { MloopApiError } from '../sdk/errors.js';
import { type Sample, toInferInputs } from './flights.js';

/** One answered request: its prediction id, the version that answered and the rows it covered. */
export interface Answered {
  id: string;
  version: string;
  from: number;
  to: number;
}

export interface ReplayResult {
  answered: Answered[];
  failed: number;
  /** Requests answered per model version. */
  byVersion: Record<string, number>;
  seconds: number;
}

/**
 * Sends the sample's rows to the deployment as Open Inference Protocol requests of `batch` rows, `concurrency` at a
 * time — live traffic, through the same HTTP path any client takes.
 */
export async function replay(
  serverUrl: string,
  deployment: string,
  s: Sample,
  opts: { batch: number; concurrency: number },
): Promise<ReplayResult> {
  const started = performance.now();
  const answered: Answered[] = [];
  const byVersion: Record<string, number> = {};
  let failed = 0;
  let next = 0;
  const url = `${serverUrl}/v2/models/${encodeURIComponent(deployment)}/infer`;
  const worker = async () => {
    while (next < s.rows) {
      const from = next;
      const to = Math.min(s.rows, from + opts.batch);
      next = to;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: toInferInputs(s, from, to) }),
      });
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      const id = res.headers.get('x-mloop-prediction-id');
      const version = res.headers.get('x-mloop-model-version') ?? '?';
      if (res.status !== 200 || !id) {
        failed++;
        if (failed === 1 && res.status >= 500)
          throw new Error(`serving answered ${res.status}: ${body.error}`);
        continue;
      }
      byVersion[version] = (byVersion[version] ?? 0) + 1;
      answered.push({ id, version, from, to });
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { answered, failed, byVersion, seconds: (performance.now() - started) / 1000 };
}

/** Ground truth for every answered request: one label per row, up to 10,000 labels per feedback call. */
export async function sendLabels(client: MloopClient, s: Sample, answered: Answered[]): Promise<number> {
  let labels = 0;
  let items: { predictionId: string; label: number[] }[] = [];
  let pending = 0;
  const flush = async () => {
    if (items.length === 0) return;
    await sendWhenStored(client, items);
    items = [];
    pending = 0;
  };
  for (const a of answered) {
    const label = Array.from(s.delayed.subarray(a.from, a.to));
    if (pending + label.length > 10_000) await flush();
    items.push({ predictionId: a.id, label });
    pending += label.length;
    labels += label.length;
  }
  await flush();
  return labels;
}

/**
 * Monitoring stores predictions off the request path (flushed every half second in the demo), so ground truth sent
 * right after the answers may name ids not stored yet: a batch is all or nothing, so it is sent again until they are.
 */
async function sendWhenStored(client: MloopClient, items: { predictionId: string; label: number[] }[]) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await client.sendFeedback({ items });
      return;
    } catch (err) {
      if (!(err instanceof MloopApiError && err.status === 404) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
