/** Why a pipeline could not be planned or run; the message names the stage and the key. */
export type PipelineErrorCode =
  | 'SPEC_INVALID'
  | 'CYCLE'
  | 'MISSING_DEP'
  | 'DUPLICATE_OUTPUT'
  | 'INTERPOLATION'
  | 'UNKNOWN_STAGE'
  | 'STAGE_FAILED'
  | 'INTERRUPTED'
  | 'PLOT_INVALID';

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

/** Edit distance with adjacent transpositions (optimal string alignment), for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
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
