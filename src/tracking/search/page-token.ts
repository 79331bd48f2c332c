import { invalid, show } from '../../core/errors.js';

export interface PageState {
  offset: number;
  /** Which ordering tier the offset counts in (runs ordered by a metric: with value, NaN, missing). */
  tier?: number;
}

/** MLflow's page tokens are base64 JSON `{"offset": N}`; mloop adds an optional tier and accepts MLflow's own. */
export function encodePageToken(offset: number, tier?: number): string {
  return Buffer.from(JSON.stringify(tier ? { offset, tier } : { offset })).toString('base64');
}

export function decodePageState(token: string | undefined): PageState {
  if (!token) return { offset: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const state = parsed as PageState | undefined;
  if (
    !state ||
    !Number.isSafeInteger(state.offset) ||
    state.offset < 0 ||
    (state.tier !== undefined && (!Number.isSafeInteger(state.tier) || state.tier < 0 || state.tier > 2))
  ) {
    throw invalid(
      `Invalid page token ${show(token)}: pass back the next_page_token of a previous response unchanged.`,
    );
  }
  return state;
}

export const decodePageToken = (token: string | undefined): number => decodePageState(token).offset;
