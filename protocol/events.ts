/**
 * The trainer event log: a public protocol (docs/events.md). JSON Lines, one event a line, written to
 * `<run>/events.jsonl` (flushed line by line) and to stdout. Other trainers may write it too.
 *
 * Layer-indexed arrays are indexed by MoE layer (0 … moeLayers.length − 1), not by block;
 * `start.moeLayers` maps them to block indices. Expert-indexed arrays have `experts` entries.
 */
import { LOAD_STAT_NAMES, type LoadStats } from './loadStats';
import { parseJsonObjectLine } from './jsonLine';
import type { RunConfig } from './runConfig';

/** 2 added the compact form (`loadStats` on every step, `expertCounts` every `countsEvery` steps); v1 logs are still read. */
export const EVENT_SCHEMA_VERSION = 2;

interface EventBase {
  /** schema version, EVENT_SCHEMA_VERSION */
  v: number;
  /** ISO 8601 time the event was written */
  time: string;
}

export interface StartEvent extends EventBase {
  type: 'start';
  /** the step training starts from: 0, or the checkpoint's step when resumed */
  step: number;
  runName: string;
  config: RunConfig;
  /**
   * the backend in use, and why it was chosen (e.g. "auto: @tensorflow/tfjs-node-gpu not installed");
   * `adapter`: the WebGPU adapter, on the `webgpu` backend only
   */
  backend: { name: string; reason: string; adapter?: GpuAdapter };
  parameters: {
    total: number;
    /** parameters a token passes through: non-expert + topK experts per MoE layer */
    activePerToken: number;
    experts: number;
    routers: number;
  };
  /** block index of each MoE layer */
  moeLayers: number[];
  tokenizer: { kind: 'char' | 'bpe'; vocabSize: number };
  data: { sources: string[]; trainTokens: number; validationTokens: number };
  versions: { trainer: string; tfjs: string; node: string };
  /** pid of the trainer process, so a viewer can tell a live run from an interrupted one */
  pid: number;
  /**
   * the trainer's process start time (Linux: field 22 of /proc/<pid>/stat), so a viewer can tell the
   * trainer from a later process that reuses its pid
   */
  processStartTime?: string;
  /** a per-run token the launcher put in the trainer's environment (MOE_LENS_RUN_TOKEN): what Stop checks */
  runToken?: string;
  /** the machine the writer runs on (other writers than MoE Lens's trainer): a viewer elsewhere cannot check the pid */
  host?: string;
  resumedFrom?: string;
  /** changes the trainer made to the config for its command line, in words (e.g. a warmup scaled to a short --steps) */
  notes?: string[];
  /** v2: step events carry `expertCounts` (and `bias`) every `countsEvery` steps and at the last step; 1 or absent: every step */
  countsEvery?: number;
}

/** A WebGPU adapter as Dawn describes it (GPUAdapterInfo); `software` when it runs on the CPU (lavapipe, SwiftShader). */
export interface GpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  software: boolean;
}

/** "llvmpipe: Mesa 25.0.7 … (mesa, software)": an adapter in one line, for messages and headers. */
export function gpuAdapterLabel(adapter: GpuAdapter): string {
  const kind = [adapter.vendor, adapter.architecture].filter(Boolean).join(', ');
  return `${adapter.description || adapter.device || 'unnamed adapter'}${kind ? ` (${kind})` : ''}`;
}

export interface BalancerTerms {
  /** summed over MoE layers; present only for active terms */
  auxLoss?: number;
  /** aux loss with f_i over the last balancer.globalWindow steps' batches (Qiu et al. 2025) */
  globalAuxLoss?: number;
  /** DeepSeek-V3 sequence-wise aux loss */
  seqAuxLoss?: number;
  simbal?: number;
  zLoss?: number;
}

export interface StepEvent extends EventBase {
  type: 'step';
  step: number;
  /** total loss = lmLoss + all balancer terms */
  loss: number;
  lmLoss: number;
  terms: BalancerTerms;
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
  /**
   * c[i] per MoE layer: how many of the batch's T·K assignments went to each expert. Every step in v1;
   * in v2 every `start.countsEvery` steps (compact form), absent on the others.
   */
  expertCounts?: number[][];
  /** v2, every step: per-layer summaries of the counts (min, max, mean, CV, dead fraction) */
  loadStats?: LoadStats;
  /** MaxVio of this batch per MoE layer, and its mean over layers */
  maxVioBatch: number[];
  maxVioBatchMean: number;
  /** loss-free only: b_i per MoE layer, after this step's update (only with `expertCounts` in the compact form) */
  bias?: number[][];
}

export interface RoutingSample {
  /** decoded text of each token of the fixed validation snippet */
  tokens: string[];
  /** per MoE layer, per token: picked experts (descending gate) and their gates */
  experts: number[][][];
  gates: number[][][];
}

