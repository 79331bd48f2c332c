import { type IoSpec, packageFiles, type Signature } from '../registry/model-package.js';
import { toOnnx } from './onnx/export.js';
import type { TrainedModel } from './types.js';

/** The TypeScript model (for mloop's built-in runtime and `predict`), stored next to model.onnx. */
export const LEARN_MODEL_FILE = 'mloop-model.json';

/**
 * The model package of a trained model (registry/model-package.ts): model.onnx with its preprocessing, a signature
 * whose inputs are the raw feature columns (float / string) and whose outputs are the ONNX output tensors, the
 * `mloop` manifest section (learner, task, target, classes, params, training summary, feature importance), and the
 * TypeScript model as mloop-model.json.
 */
export function learnPackageFiles(
  model: TrainedModel,
  options: { runId?: string; inputExample?: { columns: string[]; data: unknown[][] } } = {},
): Map<string, Uint8Array> {
  const files = packageFiles({
    onnxModel: toOnnx(model),
    signature: signatureOf(model),
    ...(options.inputExample ? { inputExample: options.inputExample } : {}),
    ...(options.runId ? { runId: options.runId } : {}),
    mloop: {
      learner: model.learner,
      task: model.task,
      target: model.target,
      features: model.features,
      ...(model.classes ? { classes: model.classes } : {}),
      params: model.params,
      seed: model.seed,
      training: { ...model.training, history: undefined },
      ...(model.gbdt ? { feature_importance: importanceOf(model) } : {}),
      model_file: LEARN_MODEL_FILE,
    },
  });
  files.set(LEARN_MODEL_FILE, new TextEncoder().encode(JSON.stringify(model)));
  return files;
}

export function signatureOf(model: TrainedModel): Signature {
  const inputs: IoSpec[] = model.features.map((f) => ({
    name: f.name,
    type: f.kind === 'numeric' ? 'float' : 'string',
    required: true,
  }));
  const outputs: IoSpec[] =
    model.task === 'regression'
      ? [{ type: 'tensor', name: 'variable', 'tensor-spec': { dtype: 'float32', shape: [-1, 1] } }]
      : [
          {
            type: 'tensor',
            name: 'label',
            'tensor-spec': { dtype: typeof model.classes![0] === 'string' ? 'string' : 'int64', shape: [-1] },
          },
          {
            type: 'tensor',
            name: 'probabilities',
            'tensor-spec': { dtype: 'float32', shape: [-1, model.classes!.length] },
          },
        ];
  return { inputs, outputs };
}

function importanceOf(model: TrainedModel): Record<string, { gain: number; splits: number }> {
  const out: Record<string, { gain: number; splits: number }> = {};
  model.features.forEach((f, i) => {
    out[f.name] = { gain: model.gbdt!.importance.gain[i]!, splits: model.gbdt!.importance.splits[i]! };
  });
  return out;
}
