import { invalid } from '../../core/errors.js';
import { codeOfLevel } from '../preprocess/tree-encoding.js';
import type { TrainedModel } from '../types.js';
import {
  type AttrValue,
  encodeModel,
  type Initializer,
  ML_DOMAIN,
  type OnnxGraph,
  type OnnxNode,
  type ValueInfo,
} from './onnx-proto.js';

/**
 * Exports a trained model with its preprocessing as one ONNX graph (opset 17 + ai.onnx.ml 3) whose inputs are the
 * raw feature columns, each a [N,1] tensor (numeric: float, categorical: string, "" = missing) and whose outputs
 * are plain tensors: `label` [N] and `probabilities` [N,K] for classifiers, `variable` [N,1] for regressors.
 * Graph shapes: docs/learners.md.
 */
export function toOnnx(model: TrainedModel, producerVersion = '0.1.0'): Uint8Array {
  const b = new GraphBuilder();
  const inputs: ValueInfo[] = model.features.map((f) => ({
    name: f.name,
    type: f.kind === 'numeric' ? 'float' : 'string',
    shape: ['N', 1],
  }));
  const outputs = model.gbdt ? treeGraph(b, model) : linearGraph(b, model);
  const graph: OnnxGraph = {
    name: `mloop_${model.learner}_${model.task}`,
    nodes: b.nodes,
    initializers: b.initializers,
    inputs,
    outputs,
  };
  return encodeModel(graph, {
    producerVersion,
    docString: `mloop ${model.learner} (${model.task}) predicting ${model.target}`,
    metadata: { learner: model.learner, task: model.task, target: model.target },
  });
}

class GraphBuilder {
  nodes: OnnxNode[] = [];
  initializers: Initializer[] = [];
  private count = 0;
  add(
    op: string,
    inputs: string[],
    attrs: OnnxNode['attrs'] = {},
    opts: { domain?: string; outputs?: string[] } = {},
  ) {
    const name = `${op.toLowerCase()}_${this.count++}`;
    const outputs = opts.outputs ?? [name];
    this.nodes.push({ op, name, inputs, outputs, attrs, ...(opts.domain ? { domain: opts.domain } : {}) });
    return outputs[0]!;
  }
  constant(t: Omit<Initializer, 'name'>): string {
    const name = `const_${this.count++}`;
    this.initializers.push({ name, ...t });
    return name;
  }
}

function classOutputs(model: TrainedModel, k: number): ValueInfo[] {
  const stringLabels = typeof model.classes![0] === 'string';
  return [
    { name: 'label', type: stringLabels ? 'string' : 'int64', shape: ['N'] },
    { name: 'probabilities', type: 'float', shape: ['N', k] },
  ];
}

/** Probabilities → label by ArgMax and a Gather from the class list. */
function labelFromProbabilities(b: GraphBuilder, model: TrainedModel, probabilities: string): void {
  const classes = model.classes!;
  const index = b.add('ArgMax', [probabilities], { axis: 1, keepdims: 0 });
  const table =
    typeof classes[0] === 'string'
      ? b.constant({ type: 'string', dims: [classes.length], values: classes as string[] })
      : b.constant({ type: 'int64', dims: [classes.length], values: classes as number[] });
  b.add('Gather', [table, index], { axis: 0 }, { outputs: ['label'] });
}

