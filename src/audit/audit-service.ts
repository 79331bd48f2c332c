import { optionalInt, optionalString } from '../core/validate.js';
import type { Store } from '../store/open-store.js';

export interface AuditEntry {
  id: number;
  timestamp: number;
  actor: string;
  method: string;
  path: string;
  status: number;
  resource?: string;
  ip?: string;
}

/** Every write, accepted or refused: who, what, when, from where. */
export class AuditService {
  constructor(private readonly store: Store) {}

  async record(entry: Omit<AuditEntry, 'id'>): Promise<void> {
    await this.store.db
      .insertInto('audit_log')
      .values({
        timestamp: entry.timestamp,
        actor: entry.actor.slice(0, 256),
        method: entry.method.slice(0, 8),
        path: entry.path.slice(0, 2048),
        status: entry.status,
        resource: entry.resource?.slice(0, 600) ?? null,
        ip: entry.ip?.slice(0, 64) ?? null,
      })
      .execute();
  }

  async list(input: { since?: unknown; user?: unknown; limit?: unknown } = {}): Promise<AuditEntry[]> {
    const since = optionalInt(input.since, 'since', { min: 0 });
    const user = optionalString(input.user, 'user', { max: 256 });
    const limit = optionalInt(input.limit, 'limit', { min: 1, max: 10_000 }) ?? 100;
    let q = this.store.db.selectFrom('audit_log').selectAll();
    if (since !== undefined) q = q.where('timestamp', '>=', since);
    if (user) q = q.where('actor', '=', user);
    const rows = await q.orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      timestamp: r.timestamp,
      actor: r.actor,
      method: r.method,
      path: r.path,
      status: r.status,
      ...(r.resource ? { resource: r.resource } : {}),
      ...(r.ip ? { ip: r.ip } : {}),
    }));
  }
}
