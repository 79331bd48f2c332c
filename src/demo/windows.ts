import type { WindowReport } from '../monitor/report.js';
import type { MloopClient } from '../sdk/client.js';
import { DEPLOYMENT } from './policy.js';

/** Waits for the next window to begin, so that a month's traffic fills one window. */
export async function nextWindow(windowMs: number): Promise<number> {
  const start = Math.ceil(Date.now() / windowMs) * windowMs;
  await new Promise((r) => setTimeout(r, start - Date.now() + 20));
  return start;
}

/** The windows that began from `first` to `last`, once closed and flushed. */
export async function closedWindows(
  client: MloopClient,
  first: number,
  last: number,
  windowMs: number,
): Promise<WindowReport[]> {
  const end = last + windowMs;
  for (;;) {
    const wait = end + 700 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const { items } = await client.monitorWindows(DEPLOYMENT, { from: first, to: end });
    const mine = items.filter((w) => w.start >= first && w.start <= last && !w.shadow);
    if (mine.length > 0 && mine.every((w) => w.drift !== null || w.reference === null)) return mine;
    if (Date.now() > end + 10_000) return mine;
    await new Promise((r) => setTimeout(r, 300));
  }
}

export async function waitReady(url: string, deployment: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/v2/models/${deployment}/ready`).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`deployment ${deployment} did not become ready within 60 s`);
}
