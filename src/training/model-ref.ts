import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { invalid, show } from '../core/errors.js';
import { LEARN_MODEL_FILE, type TrainedModel } from '../learn/index.js';
import type { MloopClient } from '../sdk/client.js';
import { MloopApiError } from '../sdk/errors.js';

/** A model trained by mloop, loaded from a package, with what it was loaded from. */
export interface LoadedModel {
  model: TrainedModel;
  /** A stable name: the directory, `runs:/ID/PATH`, or `models:/NAME/VERSION` (aliases resolved). */
  uri: string;
  /** The run that produced it, when known (its experiment is where evaluations go by default). */
  runId?: string;
}

const USAGE =
  'a model is a package directory, runs:/<run id>/<path> or models:/<name>/<version> (or models:/<name>@<alias>)';

/** Loads the TypeScript model (`mloop-model.json`) of a package directory, a run's artifacts or a registered version. */
export async function loadModel(ref: string, client: MloopClient): Promise<LoadedModel> {
  if (ref.startsWith('runs:/')) {
    const m = /^runs:\/+([0-9a-f]{32})(?:\/(.+?))?\/*$/.exec(ref);
    if (!m) throw invalid(`Model ${show(ref)} is not a valid runs: URI; ${USAGE}.`);
    const runId = m[1]!;
    const path = m[2] ?? 'model';
    const run = await client.getRun(runId);
    const bytes = await fetchModelFile(client, run.info.artifactUri, path, ref);
    return { model: parseModel(bytes, ref), uri: `runs:/${runId}/${path}`, runId };
  }
  if (ref.startsWith('models:/')) {
    const { name, version: versionRef } = parseModelsUri(ref);
    const version = await client.getModelVersion(name, versionRef);
    const bytes = await fetchModelFile(client, version.storageLocation, '', ref);
    return {
      model: parseModel(bytes, ref),
      uri: `models:/${name}/${version.version}`,
      ...(version.runId ? { runId: version.runId } : {}),
    };
  }
  if (existsSync(ref) && statSync(ref).isDirectory()) {
    const file = join(ref, LEARN_MODEL_FILE);
    if (!existsSync(file))
      throw invalid(
        `Model directory ${show(ref)} has no ${LEARN_MODEL_FILE}; only packages written by 'mloop train' (or learnPackageFiles) can be evaluated.`,
      );
    return { model: parseModel(await readFile(file), ref), uri: resolve(ref) };
  }
  throw invalid(`Model ${show(ref)} is not a directory, runs: or models: URI; ${USAGE}.`);
}

/** `models:/NAME/VERSION` or `models:/NAME@ALIAS` → the registry's name and version reference. */
export function parseModelsUri(ref: string): { name: string; version: string } {
  const m = /^models:\/([^/@]+)(?:\/([^/]+)|@([\w-]+))$/.exec(ref);
  if (!m) throw invalid(`Model ${show(ref)} is not a valid models: URI; ${USAGE}.`);
  return { name: m[1]!, version: m[2] ?? `@${m[3]}` };
}

async function fetchModelFile(
  client: MloopClient,
  location: string,
  path: string,
  ref: string,
): Promise<Uint8Array> {
  try {
    return await client.getArtifact(location, path ? `${path}/${LEARN_MODEL_FILE}` : LEARN_MODEL_FILE);
  } catch (err) {
    if (err instanceof MloopApiError && err.status === 404)
      throw invalid(
        `Model ${show(ref)} has no ${LEARN_MODEL_FILE}: it was not trained by 'mloop train', so mloop cannot evaluate it in TypeScript.`,
      );
    throw err;
  }
}

function parseModel(bytes: Uint8Array, ref: string): TrainedModel {
  let model: unknown;
  try {
    model = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw invalid(`The ${LEARN_MODEL_FILE} of ${show(ref)} is not valid JSON: ${(err as Error).message}`);
  }
  const m = model as Partial<TrainedModel> | null;
  if (m?.format !== 'mloop.learn/1' || !Array.isArray(m.features) || typeof m.target !== 'string')
    throw invalid(
      `The ${LEARN_MODEL_FILE} of ${show(ref)} is not an mloop model (expected "format": "mloop.learn/1", got ${show(m?.format ?? null)}).`,
    );
  return m as TrainedModel;
}
