/**
 * Group fairness of a binary classifier by a sensitive column, with Fairlearn's definitions
 * (fairlearn.metrics, method="between_groups"): differences are max − min over groups, ratios min / max.
 */
export interface GroupRates {
  group: string;
  count: number;
  selection_rate: number;
  true_positive_rate: number;
  false_positive_rate: number;
}

export interface FairnessReport {
  column: string;
  groups: GroupRates[];
  demographic_parity_difference: number;
  demographic_parity_ratio: number;
  equalized_odds_difference: number;
  equalized_odds_ratio: number;
  equal_opportunity_difference: number;
  equal_opportunity_ratio: number;
}

/** `positiveTrue` / `positivePred`: 1 when the row's true / predicted label is the positive class. */
export function fairness(
  column: string,
  group: readonly string[],
  positiveTrue: Uint8Array,
  positivePred: Uint8Array,
): FairnessReport {
  const byGroup = new Map<
    string,
    { n: number; sel: number; pos: number; tp: number; neg: number; fp: number }
  >();
  for (let i = 0; i < group.length; i++) {
    const g = group[i]!;
    let s = byGroup.get(g);
    if (!s) {
      s = { n: 0, sel: 0, pos: 0, tp: 0, neg: 0, fp: 0 };
      byGroup.set(g, s);
    }
    s.n++;
    s.sel += positivePred[i]!;
    if (positiveTrue[i]) {
      s.pos++;
      s.tp += positivePred[i]!;
    } else {
      s.neg++;
      s.fp += positivePred[i]!;
    }
  }
  const groups: GroupRates[] = [...byGroup.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([g, s]) => ({
      group: g,
      count: s.n,
      selection_rate: s.sel / s.n,
      true_positive_rate: s.pos > 0 ? s.tp / s.pos : 0,
      false_positive_rate: s.neg > 0 ? s.fp / s.neg : 0,
    }));
  const spread = (key: keyof Omit<GroupRates, 'group' | 'count'>) => {
    const values = groups.map((g) => g[key]);
    const max = Math.max(...values);
    const min = Math.min(...values);
    return { difference: max - min, ratio: min / max };
  };
  const dp = spread('selection_rate');
  const tpr = spread('true_positive_rate');
  const fpr = spread('false_positive_rate');
  return {
    column,
    groups,
    demographic_parity_difference: dp.difference,
    demographic_parity_ratio: dp.ratio,
    equalized_odds_difference: Math.max(tpr.difference, fpr.difference),
    equalized_odds_ratio: Math.min(tpr.ratio, fpr.ratio),
    equal_opportunity_difference: tpr.difference,
    equal_opportunity_ratio: tpr.ratio,
  };
}
