import { readBatches } from '/work/main/src/data/table/read.js';
const ids = new Map<string, number>(); const names: string[] = [];
import { frameFrom, train, evaluate } from '/work/main/src/learn/index.js';
import { datasetDrift, driftInputsFromBatches } from '/work/main/src/monitor/drift/index.js';
const t0 = performance.now();
const N = 3_000_000;
const time = new Float64Array(N), delay = new Float64Array(N), dist = new Float64Array(N);
const org = new Int32Array(N), dst = new Int32Array(N);
let dictO: readonly string[] = [], dictD: readonly string[] = [];
let n = 0;
for await (const b of readBatches('/work/main/node_modules/vega-datasets/data/flights-3m.parquet')) {
  const c = Object.fromEntries(b.columns.map((x) => [x.name, x])) as any;
  // assume dictionaries may differ per batch: map to global
  for (let i = 0; i < b.numRows; i++, n++) {
    time[n] = c.date.values[i]; delay[n] = c.delay.values[i]; dist[n] = c.distance.values[i];
    org[n] = gid(c.origin.dictionary[c.origin.codes[i]]); dst[n] = gid(c.destination.dictionary[c.destination.codes[i]]);
  }
}
function gid(s: string) { let v = ids.get(s); if (v === undefined) { v = ids.size; ids.set(s, v); names.push(s); } return v; }

console.log('read', n, Math.round(performance.now() - t0));
// sorted check
let sorted = true; for (let i = 1; i < n; i++) if (time[i] < time[i - 1]) { sorted = false; break; }
console.log('sorted', sorted);
const order = Uint32Array.from({ length: n }, (_, i) => i);
if (!sorted) order.sort((a, b) => time[a]! - time[b]!);
// rolling per-origin share delayed>15 over previous 2h (excluding flights departing in the last 0 min)
const W = 2 * 3600e3;
const recentO = new Float64Array(n).fill(NaN), recentD = new Float64Array(n).fill(NaN);
function rolling(key: Int32Array, out: Float64Array) {
  const queues = new Map<number, number[]>(); const heads = new Map<number, number>(); const sums = new Map<number, number>();
  for (const i of order) {
    const k = key[i]!; let q = queues.get(k); if (!q) { q = []; queues.set(k, q); heads.set(k, 0); sums.set(k, 0); }
    let h = heads.get(k)!; let s = sums.get(k)!;
    while (h < q.length && time[q[h]!]! < time[i]! - W) { s -= delay[q[h]!]! > 15 ? 1 : 0; h++; }
    const cnt = q.length - h; out[i] = cnt >= 3 ? s / cnt : NaN;
    q.push(i); s += delay[i]! > 15 ? 1 : 0; heads.set(k, h); sums.set(k, s);
    if (h > 10000) { q.splice(0, h); heads.set(k, 0); }
  }
}
rolling(org, recentO); rolling(dst, recentD);
console.log('features', Math.round(performance.now() - t0));
const monthIdx: Record<number, number[]> = {};
for (let i = 0; i < n; i++) { const m = new Date(time[i]!).getUTCMonth() + 1; (monthIdx[m] ??= []).push(i); }
const sample = (m: number, count: number, off: number) => {
  const s: any = { hour: [], weekday: [], distance: [], origin: [], destination: [], origin_delayed_2h: [], dest_delayed_2h: [], delayed: [] };
  const idx = monthIdx[m]!; const stride = idx.length / count;
  for (let j = 0; j < count; j++) { const i = idx[Math.floor(j * stride + off * stride)]!; const d = new Date(time[i]!);
    s.hour.push(d.getUTCHours() + d.getUTCMinutes() / 60); s.weekday.push(String(d.getUTCDay())); s.distance.push(dist[i]);
    s.origin.push(names[org[i]!]); s.destination.push(names[dst[i]!]); s.origin_delayed_2h.push(Number.isNaN(recentO[i]!) ? null : recentO[i]); s.dest_delayed_2h.push(Number.isNaN(recentD[i]!) ? null : recentD[i]); s.delayed.push(delay[i]! > 15 ? 1 : 0); }
  return s;
};
const tr = sample(1, 50000, 0), ho = sample(1, 5000, 0.5);
const t1 = performance.now();
const model = await train(frameFrom(tr), { learner: 'gbdt', target: 'delayed', params: { trees: 100 } });
console.log('train rows', tr.hour.length, 'ms', Math.round(performance.now() - t1));
const show = (name: string, s: any, mdl = model) => { const x: any = evaluate(mdl, frameFrom(s)).metrics; const od = s.origin_delayed_2h.filter((v: any) => v != null); console.log(name, 'auc', x.roc_auc.toFixed(3), 'acc', x.accuracy.toFixed(3), 'll', x.log_loss.toFixed(3), 'f1', x.f1.toFixed(3), 'rate', (s.delayed.reduce((a: number, b: number) => a + b, 0) / s.delayed.length).toFixed(3), 'od mean', (od.reduce((a: number, b: number) => a + b, 0) / od.length).toFixed(3)); };
show('jan-holdout', ho);
const months: any = {};
for (let m = 2; m <= 6; m++) { months[m] = sample(m, 5000, 0.3); show(`m${m}`, months[m]); }
const m3 = await train(frameFrom(sample(3, 50000, 0)), { learner: 'gbdt', target: 'delayed', params: { trees: 100 } });
show('m4 by mar-model', months[4], m3); show('m4 by jan-model', months[4]);
const toInputs = (s: any) => { const m = new Map<string, any>(); for (const k of ['hour', 'distance', 'origin_delayed_2h', 'dest_delayed_2h']) m.set(k, { kind: 'numeric', values: Float64Array.from(s[k].map((v: any) => v ?? NaN)) }); for (const k of ['weekday', 'origin', 'destination']) { const c = new Map<string, number>(); for (const v of s[k]) c.set(v, (c.get(v) ?? 0) + 1); m.set(k, { kind: 'categorical', counts: c }); } return m; };
const ref = toInputs(tr);
const small = (s: any, n: number) => Object.fromEntries(Object.entries(s).map(([k, v]: any) => [k, v.slice(0, n)]));
for (let m = 2; m <= 6; m++) { const d = datasetDrift(ref, toInputs(small(months[m], 3000))); console.log(m, d.columns.map((c: any) => `${c.column}=${c.statistic.toFixed(3)}${c.drifted ? '*' : ''}`).join(' ')); }
console.log('jan-ho', datasetDrift(ref, toInputs(small(ho, 3000))).columns.map((c: any) => `${c.column}=${c.statistic.toFixed(3)}${c.drifted ? '*' : ''}`).join(' '));
