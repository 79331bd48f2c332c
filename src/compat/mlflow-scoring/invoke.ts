import { parse as parseCsv } from 'csv-parse/sync';
import { show } from '../../core/errors.js';
import { type Tensor, toJsonValues } from '../../serving/datatypes.js';
import { ServingError, type ServingErrorCode, statusOf } from '../../serving/errors.js';
import { type Frame, frameToTensors, type TensorInput, tensorInputToTensors } from '../../serving/frame.js';
import type { ServingManager } from '../../serving/serving-manager.js';
import { type HttpReply, MODEL_VERSION_HEADER, PREDICTION_ID_HEADER } from '../http.js';

export interface InvocationsRequest {
  contentType: string | undefined;
  /** The whole body, already read and within the size limit. */
  body: Uint8Array;
  header(name: string): string | undefined;
  /** When the request arrived (performance.now()), for the latency metrics. */
  startedAt: number;
}

/**
 * `POST /invocations` of MLflow's scoring protocol for one deployment: JSON (`dataframe_split`,
 * `dataframe_records`, `instances`, `inputs`) or CSV in, `{"predictions": …}` out. Throws ServingError for bad input.
 */
export async function scoringInvoke(
  serving: ServingManager,
  deployment: string,
  req: InvocationsRequest,
): Promise<HttpReply> {
  const [type, ...params] = (req.contentType ?? '').split(';').map((s) => s.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  if (charset && charset !== 'utf-8' && charset !== 'utf8')
    throw new ServingError('UNSUPPORTED_MEDIA_TYPE', `Unsupported charset ${show(charset)}: use utf-8.`);
  if (type !== 'application/json' && type !== 'text/csv')
    throw new ServingError(
      'UNSUPPORTED_MEDIA_TYPE',
      `This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got ${show(type || '(none)')}.`,
    );
  const text = utf8.decode(req.body);
  const input = type === 'text/csv' ? { frame: csvFrame(text) } : jsonInput(text);
  const result = await serving.infer(
    { deployment, header: req.header, startedAt: req.startedAt },
    (spec, model) =>
      'frame' in input
        ? frameToTensors(
            spec,
            withColumns(
              input.frame,
              spec.columns?.map((x) => x.name),
            ),
            model,
          )
        : tensorInputToTensors(spec, input.tensor, model),
  );
  const predictions = 'frame' in input ? records(result.outputs) : byName(result.outputs);
  return {
    status: 200,
    headers: {
      'content-type': 'application/json',
      [PREDICTION_ID_HEADER]: result.predictionId,
      [MODEL_VERSION_HEADER]: result.modelVersion,
    },
    body: JSON.stringify({ predictions }),
  };
}

/** MLflow's error body (`{"error_code", "message"}`) with the status a serving error maps to; else a logged 500. */
export function scoringErrorReply(err: unknown): HttpReply {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (err instanceof ServingError) {
    if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
    return {
      status: statusOf(err.code),
      headers,
      body: JSON.stringify({ error_code: ERROR_CODE[err.code], message: err.message }),
    };
  }
  console.error('mloop serving: unexpected error', err);
  return {
    status: 500,
    headers,
    body: JSON.stringify({
      error_code: 'INTERNAL_ERROR',
      message: 'Internal error; see the server log for details.',
    }),
  };
}

const utf8 = new TextDecoder();

const KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

/** MLflow's error codes for the scoring server's answers. */
const ERROR_CODE: Record<ServingErrorCode, string> = {
  INVALID_INPUT: 'BAD_REQUEST',
  MODEL_NOT_FOUND: 'RESOURCE_DOES_NOT_EXIST',
  MODEL_NOT_READY: 'TEMPORARILY_UNAVAILABLE',
  QUEUE_FULL: 'REQUEST_LIMIT_EXCEEDED',
  TIMEOUT: 'DEADLINE_EXCEEDED',
  PAYLOAD_TOO_LARGE: 'BAD_REQUEST',
  UNSUPPORTED_MEDIA_TYPE: 'BAD_REQUEST',
  INFERENCE_FAILED: 'INTERNAL_ERROR',
};

function jsonInput(text: string): { frame: Frame } | { tensor: TensorInput } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ServingError('INVALID_INPUT', `Malformed JSON in request body: ${(err as Error).message}.`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badFormat(`got ${show(body)}`);
  const b = body as Record<string, unknown>;
  const keys = KEYS.filter((k) => b[k] !== undefined);
  if (keys.length !== 1) throw badFormat(`got keys ${show(Object.keys(b))}`);
  const key = keys[0]!;
  const value = b[key];
  if (key === 'dataframe_split') {
    const v = value as { columns?: unknown; data?: unknown };
    if (typeof v !== 'object' || v === null || !Array.isArray(v.data))
      throw new ServingError(
        'INVALID_INPUT',
        `'dataframe_split' must be {"columns": [...], "data": [[...]]}.`,
      );
    if (
      v.columns !== undefined &&
      (!Array.isArray(v.columns) || !v.columns.every((x) => typeof x === 'string'))
    )
      throw new ServingError('INVALID_INPUT', `'dataframe_split.columns' must be a list of column names.`);
    return { frame: { columns: (v.columns as string[] | undefined) ?? [], rows: v.data as unknown[][] } };
  }
  if (key === 'dataframe_records') {
    if (
      !Array.isArray(value) ||
      !value.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))
    )
      throw new ServingError(
        'INVALID_INPUT',
        `'dataframe_records' must be a list of {"column": value} objects.`,
      );
    const columns = [...new Set(value.flatMap((r) => Object.keys(r as object)))];
    const rows = value.map((r) => columns.map((c) => (r as Record<string, unknown>)[c] ?? null));
    return { frame: { columns, rows } };
  }
  if (Array.isArray(value)) {
    if (value.length && value.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
      const names = [...new Set(value.flatMap((r) => Object.keys(r as object)))];
      return {
        tensor: {
          kind: 'named',
          values: Object.fromEntries(
            names.map((n) => [n, value.map((r) => (r as Record<string, unknown>)[n])]),
          ),
        },
      };
    }
    return { tensor: { kind: 'single', value } };
  }
  if (typeof value === 'object' && value !== null)
    return { tensor: { kind: 'named', values: value as Record<string, unknown> } };
  throw new ServingError(
    'INVALID_INPUT',
    `'${key}' must be a list or an object of lists, got ${show(value)}.`,
  );
}

