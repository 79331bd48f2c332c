import type { Progress } from '../data/progress.js';

/** A one-line progress display on stderr, drawn only when stderr is a terminal and at most ten times a second. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress | undefined {
  if (!stream.isTTY) return undefined;
  let label = '';
  let total: number | undefined;
  let last = 0;
  let started = 0;
  let unit: 'bytes' | 'rows' = 'bytes';
  const draw = (done: number) => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    const rate = done / Math.max(0.001, (now - started) / 1000);
    const show = unit === 'bytes' ? bytes : (n: number) => `${count(Math.round(n))} rows`;
    const amount = total
      ? `${show(done)} / ${show(total)} (${Math.floor((100 * done) / total)}%)`
      : show(done);
    stream.write(`\r\x1b[2K${label}: ${amount}, ${show(rate)}/s`);
  };
  return {
    phase(l, t, u) {
      label = l;
      total = t;
      unit = u ?? 'bytes';
      started = Date.now();
      last = 0;
    },
    update: draw,
    end() {
      if (last !== 0) stream.write('\r\x1b[2K');
      last = 0;
    },
  };
}

export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Training progress on stderr (only when it is a terminal): `training gbdt: 40/100 (40%), loss 0.3123`, redrawn at
 * most ten times a second from the worker's progress messages.
 */
export function trainingProgress(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): {
  update(p: { iteration: number; total: number; trainLoss: number; validationLoss?: number }): void;
  end(): void;
} {
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      drawn = true;
      const pct = p.total > 0 ? ` (${Math.floor((100 * p.iteration) / p.total)}%)` : '';
      const valid = p.validationLoss === undefined ? '' : `, validation ${p.validationLoss.toPrecision(5)}`;
      stream.write(
        `\r\x1b[2K${label}: ${p.iteration}/${p.total}${pct}, loss ${p.trainLoss.toPrecision(5)}${valid}`,
      );
    },
    end() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
