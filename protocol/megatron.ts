/**
 * Megatron-LM routing files -> MoE Lens events, so a Megatron output folder opens as a run.
 *
 * Formats as written by NVIDIA/Megatron-LM at d98e8a64ddf34856e74b24714e3bedb2f5a39553:
 * - `router_trace_rank{N}.jsonl` (megatron/core/transformer/moe/router_trace.py, lines 192, 291–300,
 *   472–473; enabled by --moe-routing-trace-path): one record per (step, block, layer) and router call,
 *   `{"step", "stage", "block", "layer", "rank", "num_tokens", "topk", "top_indices": [[…K…] × tokens]}`
 *   (+ "mtp_idx" for MTP layers). In training, megatron/training/training.py line 3120 calls
 *   `tracer.advance_step(iteration)`, so `step` is the 0-based iteration: our step = step + 1.
 * - `tokens_per_expert/rank{N}.jsonl` (megatron/training/activation_logging.py, lines 224–254, under
 *   --save; training.py lines 3032–3033, 3111: every --save-tokens-per-expert-interval iterations):
 *   `{"iter", "block", "layer", "tpe": [[count per local expert] × microbatches]}` with iter = iteration + 1.
 *
 * Counts are summed over ranks and micro-batches (with tensor parallelism each TP rank traces the same
 * tokens, which multiplies the counts but not MaxVio). When a folder has router traces, they are the
 * counts (global expert indices); tokens-per-expert files are used only without traces, and summed over
 * ranks (with expert parallelism each rank lists only its local experts: use the traces then). MTP layers
 * are skipped. Megatron writes no loss in these files: the step events carry NaN there (drawn as gaps).
 * No I/O here: extension/runs/megatronSource.ts reads the files.
 */
import type { StartEvent, StepEvent, TrainerEvent } from './events';
import { EVENT_SCHEMA_VERSION } from './events';
import { parseJsonObjectLine } from './jsonLine';
import { maxVio } from './maxVio';
import { BALANCER_METHODS, type BalancerMethod, resolveRunConfig } from './runConfig';

export const MEGATRON_FILES = {
  /** router_trace_rank0.jsonl, … */
  trace: /^router_trace_rank(\d+)\.jsonl$/,
  tokensPerExpertDir: 'tokens_per_expert',
  /** tokens_per_expert/rank0.jsonl, … */
  tokensPerExpert: /^rank(\d+)\.jsonl$/,
  /** optional facts the files lack: {"name", "experts", "topK", "steps", "balancer": ["aux-loss"]} */
  sidecar: 'moe-lens.json',
} as const;

export interface MegatronSidecar {
  name?: string;
  experts?: number;
  topK?: number;
  steps?: number;
  balancer?: BalancerMethod[];
}

export interface RoutingRecord {
  kind: 'trace' | 'tpe';
  /** our step (1-based) */
  step: number;
  layer: number;
  /** count per expert index */
  counts: number[];
  topK?: number;
}

const isInt = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;

/** One line of router_trace_rank{N}.jsonl; undefined for a blank line or an MTP layer. Throws naming the field. */
export function parseRouterTraceLine(text: string): RoutingRecord | undefined {
  const record = parseJsonObjectLine(text);
  if (!record || record.block === 'mtp') return undefined;
  for (const key of ['step', 'layer', 'topk'] as const) {
    if (!isInt(record[key])) throw new Error(`"${key}": expected an integer ≥ 0`);
  }
  const rows = record.top_indices;
  if (!Array.isArray(rows)) throw new Error('"top_indices": expected a list of [topk] expert indices per token');
  const counts: number[] = [];
  rows.forEach((row, t) => {
    if (!Array.isArray(row) || !row.every(isInt)) throw new Error(`"top_indices"[${t}]: expected expert indices`);
    for (const expert of row) counts[expert] = (counts[expert] ?? 0) + 1;
  });
  return {
    kind: 'trace',
    step: (record.step as number) + 1,
    layer: record.layer as number,
    counts: fill(counts),
    topK: record.topk as number,
  };
}

/** One line of tokens_per_expert/rank{N}.jsonl; undefined for a blank line or an MTP layer. */
export function parseTokensPerExpertLine(text: string): RoutingRecord | undefined {
  const record = parseJsonObjectLine(text);
  if (!record || record.block === 'mtp') return undefined;
  if (!isInt(record.iter)) throw new Error('"iter": expected an integer ≥ 0');
  if (!isInt(record.layer)) throw new Error('"layer": expected an integer ≥ 0');
  const microbatches = record.tpe;
  if (!Array.isArray(microbatches) || !microbatches.every((m) => Array.isArray(m) && m.every(isInt))) {
    throw new Error('"tpe": expected a list of per-expert token counts per micro-batch');
  }
  const counts: number[] = [];
  for (const row of microbatches) row.forEach((c, e) => (counts[e] = (counts[e] ?? 0) + c));
  return { kind: 'tpe', step: record.iter, layer: record.layer, counts };
}

function fill(counts: number[]): number[] {
  return Array.from(counts, (c) => c ?? 0);
}

