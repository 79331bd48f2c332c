/** The public entry of the built-in learners (docs/learners.md); everything else in src/learn is internal. */
export { type EvaluateOptions, type EvaluationReport, evaluate } from './evaluate/evaluate.js';
export { fitModel, PARAMS } from './fit.js';
export {
  type CategoricalColumn,
  type Column,
  categorical,
  type Frame,
  frameFrom,
  type NumericColumn,
  numeric,
} from './frame.js';
export {
  BLESSING_ARTIFACT,
  BLESSING_TAGS,
  type BlessingRecord,
  blessingRecord,
  decide,
  type GateDecision,
  type GateRule,
  recordBlessing,
} from './gate.js';
export { LEARN_MODEL_FILE, learnPackageFiles, signatureOf } from './model-package.js';
export { toOnnx } from './onnx/export.js';
export { resolveParams } from './params.js';
export { predict } from './predict.js';
export { type TrainOptions, train } from './train.js';
export type { LearnerName, Prediction, Task, TrainedModel, TrainProgress, TrainSpec } from './types.js';
