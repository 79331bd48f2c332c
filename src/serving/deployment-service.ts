import { alreadyExists, invalid, notFound, show } from '../core/errors.js';
import { optionalInt, optionalString } from '../core/validate.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { Store } from '../store/open-store.js';
import { isUniqueViolation } from '../tracking/experiment-service.js';
import { type BatchingOptions, DEFAULT_BATCHING } from './batching.js';
import type {
  Deployment,
  DeploymentEvent,
  DeploymentEventKind,
  DeploymentSpec,
  Route,
  ShadowRoute,
} from './deployment-types.js';
import { parseModelUri } from './model-uri.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const HEADER = /^[A-Za-z0-9-]{1,128}$/;
const MAX_ROUTES = 16;

export function validateDeploymentName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || !NAME.test(value))
    throw invalid(
      `Invalid deployment ${field} ${show(value)}: use 1 to 128 letters, digits, '_', '.' or '-', starting with a letter or digit.`,
    );
  return value;
}

/**
 * Deployments and their history, in the metadata store. Every change of routes is an event that records the event
 * it replaced, so rollback can walk back one change at a time. Serving processes poll `revision` to see changes.
 */
export class DeploymentService {
  constructor(
    private readonly store: Store,
    private readonly registry: RegistryService,
  ) {}

