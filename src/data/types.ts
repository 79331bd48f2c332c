import type { DataProfile } from './profile/profile.js';
import type { DatasetSchema } from './schema/schema.js';
import type { TableFormat } from './table/types.js';

export type ContentKind = 'file' | 'dir';

/** One recorded version of a dataset, as the native API sends it. */
export interface DatasetVersion {
  name: string;
  version: number;
  /** SHA-256 of the file, or of the directory's manifest. */
  hash: string;
  kind: ContentKind;
  /** Bytes (all files of a directory). */
  size: number;
  files: number;
  /** Rows of the table(s); null when the content is not tabular. */
  rows: number | null;
  format: TableFormat | 'mixed' | null;
  schema: DatasetSchema | null;
  profile: DataProfile | null;
  /** Where the content was added from (relative to the pointer file's directory). */
  sourcePath: string;
  userId: string | null;
  creationTime: number;
}

/** A version without its schema and profile, for listings. */
export type DatasetVersionInfo = Omit<DatasetVersion, 'schema' | 'profile'>;

export interface DatasetSummary {
  name: string;
  latestVersion: number;
  versions: number;
  creationTime: number;
  lastUpdateTime: number;
}

/** What a client sends to record a version; the content must already be in the store. */
export interface RecordVersionInput {
  hash: string;
  kind: ContentKind;
  size: number;
  files: number;
  rows?: number | null;
  format?: string | null;
  schema?: DatasetSchema | null;
  profile?: DataProfile | null;
  sourcePath: string;
  userId?: string | null;
}

/** The runs that recorded a dataset version as an input. */
export interface DatasetRunRef {
  runId: string;
  experimentId: string;
  context: string | null;
}

/** The digest recorded in a run input: the hash prefix that fits MLflow's 36-character digest field. */
export const runInputDigest = (hash: string): string => hash.slice(0, 36);
