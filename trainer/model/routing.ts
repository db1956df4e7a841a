/**
 * Top-K selection on the CPU, as pure functions on plain arrays: the router's scores are read once
 * per layer, the selection is made here (so TopK never enters the gradient tape) and the dispatch
 * plan is a counting sort of the token → expert assignments by expert (sparse, dropless: every
 * assignment is computed). Gate values are not computed here: Router.gates (router.ts) is their one
 * definition; the functions below that need them take the values it produced.
 */

export interface SelectionOptions {
  /** loss-free: b_i added to the scores for selection only */
  bias?: ArrayLike<number>;
  /** drop-top-experts analysis: skip each token's n highest-scoring experts before taking top-K */
  dropTop?: number;
}

export interface RoutingPlan {
  tokens: number;
  experts: number;
  /** the router scores [T·E] the selection was made from (unbiased) */
  scores: Float32Array;
  /** [T·E] 1 where expert e is one of token t's K picks: the gate mask */
  selected: Float32Array;
  /** c[i]: how many of the T·K picks went to expert i */
  counts: number[];
  /** dispatched rows in expert order: the token of each row and its index t·E + e into the gates */
  rowToken: Int32Array;
  rowGateIndex: Int32Array;
  /** rows per expert (equal to counts unless Dynamic-K dropped some) */
  rowCounts: number[];
}

/**
 * Writes into `picks` the experts of ranks dropTop … dropTop + K − 1 by selection score, best first
 * (ties: lower index first), by repeated arg-max: no sort, no allocation per token.
 */
function pickExperts(selection: Float64Array, taken: Uint8Array, dropTop: number, picks: Int32Array): void {
  taken.fill(0);
  for (let rank = 0; rank < dropTop + picks.length; rank++) {
    let best = -1;
    for (let e = 0; e < selection.length; e++) {
      if (!taken[e] && (best < 0 || selection[e] > selection[best])) best = e;
    }
    taken[best] = 1;
    if (rank >= dropTop) picks[rank - dropTop] = best;
  }
}

/** Dispatch rows in expert order for the (token, expert) pairs whose `kept` entry is 1. */
function dispatchRows(
  kept: Uint8Array,
  tokens: number,
  experts: number,
): Pick<RoutingPlan, 'rowToken' | 'rowGateIndex' | 'rowCounts'> {
  const rowCounts = new Array<number>(experts).fill(0);
  for (let i = 0; i < kept.length; i++) if (kept[i]) rowCounts[i % experts]++;
  const offsets = new Array<number>(experts).fill(0);
  for (let e = 1; e < experts; e++) offsets[e] = offsets[e - 1] + rowCounts[e - 1];
  const rows = offsets[experts - 1] + rowCounts[experts - 1];
  const rowToken = new Int32Array(rows);
  const rowGateIndex = new Int32Array(rows);
  for (let t = 0; t < tokens; t++) {
    for (let e = 0; e < experts; e++) {
      if (!kept[t * experts + e]) continue;
      const row = offsets[e]++;
      rowToken[row] = t;
      rowGateIndex[row] = t * experts + e;
    }
  }
  return { rowToken, rowGateIndex, rowCounts };
}

/** Each token's top-K experts by score + bias, the load counts and the dispatch rows of every pick. */
export function planRouting(
  scores: Float32Array,
  tokens: number,
  experts: number,
  topK: number,
  options: SelectionOptions = {},
): RoutingPlan {
  const { bias, dropTop = 0 } = options;
  if (dropTop + topK > experts) throw new Error(`cannot drop ${dropTop} of ${experts} experts and still pick ${topK}`);
  const selected = new Float32Array(tokens * experts);
  const kept = new Uint8Array(tokens * experts);
  const counts = new Array<number>(experts).fill(0);
  const selection = new Float64Array(experts);
  const taken = new Uint8Array(experts);
  const picks = new Int32Array(topK);
  for (let t = 0; t < tokens; t++) {
    const base = t * experts;
    for (let e = 0; e < experts; e++) selection[e] = scores[base + e] + (bias ? bias[e] : 0);
    pickExperts(selection, taken, dropTop, picks);
    for (const e of picks) {
      selected[base + e] = 1;
      kept[base + e] = 1;
      counts[e]++;
    }
  }
  return { tokens, experts, scores, selected, counts, ...dispatchRows(kept, tokens, experts) };
}

/**
 * Dynamic-K: the plan with only the picks whose gate is at least `threshold` dispatched; each
 * token keeps its largest-gate pick, so every token keeps at least one expert. The kept experts
 * keep their gates (no second normalisation); selection and load counts are unchanged.
 */
export function pruneByGate(plan: RoutingPlan, gates: ArrayLike<number>, threshold: number): RoutingPlan {
  if (threshold <= 0) return plan;
  const { tokens, experts, selected } = plan;
  const kept = new Uint8Array(tokens * experts);
  for (let t = 0; t < tokens; t++) {
    const base = t * experts;
    let best = -1;
    for (let e = 0; e < experts; e++) {
      if (!selected[base + e]) continue;
      if (best < 0 || gates[base + e] > gates[base + best]) best = e;
      if (gates[base + e] >= threshold) kept[base + e] = 1;
    }
    if (best >= 0) kept[base + best] = 1;
  }
  return { ...plan, ...dispatchRows(kept, tokens, experts) };
}

/** Each token's picked experts and gates [T·E], largest gate first (ties: lower index first). */
export function tokenRoutes(plan: RoutingPlan, gates: ArrayLike<number>): { experts: number[][]; gates: number[][] } {
  const experts: number[][] = [];
  const gateLists: number[][] = [];
  for (let t = 0; t < plan.tokens; t++) {
    const base = t * plan.experts;
    const picks: number[] = [];
    for (let e = 0; e < plan.experts; e++) if (plan.selected[base + e]) picks.push(e);
    picks.sort((a, b) => gates[base + b] - gates[base + a] || a - b);
    experts.push(picks);
    gateLists.push(picks.map((e) => gates[base + e]));
  }
  return { experts, gates: gateLists };
}
