/** Why a pipeline could not be planned or run; the message names the stage and the key. */
export type PipelineErrorCode =
  | 'SPEC_INVALID'
  | 'CYCLE'
  | 'MISSING_DEP'
  | 'DUPLICATE_OUTPUT'
  | 'INTERPOLATION'
  | 'UNKNOWN_STAGE'
  | 'STAGE_FAILED'
  | 'INTERRUPTED';

export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  constructor(
    readonly code: PipelineErrorCode,
    message: string,
    readonly stage?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = keep;
    }
  }
  return prev[b.length]!;
}

/** ` (did you mean "x"?)` for the closest candidate within a third of the word's length, else ''. */
export function suggest(word: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.ceil(word.length / 3))
    ? ` (did you mean "${best}"?)`
    : '';
}