  async create(
    input: {
      name: unknown;
      model: unknown;
      stickyHeader?: unknown;
      batching?: unknown;
    },
    actor = 'anonymous',
  ): Promise<Deployment> {
    const name = validateDeploymentName(input.name);
    if (typeof input.model !== 'string') throw invalid(`Missing value for required parameter 'model'.`);
    const model = parseModelUri(input.model, 'model');
    const spec: DeploymentSpec = {
      routes: [{ model: input.model, weight: 100 }],
      shadows: [],
      batching: validateBatching(input.batching),
      ...stickyOf(input.stickyHeader),
    };
    await this.#checkResolvable(spec);
    const now = Date.now();
    try {
      await this.store.db.transaction().execute(async (tx) => {
        await tx
          .insertInto('deployments')
          .values({
            name,
            model_name: model.name,
            spec: JSON.stringify(spec),
            revision: 1,
            creation_timestamp: now,
            last_updated_timestamp: now,
          })
          .execute();
        await tx
          .insertInto('deployment_events')
          .values({
            name,
            seq: 1,
            kind: 'created',
            spec: JSON.stringify(spec),
            previous_seq: null,
            actor,
            timestamp: now,
          })
          .execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw alreadyExists(`Deployment '${name}' already exists.`);
      throw err;
    }
    return this.get(name);
  }

  async get(nameValue: unknown): Promise<Deployment> {
    const name = validateDeploymentName(nameValue);
    const row = await this.store.db
      .selectFrom('deployments')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw notFound(`Deployment '${name}' not found; 'mloop deploy list' shows the deployments.`);
    return toDeployment(row);
  }

  async list(): Promise<Deployment[]> {
    const rows = await this.store.db.selectFrom('deployments').selectAll().orderBy('name').execute();
    return rows.map(toDeployment);
  }

  /** name → revision, the cheap poll of serving processes. */
  async revisions(): Promise<Map<string, number>> {
    const rows = await this.store.db.selectFrom('deployments').select(['name', 'revision']).execute();
    return new Map(rows.map((r) => [r.name, r.revision]));
  }

  async setRoutes(
    nameValue: unknown,
    input: { routes: unknown; shadows?: unknown },
    actor = 'anonymous',
  ): Promise<Deployment> {
    const current = await this.get(nameValue);
    const spec: DeploymentSpec = {
      ...specOf(current),
      routes: validateRoutes(input.routes),
      shadows: validateShadows(input.shadows),
    };
    await this.#checkResolvable(spec);
    return this.#apply(current, spec, 'routes', current.revision, actor);
  }

  /** Back to the routes that the current ones replaced; again goes one step further back. */
  async rollback(nameValue: unknown, actor = 'anonymous'): Promise<Deployment> {
    const current = await this.get(nameValue);
    const event = await this.#event(current.name, current.revision);
    if (event.previous_seq === null)
      throw invalid(`Deployment '${current.name}' has no earlier routes to roll back to.`);
    const target = await this.#event(current.name, event.previous_seq);
    const spec: DeploymentSpec = { ...specOf(current), ...routesOf(target.spec) };
    return this.#apply(current, spec, 'rollback', target.previous_seq, actor);
  }

  async events(nameValue: unknown): Promise<DeploymentEvent[]> {
    const d = await this.get(nameValue);
    const rows = await this.store.db
      .selectFrom('deployment_events')
      .selectAll()
      .where('name', '=', d.name)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      name: r.name,
      seq: r.seq,
      kind: r.kind as DeploymentEventKind,
      ...routesOf(r.spec),
      ...(r.previous_seq === null ? {} : { previousSeq: r.previous_seq }),
      actor: r.actor,
      timestamp: Number(r.timestamp),
    }));
  }

  async delete(nameValue: unknown): Promise<void> {
    const d = await this.get(nameValue);
    await this.store.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('deployment_events').where('name', '=', d.name).execute();
      await tx.deleteFrom('deployments').where('name', '=', d.name).execute();
    });
  }

  async #event(name: string, seq: number) {
    const row = await this.store.db
      .selectFrom('deployment_events')
      .selectAll()
      .where('name', '=', name)
      .where('seq', '=', seq)
      .executeTakeFirst();
    if (!row) throw notFound(`Deployment '${name}' has no event ${seq}.`);
    return row;
  }

  async #apply(
    current: Deployment,
    spec: DeploymentSpec,
    kind: DeploymentEventKind,
    previousSeq: number | null,
    actor: string,
  ): Promise<Deployment> {
    const now = Date.now();
    await this.store.db.transaction().execute(async (tx) => {
      const last = await tx
        .selectFrom('deployment_events')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('name', '=', current.name)
        .executeTakeFirst();
      const seq = Number(last?.seq ?? 0) + 1;
      await tx
        .insertInto('deployment_events')
        .values({
          name: current.name,
          seq,
          kind,
          spec: JSON.stringify(spec),
          previous_seq: previousSeq,
          actor,
          timestamp: now,
        })
        .execute();
      await tx
        .updateTable('deployments')
        .set({ spec: JSON.stringify(spec), revision: seq, last_updated_timestamp: now })
        .where('name', '=', current.name)
        .execute();
    });
    return this.get(current.name);
  }

  /** Every reference must name an existing version now; an alias is followed again whenever it moves. */
  async #checkResolvable(spec: DeploymentSpec): Promise<void> {
    for (const r of [...spec.routes, ...spec.shadows]) {
      const { name, ref } = parseModelUri(r.model);
      await this.registry.resolveVersion(name, ref);
    }
  }
}

function toDeployment(row: {
  name: string;
  model_name: string;
  spec: string;
  revision: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
}): Deployment {
  const spec = JSON.parse(row.spec) as DeploymentSpec;
  return {
    name: row.name,
    model: row.model_name,
    routes: spec.routes,
    shadows: spec.shadows,
    ...(spec.stickyHeader ? { stickyHeader: spec.stickyHeader } : {}),
    batching: { ...DEFAULT_BATCHING, ...spec.batching },
    revision: row.revision,
    creationTimestamp: Number(row.creation_timestamp),
    lastUpdatedTimestamp: Number(row.last_updated_timestamp),
  };
}

const specOf = (d: Deployment): DeploymentSpec => ({
  routes: d.routes,
  shadows: d.shadows,
  batching: d.batching,
  ...(d.stickyHeader ? { stickyHeader: d.stickyHeader } : {}),
});

