import type { DeploymentRoute, DeploymentShadow } from '../api/types';

const pad = (n: number) => String(n).padStart(2, '0');

/** `2024-05-01 13:04:05` in the browser's time zone. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatAgo(ms: number | undefined, now = Date.now()): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.round((now - ms) / 1000);
  if (s < 0) return formatTime(ms);
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 86400 * 30) return `${Math.floor(s / 86400)} d ago`;
  return formatTime(ms).slice(0, 10);
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

/** Seconds as h:mm:ss, for the relative-time axis. */
export function formatSeconds(s: number): string {
  const sign = s < 0 ? '-' : '';
  const t = Math.abs(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  const secText = t < 60 && sec % 1 !== 0 ? sec.toFixed(1) : pad(Math.floor(sec));
  return h
    ? `${sign}${h}:${pad(m)}:${secText}`
    : `${sign}${m}:${t < 60 ? secText.padStart(2, '0') : secText}`;
}

export function formatNumber(v: number | undefined): string {
  if (v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v) || Math.abs(v) >= 1.7976931348623157e308) return v > 0 ? '∞' : '-∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return v.toExponential(4);
  return String(Number(v.toPrecision(6)));
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** Routes as the CLI prints them: `fd/1=90 fd/2=10 shadow fd/3=100%`. */
export const routesText = (routes: DeploymentRoute[], shadows: DeploymentShadow[] = []): string =>
  [
    ...routes.map((r) => `${r.model.replace(/^models:\//, '')}=${r.weight}`),
    ...shadows.map((s) => `shadow ${s.model.replace(/^models:\//, '')}=${s.percent}%`),
  ].join(' ');
