import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ArtifactObject, ArtifactStore } from '../artifacts/artifact-store.js';
import { invalid, MloopError, notFound, show } from '../core/errors.js';
import { optionalInt, optionalString, requireInt, requireString } from '../core/validate.js';
import type { Store } from '../store/open-store.js';
import type { DatasetVersionTable } from '../store/schema.js';
import { LIMITS } from '../tracking/limits.js';
import { parseManifest } from './hash/manifest.js';
import {
  type DatasetRunRef,
  type DatasetSummary,
  type DatasetVersion,
  type DatasetVersionInfo,
  runInputDigest,
} from './types.js';

export const CONTENT_PREFIX = 'datasets/sha256';
const HASH = /^[0-9a-f]{64}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/;
const FORMATS = ['csv', 'tsv', 'jsonl', 'parquet', 'arrow', 'mixed'];

/** Where a blob lives in the artifact store: datasets/sha256/<first two hex>/<hash>. */
export const contentPath = (hash: string): string => `${CONTENT_PREFIX}/${hash.slice(0, 2)}/${hash}`;

export function validateHash(value: unknown, field: string): string {
  const hash = requireString(value, field);
  if (!HASH.test(hash))
    throw invalid(`Invalid ${field} ${show(hash)}: expected a SHA-256 digest, 64 lowercase hex characters.`);
  return hash;
}

