import type { MloopClient } from '../sdk/client.js';
import { MloopApiError } from '../sdk/errors.js';
import type { MetricInput } from '../sdk/types.js';

/** Tracking helpers shared by `mloop train` and `mloop evaluate`, over the typed client. */

/** The experiment of that name, created when it does not exist; the default experiment when no name is given. */
export async function experimentId(
  client: MloopClient,
  name: string | undefined,
): Promise<string | undefined> {
  if (name === undefined) return undefined;
  try {
    return (await client.getExperimentByName(name)).experimentId;
  } catch (err) {
    if (!(err instanceof MloopApiError && err.status === 404)) throw err;
    try {
      return (await client.createExperiment({ name })).experimentId;
    } catch (raced) {
      // Another process created it in between.
      if (raced instanceof MloopApiError && raced.code === 'RESOURCE_ALREADY_EXISTS')
        return (await client.getExperimentByName(name)).experimentId;
      throw raced;
    }
  }
}

/** Logs metrics in batches of MLflow's limit (1,000 per request). */
export async function logMetrics(client: MloopClient, runId: string, metrics: MetricInput[]): Promise<void> {
  for (let i = 0; i < metrics.length; i += 1000)
    await client.logBatch(runId, { metrics: metrics.slice(i, i + 1000) });
}

/** Logs params in batches of MLflow's limit (100 per request); values longer than 6,000 characters are cut. */
export async function logParams(
  client: MloopClient,
  runId: string,
  params: Record<string, string | number | boolean>,
): Promise<void> {
  const list = Object.entries(params).map(([key, value]) => {
    const text = String(value);
    return { key, value: text.length > 6000 ? `${text.slice(0, 5999)}…` : text };
  });
  for (let i = 0; i < list.length; i += 100) await client.logBatch(runId, { params: list.slice(i, i + 100) });
}

/** Uploads every file of a package under `prefix` of the run's artifacts. */
export async function logFiles(
  client: MloopClient,
  artifactUri: string,
  prefix: string,
  files: ReadonlyMap<string, Uint8Array>,
): Promise<void> {
  for (const [path, bytes] of files) await client.putArtifact(artifactUri, `${prefix}/${path}`, bytes);
}

/** Ends the run as FAILED with the error as a tag; errors while doing so are left out (the first error matters). */
export async function failRun(client: MloopClient, runId: string, err: unknown): Promise<void> {
  const message = err instanceof Error ? err.message : String(err);
  await client.setTags(runId, { 'mloop.error': message.slice(0, 8000) }).catch(() => {});
  await client.finishRun(runId, 'FAILED').catch(() => {});
}