function treeGraph(b: GraphBuilder, model: TrainedModel): ValueInfo[] {
  const gbdt = model.gbdt!;
  const columns = model.features.map((f) => {
    if (f.kind === 'numeric') return f.name;
    const levels = gbdt.encoding.categorical[f.name]!;
    return b.add(
      'LabelEncoder',
      [f.name],
      {
        keys_strings: levels,
        values_floats: levels.map((_, i) => codeOfLevel(i)),
        default_float: { f: Number.NaN },
      },
      { domain: ML_DOMAIN },
    );
  });
  const x = b.add('Concat', columns, { axis: 1 });
  const k = gbdt.initScore.length;
  const a = {
    nodes_treeids: [] as number[],
    nodes_nodeids: [] as number[],
    nodes_featureids: [] as number[],
    nodes_values: [] as number[],
    nodes_modes: [] as string[],
    nodes_truenodeids: [] as number[],
    nodes_falsenodeids: [] as number[],
    nodes_missing_value_tracks_true: [] as number[],
    target_treeids: [] as number[],
    target_nodeids: [] as number[],
    target_ids: [] as number[],
    target_weights: [] as number[],
  };
  if (gbdt.trees.length === 0) throw invalid('The model has no trees to export.');
  const push = (
    treeId: number,
    node: number,
    mode: string,
    feature: number,
    value: number,
    t: number,
    f: number,
    missingTrue: number,
  ) => {
    a.nodes_treeids.push(treeId);
    a.nodes_nodeids.push(node);
    a.nodes_featureids.push(feature);
    a.nodes_values.push(value);
    a.nodes_modes.push(mode);
    a.nodes_truenodeids.push(t);
    a.nodes_falsenodeids.push(f);
    a.nodes_missing_value_tracks_true.push(missingTrue);
  };
  gbdt.trees.forEach((t, treeId) => {
    // A categorical split becomes a chain of BRANCH_EQ nodes (one per left code) sharing the left child; the
    // chain's extra nodes get ids after the tree's own.
    let nextId = t.left.length;
    for (let node = 0; node < t.left.length; node++) {
      if (t.left[node]! < 0) {
        push(treeId, node, 'LEAF', 0, 0, 0, 0, 0);
        a.target_treeids.push(treeId);
        a.target_nodeids.push(node);
        a.target_ids.push(t.target);
        a.target_weights.push(t.value[node]!);
        continue;
      }
      const codes = t.categories?.[node];
      if (!codes) {
        const mode = 'BRANCH_LEQ';
        push(
          treeId,
          node,
          mode,
          t.feature[node]!,
          t.threshold[node]!,
          t.left[node]!,
          t.right[node]!,
          t.missingLeft[node]!,
        );
        continue;
      }
      let id = node;
      codes.forEach((code, i) => {
        const last = i === codes.length - 1;
        const falseId = last ? t.right[node]! : nextId++;
        push(treeId, id, 'BRANCH_EQ', t.feature[node]!, code, t.left[node]!, falseId, 0);
        id = falseId;
      });
    }
  });
  const ints = (v: number[]) => ({ ints: v });
  const margin = b.add(
    'TreeEnsembleRegressor',
    [x],
    {
      n_targets: k,
      aggregate_function: 'SUM',
      post_transform: 'NONE',
      base_values: gbdt.initScore,
      nodes_treeids: ints(a.nodes_treeids),
      nodes_nodeids: ints(a.nodes_nodeids),
      nodes_featureids: ints(a.nodes_featureids),
      nodes_values: a.nodes_values,
      nodes_modes: a.nodes_modes,
      nodes_truenodeids: ints(a.nodes_truenodeids),
      nodes_falsenodeids: ints(a.nodes_falsenodeids),
      nodes_missing_value_tracks_true: ints(a.nodes_missing_value_tracks_true),
      target_treeids: ints(a.target_treeids),
      target_nodeids: ints(a.target_nodeids),
      target_ids: ints(a.target_ids),
      target_weights: a.target_weights,
    },
    { domain: ML_DOMAIN, outputs: model.task === 'regression' ? ['variable'] : undefined },
  );
  if (model.task === 'regression') return [{ name: 'variable', type: 'float', shape: ['N', 1] }];
  if (model.task === 'binary') {
    const p = b.add('Sigmoid', [margin]);
    const one = b.constant({ type: 'float', dims: [1], values: [1] });
    const q = b.add('Sub', [one, p]);
    b.add('Concat', [q, p], { axis: 1 }, { outputs: ['probabilities'] });
  } else {
    b.add('Softmax', [margin], { axis: 1 }, { outputs: ['probabilities'] });
  }
  labelFromProbabilities(b, model, 'probabilities');
  return classOutputs(model, model.classes!.length);
}

function linearGraph(b: GraphBuilder, model: TrainedModel): ValueInfo[] {
  const lin = model.linear!;
  const { numeric, categorical } = lin.preprocess;
  const blocks: string[] = [];
  if (numeric.length > 0) {
    const raw = b.add(
      'Concat',
      numeric.map((c) => c.name),
      { axis: 1 },
    );
    const imputed = b.add(
      'Imputer',
      [raw],
      { imputed_value_floats: numeric.map((c) => c.mean), replaced_value_float: { f: Number.NaN } },
      { domain: ML_DOMAIN },
    );
    blocks.push(
      b.add(
        'Scaler',
        [imputed],
        { offset: numeric.map((c) => c.mean), scale: numeric.map((c) => 1 / c.std) },
        { domain: ML_DOMAIN },
      ),
    );
  }
  for (const c of categorical) {
    const oneHot = b.add(
      'OneHotEncoder',
      [c.name],
      { cats_strings: c.levels, zeros: 1 },
      { domain: ML_DOMAIN },
    );
    blocks.push(b.add('Flatten', [oneHot], { axis: 1 }));
  }
  const x = blocks.length === 1 ? blocks[0]! : b.add('Concat', blocks, { axis: 1 });
  const p = lin.coef.length / lin.intercept.length;
  if (model.task === 'regression') {
    b.add(
      'LinearRegressor',
      [x],
      { coefficients: lin.coef, intercepts: lin.intercept, targets: 1 },
      { domain: ML_DOMAIN, outputs: ['variable'] },
    );
    return [{ name: 'variable', type: 'float', shape: ['N', 1] }];
  }
  const classes = model.classes!;
  // Binary: rows [0, w] and intercepts [0, b] under SOFTMAX give σ(w·x + b) for class 1.
  const binary = lin.intercept.length === 1;
  const coefficients = binary ? [...new Array<number>(p).fill(0), ...lin.coef] : lin.coef;
  const intercepts = binary ? [0, lin.intercept[0]!] : lin.intercept;
  const labelAttr: Record<string, AttrValue> =
    typeof classes[0] === 'string'
      ? { classlabels_strings: classes as string[] }
      : { classlabels_ints: { ints: classes as number[] } };
  b.add(
    'LinearClassifier',
    [x],
    { coefficients, intercepts, multi_class: 0, post_transform: 'SOFTMAX', ...labelAttr },
    { domain: ML_DOMAIN, outputs: ['label', 'probabilities'] },
  );
  return classOutputs(model, classes.length);
}
