import { createHmac, randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { Webhook } from './config.js';

/**
 * Webhook delivery with MLflow's convention (mlflow/webhooks/delivery.py): body `{entity, action, timestamp, data}`,
 * headers `X-MLflow-Delivery-Id`, `X-MLflow-Timestamp` (Unix seconds) and
 * `X-MLflow-Signature: v1,<base64 HMAC-SHA256 of "{delivery_id}.{timestamp}.{payload}">`.
 */
export function signature(secret: string, deliveryId: string, timestamp: number, payload: string): string {
  return `v1,${createHmac('sha256', secret).update(`${deliveryId}.${timestamp}.${payload}`).digest('base64')}`;
}

/** Addresses a webhook may not reach unless allowed: loopback, private, link-local, CGNAT, unspecified, multicast. */
const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  BLOCKED.addSubnet(net, bits, 'ipv6');

export function isBlockedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return BLOCKED.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface DeliveryOptions {
  /** Host names or IP addresses that may be private or loopback (operator setting MLOOP_WEBHOOK_ALLOWED_HOSTS). */
  allowedHosts?: readonly string[];
  timeoutMs?: number;
  /** Attempts per webhook; 429 and 5xx answers and network errors are retried (default 3). */
  attempts?: number;
  backoffMs?: number;
}

export interface DeliveryResult {
  url: string;
  status: 'delivered' | 'failed' | 'refused';
  attempts: number;
  httpStatus?: number;
  error?: string;
}

/**
 * Resolves the host and checks every address it resolves to; the request then goes to a checked address (so a
 * second DNS answer cannot point it elsewhere: DNS rebinding). Redirects are not followed.
 */
export async function resolveTarget(
  url: URL,
  allowed: readonly string[] = [],
): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host);
  const addresses = literal
    ? [{ address: host, family: literal }]
    : await lookup(host, { all: true, verbatim: true });
  if (addresses.length === 0) throw new Error(`${host} does not resolve`);
  const hostAllowed = allowed.includes(host.toLowerCase());
  for (const a of addresses)
    if (!hostAllowed && !allowed.includes(a.address) && isBlockedAddress(a.address))
      throw new Error(
        `${host} resolves to ${a.address}, a loopback, private or link-local address; webhooks go there only when the host is listed in MLOOP_WEBHOOK_ALLOWED_HOSTS.`,
      );
  return addresses[0]!;
}

export async function deliver(
  hook: Webhook,
  body: { entity: string; action: string; data: unknown },
  opts: DeliveryOptions = {},
): Promise<DeliveryResult> {
  const url = new URL(hook.url);
  let target: { address: string; family: number };
  try {
    target = await resolveTarget(url, opts.allowedHosts);
  } catch (err) {
    return { url: hook.url, status: 'refused', attempts: 0, error: (err as Error).message };
  }
  const deliveryId = randomUUID();
  const timestamp = Math.floor(Date.now() / 1000);
  const payload = JSON.stringify({ ...body, timestamp });
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'mloop-webhook',
    'x-mlflow-delivery-id': deliveryId,
    'x-mlflow-timestamp': String(timestamp),
    'x-mlflow-signature': signature(hook.secret, deliveryId, timestamp, payload),
  };
  const attempts = opts.attempts ?? 3;
  let last: DeliveryResult = { url: hook.url, status: 'failed', attempts: 0 };
  for (let i = 1; i <= attempts; i++) {
    try {
      const status = await post(url, target, headers, payload, opts.timeoutMs ?? 5_000);
      last = {
        url: hook.url,
        status: status < 300 ? 'delivered' : 'failed',
        attempts: i,
        httpStatus: status,
      };
      if (status < 300 || (status !== 429 && status < 500)) return last;
    } catch (err) {
      last = { url: hook.url, status: 'failed', attempts: i, error: (err as Error).message };
    }
    if (i < attempts) await new Promise((r) => setTimeout(r, (opts.backoffMs ?? 500) * 2 ** (i - 1)));
  }
  return last;
}

function post(
  url: URL,
  target: { address: string; family: number },
  headers: Record<string, string>,
  payload: string,
  timeoutMs: number,
): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(payload)) },
        timeout: timeoutMs,
        // Connect to the address that was checked, whatever DNS says now; TLS still verifies the host name.
        lookup: (_host, options, callback) => {
          if ((options as { all?: boolean }).all) callback(null, [target] as never);
          else callback(null, target.address, target.family);
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
