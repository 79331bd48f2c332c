import type { Store } from '../store/open-store.js';
import { applyConfig, DEFAULT_CONFIG, type MonitorConfig } from './config.js';

/** Monitoring configs in the store, cached per process and re-read after `ttlMs` (other servers may change them). */
export class MonitorConfigStore {
  readonly #cache = new Map<string, { at: number; config: Promise<MonitorConfig> }>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 5_000,
  ) {}

  /** The deployment's config (defaults when none was set). */
  get(deployment: string): Promise<MonitorConfig> {
    const hit = this.#cache.get(deployment);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.config;
    const config = this.#read(deployment);
    // A failed read is not cached; the previous value keeps serving meanwhile.
    const entry = { at: Date.now(), config };
    this.#cache.set(deployment, entry);
    config.catch(() => {
      if (this.#cache.get(deployment) === entry) this.#cache.delete(deployment);
    });
    return hit ? config.catch(() => hit.config) : config;
  }

  async #read(deployment: string): Promise<MonitorConfig> {
    const row = await this.store.db
      .selectFrom('monitor_configs')
      .select('config')
      .where('deployment', '=', deployment)
      .executeTakeFirst();
    return row
      ? { ...DEFAULT_CONFIG, ...(JSON.parse(row.config) as Partial<MonitorConfig>) }
      : { ...DEFAULT_CONFIG };
  }

  /** Applies a partial update (validated) and stores the result. */
  async update(
    deployment: string,
    input: unknown,
    check?: (config: MonitorConfig) => Promise<void>,
  ): Promise<MonitorConfig> {
    const next = applyConfig(await this.#read(deployment), input);
    await check?.(next);
    const text = JSON.stringify(next);
    const now = Date.now();
    await this.store.db
      .insertInto('monitor_configs')
      .values({ deployment, config: text, updated_at: now })
      .onConflict((oc) => oc.column('deployment').doUpdateSet({ config: text, updated_at: now }))
      .execute();
    this.#cache.set(deployment, { at: now, config: Promise.resolve(next) });
    return next;
  }

  async reset(deployment: string): Promise<void> {
    await this.store.db.deleteFrom('monitor_configs').where('deployment', '=', deployment).execute();
    this.#cache.delete(deployment);
  }

  async list(): Promise<string[]> {
    const rows = await this.store.db.selectFrom('monitor_configs').select('deployment').execute();
    return rows.map((r) => r.deployment);
  }
}
