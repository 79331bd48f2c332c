import { inferSchema, toMlflowSchema } from './schema/schema.js';
import { type DatasetVersion, runInputDigest } from './types.js';

/** The tag on a run input that names the mloop dataset version (`name@version`). */
export const DATASET_VERSION_TAG = 'mloop.dataset.version';

/**
 * A dataset version as an MLflow dataset input: `name`, `digest` (the hash prefix that fits MLflow's 36
 * characters), `source_type` "mloop", `source` (JSON with the version URI and full hash), `schema` in MLflow's
 * colspec form and `profile` as MLflow's {num_rows, num_elements}.
 */
export function datasetInput(version: DatasetVersion, context: string) {
  const schema = version.schema ?? (version.profile ? inferSchema(version.profile) : null);
  const columns = version.profile?.columns.length ?? schema?.columns.length ?? 0;
  return {
    tags: [
      { key: 'mlflow.data.context', value: context },
      { key: DATASET_VERSION_TAG, value: `${version.name}@${version.version}` },
    ],
    dataset: {
      name: version.name,
      digest: runInputDigest(version.hash),
      sourceType: 'mloop',
      source: JSON.stringify({
        uri: `mloop-dataset:${version.name}@${version.version}`,
        hash: `sha256:${version.hash}`,
        path: version.sourcePath,
      }),
      ...(schema ? { schema: JSON.stringify(toMlflowSchema(schema)) } : {}),
      ...(version.rows === null
        ? {}
        : { profile: JSON.stringify({ num_rows: version.rows, num_elements: version.rows * columns }) }),
    },
  };
}