function routesOf(text: string): { routes: Route[]; shadows: ShadowRoute[] } {
  const spec = JSON.parse(text) as DeploymentSpec;
  return { routes: spec.routes, shadows: spec.shadows ?? [] };
}

function stickyOf(value: unknown): { stickyHeader?: string } {
  const header = optionalString(value, 'stickyHeader');
  if (header === undefined || header === '') return {};
  if (!HEADER.test(header))
    throw invalid(`Invalid stickyHeader ${show(header)}: an HTTP header name of letters, digits and '-'.`);
  return { stickyHeader: header.toLowerCase() };
}

export function validateRoutes(value: unknown): Route[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ROUTES)
    throw invalid(
      `'routes' must be a list of 1 to ${MAX_ROUTES} {model, weight} entries, got ${show(value)}.`,
    );
  const routes = value.map((r, i) => {
    const entry = r as Record<string, unknown>;
    if (typeof entry !== 'object' || entry === null) throw invalid(`routes[${i}] must be {model, weight}.`);
    parseModelUri(entry.model as string, `routes[${i}].model`);
    const weight = optionalInt(entry.weight, `routes[${i}].weight`, { min: 0, max: 1_000_000 });
    if (weight === undefined) throw invalid(`Missing value for required parameter 'routes[${i}].weight'.`);
    return { model: entry.model as string, weight };
  });
  if (routes.every((r) => r.weight === 0)) throw invalid(`At least one route needs a weight above 0.`);
  unique(
    routes.map((r) => r.model),
    'routes',
  );
  return routes;
}

export function validateShadows(value: unknown): ShadowRoute[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_ROUTES)
    throw invalid(
      `'shadows' must be a list of at most ${MAX_ROUTES} {model, percent} entries, got ${show(value)}.`,
    );
  const shadows = value.map((r, i) => {
    const entry = r as Record<string, unknown>;
    if (typeof entry !== 'object' || entry === null) throw invalid(`shadows[${i}] must be {model, percent}.`);
    parseModelUri(entry.model as string, `shadows[${i}].model`);
    const percent = optionalInt(entry.percent, `shadows[${i}].percent`, { min: 0, max: 100 });
    if (percent === undefined) throw invalid(`Missing value for required parameter 'shadows[${i}].percent'.`);
    return { model: entry.model as string, percent };
  });
  unique(
    shadows.map((r) => r.model),
    'shadows',
  );
  return shadows;
}

function unique(models: string[], field: string): void {
  const dup = models.find((m, i) => models.indexOf(m) !== i);
  if (dup) throw invalid(`'${field}' names ${show(dup)} twice; merge the entries.`);
}

export function validateBatching(value: unknown): BatchingOptions {
  if (value === undefined || value === null) return { ...DEFAULT_BATCHING };
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalid(`'batching' must be an object, got ${show(value)}.`);
  const b = value as Record<string, unknown>;
  const known = ['maxBatchSize', 'maxQueueDelayMs', 'maxQueueSize', 'timeoutMs'];
  const extra = Object.keys(b).find((k) => !known.includes(k));
  if (extra) throw invalid(`Unknown field ${show(extra)} in 'batching': expected ${known.join(', ')}.`);
  return {
    maxBatchSize:
      optionalInt(b.maxBatchSize, 'batching.maxBatchSize', { min: 1, max: 4096 }) ??
      DEFAULT_BATCHING.maxBatchSize,
    maxQueueDelayMs:
      optionalInt(b.maxQueueDelayMs, 'batching.maxQueueDelayMs', { min: 0, max: 10_000 }) ??
      DEFAULT_BATCHING.maxQueueDelayMs,
    maxQueueSize:
      optionalInt(b.maxQueueSize, 'batching.maxQueueSize', { min: 1, max: 1_000_000 }) ??
      DEFAULT_BATCHING.maxQueueSize,
    timeoutMs:
      optionalInt(b.timeoutMs, 'batching.timeoutMs', { min: 1, max: 600_000 }) ?? DEFAULT_BATCHING.timeoutMs,
  };
}