export interface EvalEvent extends EventBase {
  type: 'eval';
  step: number;
  valLoss: number;
  perplexity: number;
  /** tokens of the fixed validation sample that valLoss and the loads are counted on (absent before v0.2 logs) */
  evalTokens?: number;
  /** c[i] per MoE layer over the whole eval sample */
  expertLoad: number[][];
  maxVioGlobal: number[];
  maxVioGlobalMean: number;
  /**
   * expected MaxVio of ideal uniform random routing of evalTokens tokens (E experts, top-K): values
   * near it are balanced as well as this sample size can show (absent where evalTokens is)
   */
  maxVioNoiseFloor?: number;
  /** experts that received at least one token of the eval sample, per MoE layer */
  expertsUsed: number[];
  /** Pairwise Expert Similarity per MoE layer, and its minimum over layers */
  pes: number[];
  pesMin: number;
  /** mean over layers of mean((RᵀR − I)²); per layer too */
  gramDeviation: number;
  gramDeviationPerLayer: number[];
  /** mean per-token entropy of router scores (nats), per MoE layer */
  routerEntropy: number[];
  /** mean fraction of experts used per sequence, per MoE layer */
  seu: number[];
  routingSample: RoutingSample;
}

export interface AnalysisEvent extends EventBase {
  type: 'analysis';
  step: number;
  /** validation loss with each token's top-n scoring experts masked, n = 0, 1, 2, … */
  dropTopExperts: { dropped: number; loss: number }[];
  /** Dynamic-K pruning: drop selected experts whose gate < threshold */
  dynamicK: { threshold: number; perplexity: number; msPerToken: number; meanExpertsPerToken: number }[];
}

export interface CheckpointEvent extends EventBase {
  type: 'checkpoint';
  step: number;
  /** folder of the checkpoint, relative to the run folder */
  path: string;
}

export const END_STATUSES = ['completed', 'stopped', 'failed', 'diverged'] as const;
export type EndStatus = (typeof END_STATUSES)[number];

export interface EndEvent extends EventBase {
  type: 'end';
  step: number;
  status: EndStatus;
  /** human-readable reason, e.g. "loss is NaN at step 12", "SIGTERM" */
  reason: string;
  durationSeconds: number;
}

export type TrainerEvent = StartEvent | StepEvent | EvalEvent | AnalysisEvent | CheckpointEvent | EndEvent;
export type TrainerEventType = TrainerEvent['type'];

/**
 * Run statuses a viewer shows: the end statuses, plus live and dead-without-end; stale: written by a
 * process the viewer cannot check (another host, an import) that has not written for a while.
 */
export type RunStatus = EndStatus | 'running' | 'queued' | 'interrupted' | 'stale';

const REQUIRED_FIELDS: Record<TrainerEventType, string[]> = {
  start: ['step', 'runName', 'config', 'backend', 'parameters', 'moeLayers', 'pid'],
  step: ['step', 'loss', 'lmLoss', 'terms', 'lr', 'tokensPerSecond', 'maxVioBatch', 'maxVioBatchMean'],
  eval: [
    'step',
    'valLoss',
    'perplexity',
    'expertLoad',
    'maxVioGlobal',
    'maxVioGlobalMean',
    'expertsUsed',
    'pes',
    'pesMin',
    'gramDeviation',
    'routingSample',
  ],
  analysis: ['step', 'dropTopExperts', 'dynamicK'],
  checkpoint: ['step', 'path'],
  end: ['step', 'status', 'reason'],
};

/**
 * Parses one line of an event log. Returns undefined for a blank line; throws an Error naming the
 * problem for a line that is not a known event (unknown types of a newer schema are skipped: undefined).
 */
export function parseEventLine(line: string): TrainerEvent | undefined {
  const event = parseJsonObjectLine(line);
  if (!event) return undefined;
  if (typeof event.v !== 'number') throw new Error('missing schema version "v"');
  if (typeof event.type !== 'string') throw new Error('missing "type"');
  // hasOwn: a type such as "constructor" or "toString" is unknown, not an Object.prototype member
  const required = Object.hasOwn(REQUIRED_FIELDS, event.type)
    ? REQUIRED_FIELDS[event.type as TrainerEventType]
    : undefined;
  if (!required) return undefined;
  const missing = required.filter((k) => !(k in event));
  if (missing.length) throw new Error(`${event.type} event lacks ${missing.join(', ')}`);
  if (event.type === 'step') checkStepCounts(event);
  if (event.type === 'end' && !END_STATUSES.includes(event.status as EndStatus)) {
    throw new Error(`end event has unknown status ${JSON.stringify(event.status)}`);
  }
  return event as unknown as TrainerEvent;
}

/** v1 steps carry expertCounts; v2 steps carry loadStats, and expertCounts when they are a counts step. */
function checkStepCounts(event: Record<string, unknown>): void {
  const v = event.v as number;
  if (v < 2 && !('expertCounts' in event)) throw new Error('step event lacks expertCounts');
  if (v >= 2 && !('loadStats' in event)) throw new Error('step event lacks loadStats (schema v2)');
  if ('expertCounts' in event && !Array.isArray(event.expertCounts))
    throw new Error('step event: expertCounts is not an array');
  const stats = event.loadStats as Record<string, unknown> | undefined;
  if (stats !== undefined) {
    const missing = LOAD_STAT_NAMES.filter((name) => !Array.isArray(stats?.[name]));
    if (missing.length) throw new Error(`step event: loadStats lacks the per-layer arrays ${missing.join(', ')}`);
  }
}

/** Files of a run folder. */
export const RUN_FILES = {
  events: 'events.jsonl',
  config: 'config.json',
  checkpoint: 'checkpoint',
  /** trainer stderr, kept for "Show Trainer Log" */
  log: 'trainer.log',
} as const;
