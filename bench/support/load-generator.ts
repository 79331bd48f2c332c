/**
 * A small closed-loop (or fixed-rate) HTTP/1.1 load generator, run as its own process so that it does not share an
 * event loop with the server under test. Each connection keeps one request in flight (no pipelining) on a raw
 * keep-alive socket, as autocannon does by default. Latency is measured from when a request was due (fixed rate) or
 * sent (closed loop), so a stalled server cannot hide its queueing (no coordinated omission).
 *
 * usage: node --import tsx bench/support/load-generator.ts '<json options>'   → prints one JSON result line
 */
import { connect, type Socket } from 'node:net';

interface Options {
  url: string;
  body: string;
  contentType: string;
  connections: number;
  durationMs: number;
  warmupMs: number;
  /** Requests per second across all connections; absent = as fast as the server answers. */
  rate?: number;
}

const opts = JSON.parse(process.argv[2]!) as Options;
const url = new URL(opts.url);
const request = Buffer.from(
  `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\ncontent-type: ${opts.contentType}\r\ncontent-length: ${Buffer.byteLength(opts.body)}\r\nconnection: keep-alive\r\n\r\n${opts.body}`,
);

const latencies: number[] = [];
const statuses = new Map<number, number>();
let measuring = false;
let stopping = false;
let errors = 0;
let completed = 0;
/** Every answer, warm-up included: what the server's CPU time over the whole run is divided by. */
let answered = 0;
let startedAt = 0;

function startConnection(index: number): Promise<void> {
  // Fixed rate: connection i sends at start + (i / n + k) * interval. A request sent late because the previous
  // answer came late counts its latency from when it was due; one sent on time, from when it was sent.
  const interval = opts.rate ? (opts.connections * 1000) / opts.rate : 0;
  let k = 0;
  return new Promise((resolveDone) => {
    const socket: Socket = connect(Number(url.port), url.hostname);
    socket.setNoDelay(true);
    let buffer: Buffer = Buffer.alloc(0);
    let sentAt = 0;
    const send = () => {
      if (stopping) {
        socket.end();
        resolveDone();
        return;
      }
      if (opts.rate) {
        const due = startedAt + (index / opts.connections + k) * interval;
        const now = performance.now();
        if (due > now) {
          setTimeout(() => {
            if (stopping) return send();
            k++;
            sentAt = performance.now();
            socket.write(request);
          }, due - now);
          return;
        }
        k++;
        sentAt = due;
      } else sentAt = performance.now();
      socket.write(request);
    };
    socket.on('connect', send);
    socket.on('error', () => {
      errors++;
      resolveDone();
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const status = Number(head.slice(9, 12));
        buffer = buffer.subarray(end + 4 + length);
        answered++;
        if (measuring) {
          latencies.push(performance.now() - sentAt);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          completed++;
        }
        send();
      }
    });
  });
}

async function main(): Promise<void> {
  startedAt = performance.now();
  const done = Promise.all(Array.from({ length: opts.connections }, (_, i) => startConnection(i)));
  await new Promise((r) => setTimeout(r, opts.warmupMs));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, opts.durationMs));
  measuring = false;
  const elapsed = performance.now() - t0;
  stopping = true;
  await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  process.stdout.write(
    `${JSON.stringify({
      requests: completed,
      answered,
      seconds: elapsed / 1000,
      throughput: completed / (elapsed / 1000),
      p50: q(0.5),
      p90: q(0.9),
      p99: q(0.99),
      max: latencies[latencies.length - 1] ?? Number.NaN,
      statuses: Object.fromEntries(statuses),
      errors,
    })}\n`,
  );
  process.exit(0);
}

void main();
