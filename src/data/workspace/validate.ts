import { existsSync } from 'node:fs';
import type { MloopClient } from '../../sdk/client.js';
import { MloopApiError } from '../../sdk/errors.js';
import { DataError } from '../data-error.js';
import { profileFile } from '../profile/profile.js';
import { type Progress, SILENT } from '../progress.js';
import { type DatasetSchema, type InferOptions, inferSchema } from '../schema/schema.js';
import { type ValidationReport, Validator } from '../schema/validate.js';
import { readBatches } from '../table/read.js';
import { parseVersionRef } from './sync.js';

export interface ValidateOptions extends InferOptions {
  /** Runs an action with a client of the store, for NAME@VERSION references. */
  withClient?: <T>(action: (client: MloopClient) => Promise<T>) => Promise<T>;
  progress?: Progress;
}

export interface ValidateReport extends ValidationReport {
  file: string;
  against: string;
  schema: DatasetSchema;
}

/**
 * Validates a table file against the schema inferred from a reference: a dataset version (its stored profile) or
 * another table file (profiled now). Streams the new file, so it may be larger than memory.
 */
export async function validateAgainst(
  file: string,
  against: string,
  opts: ValidateOptions = {},
): Promise<ValidateReport> {
  const infer = {
    ...(opts.domainLimit === undefined ? {} : { domainLimit: opts.domainLimit }),
    ...(opts.missingTolerance === undefined ? {} : { missingTolerance: opts.missingTolerance }),
  };
  let schema: DatasetSchema;
  if (existsSync(against)) {
    schema = inferSchema(await profileFile(against), infer);
  } else {
    if (!opts.withClient)
      throw new DataError({ file: against }, 'no such file, and no store to look the dataset version up in.');
    const ref = parseVersionRef(against);
    const version = await opts
      .withClient((client) => client.getDatasetVersion(ref.name, ref.version))
      .catch((err: unknown) => {
        if (err instanceof MloopApiError && err.status === 404)
          throw new DataError({ file: against }, `not a file, and ${err.message}`);
        throw err;
      });
    if (!version.profile)
      throw new DataError(
        { file: against },
        `${version.name}@${version.version} is not tabular data; it has no schema to validate against.`,
      );
    schema = inferSchema(version.profile, infer);
  }
  const validator = new Validator(schema);
  const progress = opts.progress ?? SILENT;
  progress.phase(`validating ${file}`, undefined, 'rows');
  let rows = 0;
  for await (const batch of readBatches(file)) {
    validator.add(batch);
    rows += batch.numRows;
    progress.update(rows);
  }
  progress.end();
  return { file, against, schema, ...validator.finish() };
}
