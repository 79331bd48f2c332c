import type { DataProfile } from '../profile/profile.js';
import type { ColumnType } from '../table/types.js';

export const SCHEMA_VERSION = 1;

/** What a dataset version promises about its columns; inferred from a reference profile, checked by `Validator`. */
export interface DatasetSchema {
  version: typeof SCHEMA_VERSION;
  columns: ColumnSchema[];
}

export interface ColumnSchema {
  name: string;
  type: ColumnType;
  /** Whether the reference had missing values in this column. */
  nullable: boolean;
  /** Largest share of missing values accepted (0 for a column that was always present). */
  maxMissingRate: number;
  /** Every value of a categorical (string or bool) column, when the reference had at most `domainLimit` of them. */
  domain?: (string | boolean)[];
  /** Observed range of a numeric column (timestamps in ms since the epoch). */
  min?: number;
  max?: number;
}

export interface InferOptions {
  /** Largest categorical domain recorded (100 by default; at most the profile's 128 tracked items). */
  domainLimit?: number;
  /** Added to the reference's missing rate of a nullable column to get the allowed rate (0.05 by default). */
  missingTolerance?: number;
}

export const DEFAULT_DOMAIN_LIMIT = 100;
export const DEFAULT_MISSING_TOLERANCE = 0.05;

/** Infers a schema from a reference profile: types, nullability, categorical domains and numeric ranges. */
export function inferSchema(profile: DataProfile, opts: InferOptions = {}): DatasetSchema {
  const domainLimit = Math.min(opts.domainLimit ?? DEFAULT_DOMAIN_LIMIT, 128);
  const tolerance = opts.missingTolerance ?? DEFAULT_MISSING_TOLERANCE;
  return {
    version: SCHEMA_VERSION,
    columns: profile.columns.map((c) => {
      const rate = c.count === 0 ? 0 : c.missing / c.count;
      const column: ColumnSchema = {
        name: c.name,
        type: c.type,
        nullable: c.missing > 0,
        maxMissingRate: c.missing > 0 ? Math.min(1, round(rate + tolerance)) : 0,
      };
      if (c.type === 'string' || c.type === 'bool') {
        const total = c.frequent.items.reduce((sum, [, n]) => sum + n, 0);
        const exact = total === c.frequent.n;
        if (exact && c.frequent.items.length <= domainLimit) {
          column.domain = c.frequent.items
            .map(([v]) => v)
            .filter((v): v is string | boolean => typeof v === 'string' || typeof v === 'boolean')
            .sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
        }
      }
      if ((c.type === 'int' || c.type === 'float' || c.type === 'timestamp') && c.numeric) {
        column.min = c.numeric.min;
        column.max = c.numeric.max;
      }
      return column;
    }),
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

const MLFLOW_TYPES: Record<ColumnType, string> = {
  null: 'string',
  bool: 'boolean',
  int: 'long',
  float: 'double',
  timestamp: 'datetime',
  string: 'string',
};

/** The schema in MLflow's dataset shape (`{"mlflow_colspec": [...]}`), for run inputs. */
export function toMlflowSchema(schema: DatasetSchema): {
  mlflow_colspec: { type: string; name: string; required: boolean }[];
} {
  return {
    mlflow_colspec: schema.columns.map((c) => ({
      type: MLFLOW_TYPES[c.type],
      name: c.name,
      required: !c.nullable,
    })),
  };
}
