import type { NumericArray } from '../datatypes.js';
import type { RuntimeIo } from '../model-spec.js';

/** A tensor as the runtime takes it: onnxruntime's type name, row-major data, dims. */
export interface RuntimeTensor {
  type: string;
  data: NumericArray | string[];
  dims: number[];
}

export interface RuntimeModelInfo {
  inputs: RuntimeIo[];
  outputs: RuntimeIo[];
}

export interface RuntimeResult {
  outputs: Record<string, RuntimeTensor>;
  /** Time spent inside the runtime's run call, in milliseconds. */
  computeMs: number;
}

/**
 * The seam between serving and a model runtime (`runtimes/onnx/`: onnxruntime-node in worker threads). A model is
 * loaded under a key and addressed by it; `load` resolves once every worker can run it.
 */
export interface ModelRuntime {
  /** How many inferences can run at once. */
  readonly concurrency: number;
  load(key: string, file: string): Promise<RuntimeModelInfo>;
  infer(key: string, feeds: Record<string, RuntimeTensor>): Promise<RuntimeResult>;
  unload(key: string): Promise<void>;
  close(): Promise<void>;
}
