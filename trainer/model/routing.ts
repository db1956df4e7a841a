/**
 * Top-K routing on the CPU: the router's scores are read once per layer, the selection is made here
 * (so TopK never enters the gradient tape) and the dispatch plan is a counting sort of the
 * token → expert assignments by expert (sparse, dropless: every assignment is computed).
 */

export interface RoutingOptions {
  /** loss-free: b_i added to the scores for selection only */
  bias?: ArrayLike<number>;
  /** drop-top-experts analysis: skip each token's n highest-scoring experts before taking top-K */
  dropTop?: number;
  /**
   * Dynamic-K: skip picked experts whose gate (renormalised over the K picks) is below this
   * threshold; the kept experts keep their gates (no second renormalisation)
   */
  gateThreshold?: number;
}

export interface RoutingPlan {
  tokens: number;
  experts: number;
  topK: number;
  /** [T·E] 1 where expert e is one of token t's K picks: the gate renormalisation mask */
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

export function planRouting(scores: Float32Array, tokens: number, experts: number, topK: number, options: RoutingOptions = {}): RoutingPlan {
  const { bias, dropTop = 0, gateThreshold = 0 } = options;
  if (dropTop + topK > experts) throw new Error(`cannot drop ${dropTop} of ${experts} experts and still pick ${topK}`);
  const selected = new Float32Array(tokens * experts);
  const counts = new Array<number>(experts).fill(0);
  const rowCounts = new Array<number>(experts).fill(0);
  const kept = new Uint8Array(tokens * experts);
  const selection = new Float64Array(experts);
  const taken = new Uint8Array(experts);
  const picks = new Int32Array(topK);
  for (let t = 0; t < tokens; t++) {
    const base = t * experts;
    for (let e = 0; e < experts; e++) selection[e] = scores[base + e] + (bias ? bias[e] : 0);
    pickExperts(selection, taken, dropTop, picks);
    let sum = 0;
    for (const e of picks) sum += scores[base + e];
    for (const e of picks) {
      selected[base + e] = 1;
      counts[e]++;
      const gate = sum > 0 ? scores[base + e] / sum : 1 / topK;
      // the best pick always stays, so every token keeps at least one expert
      if (gateThreshold <= 0 || gate >= gateThreshold || e === picks[0]) {
        kept[base + e] = 1;
        rowCounts[e]++;
      }
    }
  }
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
  return { tokens, experts, topK, selected, counts, rowToken, rowGateIndex, rowCounts };
}

/** Each token's picked experts and gates, largest gate first (the routing sample). */
export function tokenRoutes(scores: Float32Array, plan: RoutingPlan): { experts: number[][]; gates: number[][] } {
  const experts: number[][] = [];
  const gates: number[][] = [];
  for (let t = 0; t < plan.tokens; t++) {
    const base = t * plan.experts;
    const picks: number[] = [];
    let sum = 0;
    for (let e = 0; e < plan.experts; e++) {
      if (plan.selected[base + e]) {
        picks.push(e);
        sum += scores[base + e];
      }
    }
    const gate = (e: number) => (sum > 0 ? scores[base + e] / sum : 1 / picks.length);
    picks.sort((a, b) => gate(b) - gate(a) || a - b);
    experts.push(picks);
    gates.push(picks.map(gate));
  }
  return { experts, gates };
}
