import type { ArtifactEntry, ArtifactStore } from '../artifacts/artifact-store.js';
import { joinStorePath, storePathOf } from '../artifacts/artifact-uri.js';
import { safeArtifactPath } from '../artifacts/safe-path.js';
import { optionalString } from '../core/validate.js';
import type { RunService } from './run-service.js';

export interface RunArtifactListing {
  /** The run's artifact root as recorded on the run. */
  rootUri: string;
  /** Immediate children of `path`, with paths relative to the run's artifact root. */
  files: ArtifactEntry[];
}

/** Lists one directory of a run's artifacts; `path` is relative to the run's artifact root ('' for the root). */
export async function listRunArtifacts(
  runs: RunService,
  artifacts: ArtifactStore,
  runId: unknown,
  path: unknown,
): Promise<RunArtifactListing> {
  const info = await runs.getInfo(runId);
  const relative = safeArtifactPath(optionalString(path, 'path') ?? '', 'path', { allowEmpty: true });
  const root = storePathOf(info.artifactUri);
  const entries = await artifacts.list(joinStorePath(root, relative));
  return {
    rootUri: info.artifactUri,
    files: entries.map((e) => ({ ...e, path: e.path.slice(root.length + 1) })),
  };
}
