import { readBatches } from '/work/main/src/data/table/read.js';
import { frameFrom, train, evaluate } from '/work/main/src/learn/index.js';
import { datasetDrift } from '/work/main/src/monitor/drift/index.js';
const PER = Number(process.argv[2] ?? 30000);
// reservoir-ish: take every k-th row per month
const cols: Record<number, any> = {};
let seen: Record<number, number> = {};
const t0 = performance.now();
for await (const b of readBatches('/work/main/node_modules/vega-datasets/data/flights-3m.parquet')) {
  const c = Object.fromEntries(b.columns.map((x) => [x.name, x])) as any;
  for (let i = 0; i < b.numRows; i++) {
    const d = new Date(c.date.values[i]);
    const m = d.getUTCMonth() + 1;
    if (m > 6) continue;
    seen[m] = (seen[m] ?? 0) + 1;
    if (seen[m] % 8 !== 0) continue;
    const s = (cols[m] ??= { hour: [], weekday: [], distance: [], origin: [], destination: [], delayed: [] });
    if (s.hour.length >= (m===1?2*PER:PER)) continue;
    s.hour.push(d.getUTCHours() + d.getUTCMinutes() / 60);
    s.weekday.push(String(d.getUTCDay()));
    s.distance.push(c.distance.values[i]);
    s.origin.push(c.origin.dictionary[c.origin.codes[i]]);
    s.destination.push(c.destination.dictionary[c.destination.codes[i]]);
    s.delayed.push(c.delay.values[i] > 15 ? 1 : 0);
  }
}
console.log('read ms', Math.round(performance.now() - t0));
const t1 = performance.now();
const half=(o:any,a:number,b:number)=>Object.fromEntries(Object.entries(o).map(([k,v]:any)=>[k,v.slice(a,b)]));
const jan=cols[1]; cols[1]=half(jan,PER,2*PER);
const model = await train(frameFrom(half(jan,0,PER)), { learner: 'gbdt', target: 'delayed', params: { trees: 100 } });
console.log('train ms', Math.round(performance.now() - t1));
for (let m = 1; m <= 6; m++) {
  const r = evaluate(model, frameFrom(cols[m]));
  const x:any=r.metrics; console.log(m, 'auc',x.roc_auc.toFixed(3),'acc',x.accuracy.toFixed(3),'ll',x.log_loss.toFixed(3),'rate',(cols[m].delayed.reduce((a:number,b:number)=>a+b,0)/cols[m].delayed.length).toFixed(3));
}
