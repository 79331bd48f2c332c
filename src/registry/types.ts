import type { Tag } from '../tracking/types.js';

export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];
export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

export interface ModelVersion {
  name: string;
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId?: string;
  currentStage: Stage;
  description?: string;
  source: string;
  /** Where the files are inside the artifact store (`mlflow-artifacts:/…`). */
  storageLocation: string;
  runId?: string;
  runLink?: string;
  modelId?: string;
  status: ModelVersionStatus;
  statusMessage?: string;
  tags: Tag[];
  aliases: string[];
}

export interface RegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId?: string;
  description?: string;
  /** The newest version in each stage, as MLflow's `latest_versions`. */
  latestVersions: ModelVersion[];
  tags: Tag[];
  aliases: { alias: string; version: string }[];
}

/** One move of an alias: set (from → to), or deleted (to undefined). */
export interface AliasEvent {
  name: string;
  alias: string;
  seq: number;
  fromVersion?: string;
  toVersion?: string;
  actor: string;
  timestamp: number;
}
