import { loadFlights, flightsFile, sample, lateRate } from './src/demo/flights.js';
import { SILENT } from './src/data/progress.js';
const t0 = performance.now();
const t = await loadFlights(flightsFile(), SILENT);
console.log('load ms', Math.round(performance.now() - t0), t.rows, [...t.months.keys()]);
const s = sample(t, 1, 5, { fromDay: 1, toDay: 24 });
console.log(s.columns, lateRate(sample(t, 1, 40000, { toDay: 24 })));
