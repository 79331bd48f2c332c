/**
 * Traffic routing, pure: which route answers a request, and whether a shadow route sees it. `u` is a number in
 * [0, 1): random per request, or derived from a sticky header so the same key keeps landing on the same route
 * while the routes stay the same.
 */
export interface Weighted {
  weight: number;
}

/** The index of the route whose cumulative weight first exceeds `u * total`; -1 when no route has weight. */
export function pickRoute(routes: readonly Weighted[], u: number): number {
  let total = 0;
  for (const r of routes) total += Math.max(0, r.weight);
  if (total <= 0) return -1;
  let point = u * total;
  for (let i = 0; i < routes.length; i++) {
    const w = Math.max(0, routes[i]!.weight);
    if (point < w) return i;
    point -= w;
  }
  for (let i = routes.length - 1; i >= 0; i--) if (routes[i]!.weight > 0) return i;
  return -1;
}

/** A sticky key → a stable number in [0, 1) (FNV-1a, 32 bits). */
export function stickyPoint(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 0x1_0000_0000;
}

/** Whether a request mirrors to a shadow route that takes `percent` of traffic. */
export const mirrors = (percent: number, u: number): boolean => u * 100 < percent;
