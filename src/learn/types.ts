import type { LinearPreprocess } from './preprocess/linear-preprocess.js';
import type { TreeEncoding } from './preprocess/tree-encoding.js';

export const LEARNERS = ['linear', 'logistic', 'gbdt'] as const;
export type LearnerName = (typeof LEARNERS)[number];
export const TASKS = ['regression', 'binary', 'multiclass'] as const;
export type Task = (typeof TASKS)[number];

/** What to train: the learner, the target column, the feature columns (default: every other column). */
export interface TrainSpec {
  learner: LearnerName;
  target: string;
  features?: string[];
  /** gbdt only: the task; default is inferred from the target (see docs/learners.md). */
  task?: Task;
  /** Learner parameters (strings are accepted and parsed, as they come from `--params k=v`). */
  params?: Record<string, unknown>;
  /** Seed of every random choice (subsampling, validation split, binning sample); default 0. */
  seed?: number;
}

export interface FeatureInfo {
  name: string;
  kind: 'numeric' | 'categorical';
}

/** A tree in flat arrays; node i is a leaf when left[i] === -1. Thresholds are float32 values. */
export interface Tree {
  feature: number[];
  threshold: number[];
  /** 1 when a missing value goes to the left (x <= threshold) child. */
  missingLeft: number[];
  left: number[];
  right: number[];
  /** Leaf output (learning rate included); 0 on internal nodes. */
  value: number[];
  /** Output index (class for multiclass, else 0). */
  target: number;
  /**
   * Categorical splits: node → the category codes that go left (everything else, missing and unseen included, goes
   * right); `threshold` is unused on those nodes.
   */
  categories?: Record<string, number[]>;
}

export interface LinearParams {
  coef: number[]; // nOut × nDesign, row-major
  intercept: number[]; // nOut
}

export interface TrainingSummary {
  nRows: number;
  nTrainRows: number;
  nValidationRows: number;
  iterations: number;
  bestIteration?: number;
  seconds: number;
  /** Training (and validation) loss per iteration, for gbdt and logistic. */
  history: { iteration: number; train: number; validation?: number }[];
}

/** A trained model: plain data (JSON-serialisable), predicted by `predict` and exported by `toOnnx`. */
export interface TrainedModel {
  format: 'mloop.learn/1';
  learner: LearnerName;
  task: Task;
  target: string;
  features: FeatureInfo[];
  /** Class labels in output order (classification only); numbers are integer labels. */
  classes?: string[] | number[];
  params: Record<string, number | string | boolean>;
  seed: number;
  linear?: { preprocess: LinearPreprocess } & LinearParams;
  gbdt?: {
    encoding: TreeEncoding;
    /** One base score per output (regression mean, log-odds, log-priors). */
    initScore: number[];
    trees: Tree[];
    /** Total split gain and split count per feature (order of `features`). */
    importance: { gain: number[]; splits: number[] };
  };
  training: TrainingSummary;
}

export interface Prediction {
  /** Predicted class per row (classification). */
  labels?: (string | number)[];
  /** Row-major n × nClasses (classification). */
  probabilities?: Float64Array;
  /** Predicted value per row (regression). */
  values?: Float64Array;
}

export interface TrainProgress {
  iteration: number;
  total: number;
  trainLoss: number;
  validationLoss?: number;
}