export function validateDatasetName(value: unknown, field = 'name'): string {
  const name = requireString(value, field);
  if (!NAME.test(name)) {
    throw invalid(
      `Invalid dataset ${field} ${show(name)}: use 1-256 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
    );
  }
  return name;
}

/**
 * Dataset versions: records in the metadata store, content in the artifact store, addressed by SHA-256 and stored
 * once. A version is recorded only after all of its content is in the store (checked here, whatever the client
 * did), in one transaction, so no partial version ever exists; content uploaded for a version that is then never
 * recorded is harmless (content-addressed, shared by every version that has it).
 */
export class DatasetService {
  constructor(
    private readonly store: Store,
    private readonly artifacts: ArtifactStore,
  ) {}

  /** The hashes whose content is not in the store yet. */
  async missingContent(hashes: unknown): Promise<string[]> {
    if (!Array.isArray(hashes)) throw invalid(`'hashes' must be an array of SHA-256 digests.`);
    if (hashes.length > 10_000)
      throw invalid(`'hashes' holds ${hashes.length} digests; send at most 10000 at a time.`);
    const list = hashes.map((h, i) => validateHash(h, `hashes[${i}]`));
    const missing: string[] = [];
    for (let i = 0; i < list.length; i += 32) {
      const chunk = list.slice(i, i + 32);
      const present = await Promise.all(chunk.map((h) => this.artifacts.exists(contentPath(h))));
      chunk.forEach((h, j) => {
        if (!present[j]) missing.push(h);
      });
    }
    return missing;
  }

  /**
   * Stores a blob under its hash. The bytes are hashed as they stream in; if they do not match, the write fails
   * before the object is committed, so the store never holds content under a wrong name.
   */
  async putContent(hash: string, body: Readable): Promise<{ hash: string; size: number; stored: boolean }> {
    validateHash(hash, 'hash');
    if (await this.artifacts.exists(contentPath(hash))) {
      body.destroy();
      return { hash, size: -1, stored: false };
    }
    const { size } = await this.artifacts.put(contentPath(hash), Readable.from(verified(body, hash)));
    return { hash, size, stored: true };
  }

  async getContent(hash: string): Promise<ArtifactObject> {
    validateHash(hash, 'hash');
    try {
      return await this.artifacts.get(contentPath(hash));
    } catch (err) {
      if (err instanceof MloopError && err.code === 'RESOURCE_DOES_NOT_EXIST')
        throw notFound(`No content with hash ${hash} in the store; push it first.`);
      throw err;
    }
  }

  /** Records a version of `name` for content already in the store; the same content again returns its version. */
  async recordVersion(
    nameValue: unknown,
    input: Record<string, unknown>,
  ): Promise<{ version: DatasetVersion; created: boolean }> {
    const name = validateDatasetName(nameValue);
    const hash = validateHash(input.hash, 'hash');
    const kind = requireString(input.kind, 'kind');
    if (kind !== 'file' && kind !== 'dir')
      throw invalid(`Invalid kind ${show(kind)}: expected "file" or "dir".`);
    const format = optionalString(input.format, 'format') ?? null;
    if (format !== null && !FORMATS.includes(format))
      throw invalid(`Invalid format ${show(format)}: expected one of ${FORMATS.join(', ')}.`);
    const row = {
      hash,
      kind,
      size: requireInt(input.size, 'size', { min: 0 }),
      files: requireInt(input.files, 'files', { min: 0 }),
      rows: optionalInt(input.rows, 'rows', { min: 0 }) ?? null,
      format,
      schema: jsonText(input.schema, 'schema', LIMITS.datasetSchema),
      profile: jsonText(input.profile, 'profile', LIMITS.datasetProfile),
      source_path: requireString(input.sourcePath, 'sourcePath', { max: 4096 }),
      user_id: optionalString(input.userId, 'userId', { max: 256 }) ?? null,
    };
    await this.requireContent(hash, kind);
    const now = Date.now();
    return this.store.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('dataset_names')
        .values({ name, next_version: 1, creation_time: now, last_update_time: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      let select = tx.selectFrom('dataset_names').select('next_version').where('name', '=', name);
      if (this.store.dialect.lockForUpdate) select = select.forUpdate();
      const { next_version } = await select.executeTakeFirstOrThrow();
      const existing = await tx
        .selectFrom('dataset_versions')
        .selectAll()
        .where('name', '=', name)
        .where('hash', '=', hash)
        .executeTakeFirst();
      if (existing) return { version: toVersion(existing), created: false };
      const values: DatasetVersionTable = { name, version: next_version, ...row, creation_time: now };
      await tx.insertInto('dataset_versions').values(values).execute();
      await tx
        .updateTable('dataset_names')
        .set({ next_version: next_version + 1, last_update_time: now })
        .where('name', '=', name)
        .execute();
      return { version: toVersion(values), created: true };
    });
  }

  private async requireContent(hash: string, kind: string): Promise<void> {
    if (!(await this.artifacts.exists(contentPath(hash))))
      throw invalid(`The content ${hash} is not in the store: upload it before recording the version.`);
    if (kind !== 'dir') return;
    const { body } = await this.artifacts.get(contentPath(hash));
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
    let hashes: string[];
    try {
      hashes = parseManifest(Buffer.concat(chunks)).files.map((f) => f.hash);
    } catch (err) {
      throw invalid(`The content ${hash} is not a directory manifest: ${(err as Error).message}.`);
    }
    const missing = await this.missingContent([...new Set(hashes)]);
    if (missing.length > 0) {
      throw invalid(
        `${missing.length} file(s) of directory ${hash} are not in the store (e.g. ${missing[0]}): upload them before recording the version.`,
      );
    }
  }

  async list(): Promise<DatasetSummary[]> {
    const rows = await this.store.db
      .selectFrom('dataset_names as n')
      .innerJoin('dataset_versions as v', 'v.name', 'n.name')
      .select(({ fn }) => [
        'n.name',
        'n.creation_time',
        'n.last_update_time',
        fn.max('v.version').as('latest'),
        fn.count<number>('v.version').as('versions'),
      ])
      .groupBy(['n.name', 'n.creation_time', 'n.last_update_time'])
      .orderBy('n.name')
      .execute();
    return rows.map((r) => ({
      name: r.name,
      latestVersion: Number(r.latest),
      versions: Number(r.versions),
      creationTime: Number(r.creation_time),
      lastUpdateTime: Number(r.last_update_time),
    }));
  }

  async versions(nameValue: unknown): Promise<DatasetVersionInfo[]> {
    const name = validateDatasetName(nameValue);
    const rows = await this.store.db
      .selectFrom('dataset_versions')
      .select([
        'name',
        'version',
        'hash',
        'kind',
        'size',
        'files',
        'rows',
        'format',
        'source_path',
        'user_id',
        'creation_time',
      ])
      .where('name', '=', name)
      .orderBy('version', 'desc')
      .execute();
    if (rows.length === 0) throw notFound(`No dataset named ${show(name)}.`);
    return rows.map((r) => info({ ...r, schema: null, profile: null }));
  }

  /** A version by number, by hash prefix (at least 4 hex characters) or 'latest'. */
  async get(nameValue: unknown, refValue: unknown): Promise<DatasetVersion> {
    const name = validateDatasetName(nameValue);
    const ref = requireString(refValue, 'version').replace(/^sha256:/, '');
    let query = this.store.db.selectFrom('dataset_versions').selectAll().where('name', '=', name);
    if (ref === 'latest') query = query.orderBy('version', 'desc').limit(1);
    else if (/^\d+$/.test(ref)) query = query.where('version', '=', Number(ref));
    else if (/^[0-9a-f]{4,64}$/.test(ref)) query = query.where('hash', 'like', `${ref}%`).limit(2);
    else
      throw invalid(
        `Invalid version ${show(ref)} of dataset ${show(name)}: use a version number (${name}@3), a hash prefix of at least 4 hex characters (${name}@3fa9c1) or 'latest'.`,
      );
    const rows = await query.execute();
    if (rows.length > 1)
      throw invalid(
        `The hash prefix ${show(ref)} matches several versions of ${show(name)}; give more characters.`,
      );
    const row = rows[0];
    if (!row) throw notFound(`No version ${show(ref)} of dataset ${show(name)}.`);
    return toVersion(row);
  }

  /** Runs that logged this version as an input (MLflow's dataset inputs, matched by name and digest). */
  async runs(version: DatasetVersion): Promise<DatasetRunRef[]> {
    const rows = await this.store.db
      .selectFrom('run_inputs as i')
      .innerJoin('datasets as d', 'd.dataset_uuid', 'i.dataset_uuid')
      .innerJoin('runs as r', 'r.run_id', 'i.run_id')
      .select(['i.run_id', 'r.experiment_id', 'i.context'])
      .where('d.name', '=', version.name)
      .where('d.digest', '=', runInputDigest(version.hash))
      .orderBy('r.start_time', 'desc')
      .execute();
    return rows.map((r) => ({ runId: r.run_id, experimentId: String(r.experiment_id), context: r.context }));
  }
}

function jsonText(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`'${field}' must be a JSON object.`);
  const text = JSON.stringify(value);
  if (text.length > max) throw invalid(`'${field}' is ${text.length} characters; the limit is ${max}.`);
  return text;
}

function info(row: DatasetVersionTable): DatasetVersionInfo {
  return {
    name: row.name,
    version: Number(row.version),
    hash: row.hash,
    kind: row.kind as DatasetVersion['kind'],
    size: Number(row.size),
    files: Number(row.files),
    rows: row.rows === null ? null : Number(row.rows),
    format: row.format as DatasetVersion['format'],
    sourcePath: row.source_path,
    userId: row.user_id,
    creationTime: Number(row.creation_time),
  };
}

function toVersion(row: DatasetVersionTable): DatasetVersion {
  return {
    ...info(row),
    schema: row.schema === null ? null : JSON.parse(row.schema),
    profile: row.profile === null ? null : JSON.parse(row.profile),
  };
}

/** Passes bytes through, hashing them; throws at the end when they do not hash to `expected`. */
async function* verified(body: Readable, expected: string): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    hash.update(buf);
    yield buf;
  }
  const actual = hash.digest('hex');
  if (actual !== expected)
    throw invalid(`The uploaded bytes hash to ${actual}, not ${expected}; nothing was stored.`);
}