export function parseSidecar(text: string): MegatronSidecar {
  const value = parseJsonObjectLine(text) ?? {};
  const sidecar: MegatronSidecar = {};
  for (const key of ['experts', 'topK', 'steps'] as const) {
    if (value[key] !== undefined) {
      if (!isInt(value[key]) || value[key] < 1) throw new Error(`"${key}": expected an integer ≥ 1`);
      sidecar[key] = value[key];
    }
  }
  if (value.name !== undefined) sidecar.name = typeof value.name === 'string' ? value.name : JSON.stringify(value.name);
  if (value.balancer !== undefined) {
    const methods = value.balancer;
    if (
      !Array.isArray(methods) ||
      !methods.every((m) => typeof m === 'string' && (BALANCER_METHODS as readonly string[]).includes(m))
    ) {
      throw new Error(`"balancer": expected a list of ${BALANCER_METHODS.join(', ')}`);
    }
    sidecar.balancer = methods as BalancerMethod[];
  }
  return sidecar;
}

/**
 * Folds the records of every rank file into step events. A step is emitted once each rank has written a
 * later step (Megatron appends a step's records when the next iteration starts), or at once when `final`
 * (the folder stopped growing). A layer or expert index first seen after the start event changes the run's
 * shape: take() then returns every event again with `reset`.
 */
export class MegatronRunAssembler {
  /** step -> layer -> counts */
  private readonly steps = new Map<number, Map<number, number[]>>();
  private readonly lastStepOfRank = new Map<string, number>();
  private hasTrace = false;
  private topK = 1;
  private experts = 0;
  private readonly layers = new Set<number>();
  private emittedShape = '';
  private emittedUpTo = 0;

  constructor(
    private readonly runName: string,
    private sidecar: MegatronSidecar = {},
  ) {}

  setSidecar(sidecar: MegatronSidecar): void {
    this.sidecar = sidecar;
  }

  /** A parsed record of the rank file `source` (its path). */
  add(source: string, record: RoutingRecord): void {
    if (record.kind === 'trace' && !this.hasTrace) {
      this.hasTrace = true;
      this.steps.clear(); // traces replace tokens-per-expert counts
    }
    if (record.kind === 'tpe' && this.hasTrace) return;
    if (record.topK) this.topK = Math.max(this.topK, record.topK);
    this.experts = Math.max(this.experts, record.counts.length);
    this.layers.add(record.layer);
    this.lastStepOfRank.set(source, Math.max(this.lastStepOfRank.get(source) ?? 0, record.step));
    let layers = this.steps.get(record.step);
    if (!layers) this.steps.set(record.step, (layers = new Map<number, number[]>()));
    const counts = layers.get(record.layer) ?? [];
    record.counts.forEach((c, e) => (counts[e] = (counts[e] ?? 0) + c));
    layers.set(record.layer, counts);
  }

  /** Events not returned yet (all of them again with reset when the shape changed). */
  take(now: Date, final: boolean): { events: TrainerEvent[]; reset: boolean } {
    const complete = final ? Infinity : Math.min(...this.lastStepOfRank.values()) - 1;
    const ready = [...this.steps.keys()].filter((s) => s <= complete).sort((a, b) => a - b);
    if (ready.length === 0) return { events: [], reset: false };
    const layers = [...this.layers].sort((a, b) => a - b);
    const experts = Math.max(this.experts, this.sidecar.experts ?? 0);
    const shape = `${layers.join(',')}|${experts}`;
    const reset = this.emittedShape !== '' && shape !== this.emittedShape;
    const fresh = this.emittedShape === '' || reset;
    const events: TrainerEvent[] = [];
    if (fresh) {
      events.push(this.startEvent(now, layers, experts));
      this.emittedUpTo = 0;
      this.emittedShape = shape;
    }
    const time = now.toISOString();
    for (const step of ready) {
      if (step <= this.emittedUpTo) continue;
      const byLayer = this.steps.get(step)!;
      const expertCounts = layers.map((l) => Array.from({ length: experts }, (_, e) => byLayer.get(l)?.[e] ?? 0));
      const maxVioBatch = expertCounts.map(maxVio);
      const event: StepEvent = {
        v: EVENT_SCHEMA_VERSION,
        type: 'step',
        time,
        step,
        loss: NaN,
        lmLoss: NaN,
        terms: {},
        lr: NaN,
        gradNorm: NaN,
        tokensPerSecond: NaN,
        expertCounts,
        maxVioBatch,
        maxVioBatchMean: maxVioBatch.reduce((a, b) => a + b, 0) / maxVioBatch.length,
      };
      events.push(event);
      this.emittedUpTo = step;
    }
    return { events, reset };
  }

  private startEvent(now: Date, layers: number[], experts: number): StartEvent {
    const config = resolveRunConfig({});
    config.name = this.sidecar.name ?? this.runName;
    const topK = Math.min(this.sidecar.topK ?? this.topK, experts);
    Object.assign(config.model, { layers: Math.max(...layers) + 1, experts, topK });
    // Megatron's files do not say how many steps the job will train: 0 (shown as '?') unless the sidecar does.
    config.training.steps = this.sidecar.steps ?? 0;
    config.balancer.methods = this.sidecar.balancer ?? ['none'];
    const source = this.hasTrace ? 'router_trace_rank*.jsonl' : 'tokens_per_expert/rank*.jsonl';
    return {
      v: EVENT_SCHEMA_VERSION,
      type: 'start',
      time: now.toISOString(),
      step: 0,
      runName: config.name,
      config,
      backend: { name: 'megatron-lm', reason: `imported from ${source} (${this.lastStepOfRank.size} rank files)` },
      parameters: { total: 0, activePerToken: 0, experts: 0, routers: 0 },
      moeLayers: layers,
      tokenizer: { kind: 'bpe', vocabSize: 0 },
      data: { sources: [], trainTokens: 0, validationTokens: 0 },
      versions: { trainer: 'Megatron-LM', tfjs: 'n/a', node: 'n/a' },
      pid: 0,
    };
  }
}
