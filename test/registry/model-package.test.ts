import { describe, expect, it } from 'vitest';
import { packageFiles, parseManifest, renderManifest } from '../../src/registry/model-package.js';

// What mlflow 3.17's pyfunc.log_model writes (trimmed), to prove the manifest reader takes MLflow's own files.
const MLFLOW_MLMODEL = `artifact_path: mlflow-artifacts:/1/models/m-0123/artifacts
flavors:
  python_function:
    cloudpickle_version: 3.1.1
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.pyfunc.model
    python_model: python_model.pkl
    python_version: 3.11.7
is_signature_from_type_hint: false
mlflow_version: 3.17.2
model_id: m-0123
model_size_bytes: 1234
model_uuid: m-0123
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}, {"type": "string", "name": "origin", "required": false}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]'
  params: null
utc_time_created: '2026-11-22 07:40:00.000000'
`;

describe('model package manifest', () => {
  it("reads MLflow's own MLmodel, signature strings included", () => {
    const m = parseManifest(MLFLOW_MLMODEL);
    expect(Object.keys(m.flavors)).toEqual(['python_function']);
    expect(m.signature?.inputs).toEqual([
      { type: 'double', name: 'x', required: true },
      { type: 'string', name: 'origin', required: false },
    ]);
    expect(m.signature?.outputs?.[0]).toEqual({
      type: 'tensor',
      'tensor-spec': { dtype: 'float32', shape: [-1, 2] },
    });
  });

  it('writes an onnx package that reads back identically', () => {
    const files = packageFiles({
      onnxModel: new Uint8Array([8, 7]),
      signature: {
        inputs: [{ type: 'double', name: 'distance' }],
        outputs: [{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1] } }],
      },
      inputExample: { columns: ['distance'], data: [[120]] },
      requirements: ['onnxruntime'],
      mloop: { learner: 'gbdt' },
    });
    expect([...files.keys()].sort()).toEqual([
      'MLmodel',
      'input_example.json',
      'model.onnx',
      'requirements.txt',
    ]);
    const manifest = parseManifest(new TextDecoder().decode(files.get('MLmodel')));
    expect(manifest.flavors.onnx).toEqual({ data: 'model.onnx', providers: ['CPUExecutionProvider'] });
    expect(manifest.signature?.inputs).toEqual([{ type: 'double', name: 'distance' }]);
    expect(manifest.mloop).toEqual({ learner: 'gbdt' });
    expect(parseManifest(renderManifest(manifest))).toEqual(manifest);
  });

  it.each([
    ['not yaml: [', /not valid YAML/],
    ['- a list', /must be a YAML mapping/],
    ['flavors: {}', /at least one flavor/],
    ['flavors:\n  onnx:\n    data: ../../etc/passwd', /flavors.onnx.data/],
    [
      'flavors:\n  onnx:\n    data: m.onnx\nsignature:\n  inputs: \'[{"type": "decimal", "name": "x"}]\'',
      /signature.inputs\[0\].*one of boolean/,
    ],
    ["flavors:\n  onnx:\n    data: m.onnx\nsignature:\n  inputs: 'not json'", /JSON list/],
    [
      'flavors:\n  onnx:\n    data: m.onnx\nsignature:\n  inputs: \'[{"type": "tensor", "tensor-spec": {"dtype": "float16", "shape": [1]}}]\'',
      /tensor spec/,
    ],
  ])('refuses a broken manifest: %s', (text, message) => {
    expect(() => parseManifest(text)).toThrowError(message);
  });
});
