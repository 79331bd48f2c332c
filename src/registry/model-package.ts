import { parse, stringify } from 'yaml';
import { invalid, show } from '../core/errors.js';

/**
 * mloop's model package: a directory with an `MLmodel` manifest (MLflow's format, so MLflow tools read it) and the
 * model files. The `onnx` flavor is what mloop serves; `mloop` holds what mloop itself needs (learner, features).
 * Format reference: docs/model-package.md.
 */
export const MANIFEST_FILE = 'MLmodel';

export const COLUMN_TYPES = [
  'boolean',
  'integer',
  'long',
  'float',
  'double',
  'string',
  'binary',
  'datetime',
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];
export const TENSOR_DTYPES = [
  'float32',
  'float64',
  'int32',
  'int64',
  'int8',
  'uint8',
  'bool',
  'string',
] as const;
export type TensorDtype = (typeof TENSOR_DTYPES)[number];

export interface ColumnSpec {
  type: ColumnType;
  name: string;
  required?: boolean;
}
export interface TensorSpec {
  type: 'tensor';
  name?: string;
  'tensor-spec': { dtype: TensorDtype; shape: number[] };
}
export type IoSpec = ColumnSpec | TensorSpec;

export interface Signature {
  inputs: IoSpec[];
  outputs?: IoSpec[];
}

export interface OnnxFlavor {
  onnx_version?: string;
  /** Path of the .onnx file inside the package. */
  data: string;
  providers?: string[];
}

export interface ModelManifest {
  artifact_path?: string;
  flavors: Record<string, Record<string, unknown>> & { onnx?: OnnxFlavor };
  signature?: Signature;
  saved_input_example_info?: { artifact_path: string; type: string; pandas_orient?: string };
  run_id?: string;
  model_uuid?: string;
  utc_time_created?: string;
  mlflow_version?: string;
  /** mloop's own section: learner, preprocessing, training dataset version. */
  mloop?: Record<string, unknown>;
}

/** Parses and checks an MLmodel file; errors name the key, the value and what is valid. */
export function parseManifest(text: string, file = MANIFEST_FILE): ModelManifest {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw invalid(`${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw invalid(`${file} must be a YAML mapping.`);
  const raw = doc as Record<string, unknown>;
  const flavors = raw.flavors;
  if (
    typeof flavors !== 'object' ||
    flavors === null ||
    Array.isArray(flavors) ||
    Object.keys(flavors).length === 0
  ) {
    throw invalid(
      `${file}: 'flavors' must be a mapping with at least one flavor (e.g. onnx), got ${show(flavors)}.`,
    );
  }
  const manifest = { ...raw, flavors } as ModelManifest;
  const onnx = (flavors as Record<string, unknown>).onnx as Record<string, unknown> | undefined;
  if (onnx !== undefined) {
    if (
      typeof onnx?.data !== 'string' ||
      !onnx.data ||
      onnx.data.includes('..') ||
      onnx.data.startsWith('/')
    ) {
      throw invalid(
        `${file}: 'flavors.onnx.data' must be the relative path of the .onnx file, got ${show(onnx?.data)}.`,
      );
    }
  }
  if (raw.signature !== undefined && raw.signature !== null)
    manifest.signature = parseSignature(raw.signature, file);
  return manifest;
}

/** MLflow stores signature inputs/outputs as JSON strings inside the YAML; both strings and lists are accepted. */
function parseSignature(raw: unknown, file: string): Signature {
  const sig = raw as Record<string, unknown>;
  const specs = (value: unknown, key: string): IoSpec[] | undefined => {
    if (value === undefined || value === null) return undefined;
    let list: unknown = value;
    if (typeof value === 'string') {
      try {
        list = JSON.parse(value);
      } catch {
        throw invalid(
          `${file}: 'signature.${key}' must be a JSON list of column or tensor specs, got ${show(value)}.`,
        );
      }
    }
    if (!Array.isArray(list)) throw invalid(`${file}: 'signature.${key}' must be a list, got ${show(list)}.`);
    return list.map((s, i) => checkSpec(s, `${file}: signature.${key}[${i}]`));
  };
  const inputs = specs(sig.inputs, 'inputs');
  if (!inputs) throw invalid(`${file}: 'signature.inputs' is required when a signature is given.`);
  const outputs = specs(sig.outputs, 'outputs');
  return outputs ? { inputs, outputs } : { inputs };
}

function checkSpec(raw: unknown, where: string): IoSpec {
  const s = raw as Record<string, unknown>;
  if (s?.type === 'tensor') {
    const t = s['tensor-spec'] as { dtype?: unknown; shape?: unknown } | undefined;
    if (
      !t ||
      !(TENSOR_DTYPES as readonly unknown[]).includes(t.dtype) ||
      !Array.isArray(t.shape) ||
      !t.shape.every(Number.isInteger)
    ) {
      throw invalid(
        `${where}: a tensor spec needs 'tensor-spec': {dtype: one of ${TENSOR_DTYPES.join(', ')}, shape: [ints, -1 for any]}; got ${show(s)}.`,
      );
    }
    return s as unknown as TensorSpec;
  }
  if (!(COLUMN_TYPES as readonly unknown[]).includes(s?.type) || typeof s?.name !== 'string' || !s.name) {
    throw invalid(
      `${where}: a column spec needs 'name' and 'type' (one of ${COLUMN_TYPES.join(', ')}); got ${show(s)}.`,
    );
  }
  return s as unknown as ColumnSpec;
}

/** Renders a manifest as MLflow writes it (signature lists as JSON strings). */
export function renderManifest(manifest: ModelManifest): string {
  const { signature, ...rest } = manifest;
  const doc: Record<string, unknown> = { ...rest };
  if (signature) {
    doc.signature = {
      inputs: JSON.stringify(signature.inputs),
      ...(signature.outputs ? { outputs: JSON.stringify(signature.outputs) } : {}),
      params: null,
    };
  }
  return stringify(doc, { lineWidth: 0 });
}

/** The files of a package, ready to be written under a directory or an artifact prefix. */
export function packageFiles(input: {
  onnxModel: Uint8Array;
  signature: Signature;
  inputExample?: { columns: string[]; data: unknown[][] };
  requirements?: string[];
  runId?: string;
  mloop?: Record<string, unknown>;
}): Map<string, Uint8Array> {
  const manifest: ModelManifest = {
    artifact_path: 'model',
    flavors: { onnx: { data: 'model.onnx', providers: ['CPUExecutionProvider'] } },
    signature: input.signature,
    utc_time_created: new Date().toISOString().replace('T', ' ').replace('Z', ''),
    ...(input.runId ? { run_id: input.runId } : {}),
    ...(input.inputExample
      ? {
          saved_input_example_info: {
            artifact_path: 'input_example.json',
            type: 'dataframe',
            pandas_orient: 'split',
          },
        }
      : {}),
    ...(input.mloop ? { mloop: input.mloop } : {}),
  };
  const text = (s: string) => new TextEncoder().encode(s);
  const files = new Map<string, Uint8Array>([
    [MANIFEST_FILE, text(renderManifest(manifest))],
    ['model.onnx', input.onnxModel],
  ]);
  if (input.inputExample) files.set('input_example.json', text(JSON.stringify(input.inputExample)));
  if (input.requirements?.length) files.set('requirements.txt', text(`${input.requirements.join('\n')}\n`));
  return files;
}
