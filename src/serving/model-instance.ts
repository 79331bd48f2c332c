import { Batcher, type BatchingOptions } from './batching.js';
import {
  allocate,
  elementCount,
  type NumericArray,
  oipOfOrt,
  type Tensor,
  type TensorData,
} from './datatypes.js';
import { ServingError } from './errors.js';
import type { ModelMetrics, ServingMetrics } from './metrics.js';
import type { LoadedModel } from './model-loader.js';
import type { ModelRuntime, RuntimeTensor } from './runtimes/runtime.js';

/**
 * A model version as one deployment serves it: the shared loaded model plus this deployment's batch queue and
 * metric series. Requests are stacked along the first dimension into one runtime call and split back afterwards.
 */
export class ModelInstance {
  readonly batcher: Batcher<Tensor[], Tensor[]>;
  readonly metrics: ModelMetrics;

  constructor(
    readonly deployment: string,
    readonly model: LoadedModel,
    private readonly runtime: ModelRuntime,
    batching: BatchingOptions,
    metrics: ServingMetrics,
    /** Batches of this version that may be in the runtime at once, queued there or running. */
    maxInFlight = runtime.concurrency,
  ) {
    this.metrics = metrics.forModel(deployment, model.version);
    const options = model.spec.batchable ? batching : { ...batching, maxBatchSize: 1 };
    this.batcher = new Batcher(
      options,
      maxInFlight,
      (payloads) => this.#run(payloads),
      (s) => this.metrics.batch(s.rows, s.requests, s.computeMs, s.queueMs),
    );
  }

  get version(): string {
    return this.model.version;
  }

  /** Rows of a request: its batch size when the model batches, else one unit. */
  infer(tensors: Tensor[]): Promise<Tensor[]> {
    const rows = this.model.spec.batchable ? (tensors[0]?.shape[0] ?? 1) : 1;
    return this.batcher.submit(tensors, rows);
  }

  async #run(payloads: Tensor[][]): Promise<{ results: Tensor[][]; computeMs: number }> {
    const inputs = this.model.spec.inputs;
    const feeds: Record<string, RuntimeTensor> = {};
    const rowsOf = payloads.map((p) => (this.model.spec.batchable ? (p[0]?.shape[0] ?? 1) : 1));
    const total = rowsOf.reduce((a, b) => a + b, 0);
    for (const meta of inputs) {
      const parts = payloads.map((p) => p.find((t) => t.name === meta.name)!);
      const first = parts[0]!;
      if (parts.length === 1) {
        feeds[meta.name] = { type: ortType(first), data: first.data, dims: first.shape };
        continue;
      }
      const size = parts.reduce((n, t) => n + t.data.length, 0);
      const data = allocate(first.datatype, size);
      let offset = 0;
      for (const t of parts) {
        if (Array.isArray(data))
          for (let i = 0; i < t.data.length; i++) data[offset + i] = (t.data as string[])[i]!;
        else (data as Float32Array).set(t.data as Float32Array, offset);
        offset += t.data.length;
      }
      feeds[meta.name] = { type: ortType(first), data, dims: [total, ...first.shape.slice(1)] };
    }
    const { outputs, computeMs } = await this.runtime.infer(this.model.key, feeds);
    const results: Tensor[][] = payloads.map(() => []);
    for (const [name, out] of Object.entries(outputs)) {
      const datatype = oipOfOrt(out.type);
      if (!datatype)
        throw new ServingError('INFERENCE_FAILED', `Output '${name}' has unsupported type ${out.type}.`);
      if (payloads.length === 1) {
        results[0]!.push({ name, datatype, shape: out.dims, data: out.data });
        continue;
      }
      if (out.dims[0] !== total)
        throw new ServingError(
          'INFERENCE_FAILED',
          `Output '${name}' has ${out.dims[0]} rows for a batch of ${total}; this model cannot batch.`,
        );
      const perRow = total ? elementCount(out.dims) / total : 0;
      let row = 0;
      payloads.forEach((_, i) => {
        const n = rowsOf[i]!;
        const start = row * perRow;
        const end = (row + n) * perRow;
        const data: TensorData = Array.isArray(out.data)
          ? out.data.slice(start, end)
          : (out.data as NumericArray).subarray(start, end);
        results[i]!.push({ name, datatype, shape: [n, ...out.dims.slice(1)], data });
        row += n;
      });
    }
    return { results, computeMs };
  }
}

const ortType = (t: Tensor): string =>
  ({
    BOOL: 'bool',
    UINT8: 'uint8',
    UINT16: 'uint16',
    UINT32: 'uint32',
    UINT64: 'uint64',
    INT8: 'int8',
    INT16: 'int16',
    INT32: 'int32',
    INT64: 'int64',
    FP16: 'float16',
    FP32: 'float32',
    FP64: 'float64',
    BYTES: 'string',
  })[t.datatype];