/** A frame without column names takes the signature's, in order (as pandas would by position). */
function withColumns(frame: Frame, names: string[] | undefined): Frame {
  if (frame.columns.length) return frame;
  const width = frame.rows[0]?.length ?? 0;
  const columns =
    names && names.length === width ? names : Array.from({ length: width }, (_, i) => String(i));
  return { columns, rows: frame.rows };
}

function csvFrame(text: string): Frame {
  let rows: string[][];
  try {
    rows = parseCsv(text, { skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (err) {
    throw new ServingError('INVALID_INPUT', `Malformed CSV: ${(err as Error).message}`);
  }
  const [header, ...data] = rows;
  if (!header)
    throw new ServingError('INVALID_INPUT', 'The CSV body is empty: expected a header row and data rows.');
  return { columns: header, rows: data.map((r) => r.map(csvCell)) };
}

/** CSV cells as pandas reads them: empty → missing, numbers → numbers, true/false → booleans. */
function csvCell(cell: string): unknown {
  const s = cell.trim();
  if (s === '' || s === 'NaN' || s === 'nan' || s === 'NA') return null;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (s === 'True' || s === 'true') return true;
  if (s === 'False' || s === 'false') return false;
  return cell;
}

/** Table in → one record per row, as the ONNX flavor's DataFrame output would be. */
function records(outputs: Tensor[]): unknown[] {
  const rows = outputs[0]?.shape[0] ?? 0;
  const columns = outputs.map((t) => {
    const values = toJsonValues(t.datatype, t.data);
    const width = rows ? values.length / rows : 0;
    return { name: t.name, values, width };
  });
  return Array.from({ length: rows }, (_, r) =>
    Object.fromEntries(
      columns.map((c) => [
        c.name,
        c.width === 1 ? c.values[r] : c.values.slice(r * c.width, (r + 1) * c.width),
      ]),
    ),
  );
}

/** Tensors in → outputs by name, nested to their shapes. */
function byName(outputs: Tensor[]): Record<string, unknown> {
  return Object.fromEntries(outputs.map((t) => [t.name, nest(toJsonValues(t.datatype, t.data), t.shape)]));
}

function nest(values: unknown[], shape: number[]): unknown {
  if (shape.length <= 1) return values;
  const [, ...rest] = shape;
  const size = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0]! }, (_, i) => nest(values.slice(i * size, (i + 1) * size), rest));
}

const badFormat = (got: string) =>
  new ServingError(
    'INVALID_INPUT',
    `The JSON body must have exactly one of ${KEYS.map((k) => `'${k}'`).join(', ')} (and optionally 'params'); ${got}.`,
  );
