import { joinStorePath, storePathOf } from '../artifacts/artifact-uri.js';
import { safeArtifactPath } from '../artifacts/safe-path.js';
import { invalid, show } from '../core/errors.js';
import { hasControlCharacter } from '../core/validate.js';
import { PROXY_SCHEME } from '../tracking/experiment-service.js';

/** What a model version's source resolves to: a location inside the artifact store, and what it came from. */
export interface ResolvedSource {
  /** Always `mlflow-artifacts:/<safe path>`: the only kind of location the server reads. */
  storageLocation: string;
  runId?: string;
  modelId?: string;
}

export interface SourceLookups {
  runArtifactUri(runId: string): Promise<string>;
  loggedModelArtifactUri(modelId: string): Promise<string>;
  versionStorageLocation(name: string, versionOrAlias: string): Promise<string>;
}

const PROXY_HTTP = /^https?:\/\/[^/?#]+\/api\/2\.0\/mlflow-artifacts\/artifacts\/(.*)$/i;

function refuse(source: string, why: string): never {
  throw invalid(
    `Invalid model version source ${show(source)}: ${why}. A source must point inside mloop's artifact store: ` +
      `runs:/<run_id>/<path>, models:/<model_id>, models:/<name>/<version>, models:/<name>@<alias>, or mlflow-artifacts:/<path>.`,
  );
}

/**
 * Resolves a client's `source` into the artifact store, refusing everything else: local paths, file:// and
 * foreign URIs (CVE-2023-1177), `..` in any encoding (CVE-2023-2356, CVE-2025-11201), backslashes
 * (CVE-2023-2780), fragments and query strings (CVE-2024-1483, PR #10653), scheme confusion (CVE-2024-3573).
 */
export async function resolveModelSource(raw: string, lookups: SourceLookups): Promise<ResolvedSource> {
  const source = raw.trim();
  if (!source) refuse(raw, 'it is empty');
  if (source.includes('\\') || hasControlCharacter(source))
    refuse(raw, 'it contains a backslash or a control character');
  const lower = source.toLowerCase();

  if (lower.startsWith('runs:/')) {
    const m = /^runs:\/+([0-9a-f]{32})(?:\/(.*))?$/i.exec(source);
    if (!m) refuse(raw, 'a runs: URI is runs:/<32-hex run id>/<artifact path>');
    const runId = m[1]!.toLowerCase();
    const path = safeArtifactPath(m[2] ?? '', 'source', { allowEmpty: true });
    const base = storePathOf(await lookups.runArtifactUri(runId));
    return { storageLocation: `${PROXY_SCHEME}/${joinStorePath(base, path)}`, runId };
  }
  if (lower.startsWith('models:/')) {
    const rest = source.slice('models:/'.length);
    if (/^m-[0-9a-f]{32}$/.test(rest)) {
      return {
        storageLocation: `${PROXY_SCHEME}/${storePathOf(await lookups.loggedModelArtifactUri(rest))}`,
        modelId: rest,
      };
    }
    const named = /^([^/@]+)(?:\/([^/]+)|@([\w-]+))$/.exec(rest);
    if (!named)
      refuse(raw, 'a models: URI is models:/<model_id>, models:/<name>/<version> or models:/<name>@<alias>');
    const location = await lookups.versionStorageLocation(named[1]!, named[2] ?? `@${named[3]}`);
    return { storageLocation: location };
  }
  if (lower.startsWith(PROXY_SCHEME)) {
    if (!source.startsWith(`${PROXY_SCHEME}/`)) refuse(raw, `expected ${PROXY_SCHEME}/<path>`);
    return { storageLocation: `${PROXY_SCHEME}/${storePathOf(source)}` };
  }
  const proxied = PROXY_HTTP.exec(source);
  if (proxied) {
    return { storageLocation: `${PROXY_SCHEME}/${safeArtifactPath(proxied[1]!, 'source')}` };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(source)) refuse(raw, 'that URI scheme points outside the artifact store');
  return refuse(raw, 'local paths are not accepted');
}

/** The run id a storage location belongs to, when it is a run's artifact path (`<exp>/<run>/artifacts/...`). */
export function runIdOfLocation(location: string): string | undefined {
  return /^mlflow-artifacts:\/[^/]+\/([0-9a-f]{32})\/artifacts(?:\/|$)/.exec(location)?.[1];
}
