import { invalid, show } from '../core/errors.js';
import { PROXY_SCHEME } from '../tracking/experiment-service.js';
import { safeArtifactPath } from './safe-path.js';

/**
 * The store path behind an artifact URI recorded on a run or model (`mlflow-artifacts:/0/<run>/artifacts`). Only
 * proxied URIs map onto the store: the server never reads a location a client chose.
 */
export function storePathOf(uri: string): string {
  if (!uri.startsWith(`${PROXY_SCHEME}/`)) {
    throw invalid(`Artifact URI ${show(uri)} is not served by this server: expected ${PROXY_SCHEME}/<path>.`);
  }
  return safeArtifactPath(uri.slice(PROXY_SCHEME.length + 1), 'artifact_uri');
}

export function joinStorePath(base: string, relative: string): string {
  return relative ? (base ? `${base}/${relative}` : relative) : base;
}
