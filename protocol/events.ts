/**
 * The trainer event log: a public protocol (docs/events.md). JSON Lines, one event a line, written to
 * `<run>/events.jsonl` (flushed line by line) and to stdout. Other trainers may write it too.
 *
 * Layer-indexed arrays are indexed by MoE layer (0 … moeLayers.length − 1), not by block;
 * `start.moeLayers` maps them to block indices. Expert-indexed arrays have `experts` entries.
 */
import {
  BOOLEAN,
  COUNT,
  integer,
  listOf,
  NUMBER,
  objectOf,
  mayOverflow,
  oneOf,
  optional,
  shapeCheck,
  STRING,
  typedObject,
  versioned,
  type FieldMismatch,
  type JsonFields,
  type JsonOf,
  type ListField,
} from './jsonShape';
import { parseJsonObjectLine } from './jsonLine';
import { LOAD_STAT_NAMES, type LoadStatName } from './loadStats';
import { BALANCER_METHODS, type RunConfig } from './runConfig';

/** 2 added the compact form (`loadStats` on every step, `expertCounts` every `countsEvery` steps); v1 logs are still read. */
export const EVENT_SCHEMA_VERSION = 2;

const TOKENIZERS = ['char', 'bpe'] as const;

/** Fields of every event; the event's `type` comes first. */
function eventShape<const T extends string, const S extends JsonFields>(type: T, fields: S) {
  return objectOf({
    type: oneOf([type]),
    /** schema version, EVENT_SCHEMA_VERSION */
    v: integer(1),
    /** ISO 8601 time the event was written */
    time: STRING,
    ...fields,
  });
}

/** A WebGPU adapter as Dawn describes it (GPUAdapterInfo); `software` when it runs on the CPU (lavapipe, SwiftShader). */
const GPU_ADAPTER = objectOf({
  vendor: STRING,
  architecture: STRING,
  device: STRING,
  description: STRING,
  software: BOOLEAN,
});
export type GpuAdapter = JsonOf<typeof GPU_ADAPTER>;

/** "llvmpipe: Mesa 25.0.7 … (mesa, software)": an adapter in one line, for messages and headers. */
export function gpuAdapterLabel(adapter: GpuAdapter): string {
  const kind = [adapter.vendor, adapter.architecture].filter(Boolean).join(', ');
  return `${adapter.description || adapter.device || 'unnamed adapter'}${kind ? ` (${kind})` : ''}`;
}

const START = eventShape('start', {
  /** the step training starts from: 0, or the checkpoint's step when resumed */
  step: COUNT,
  runName: STRING,
  /** the resolved config; the fields a viewer reads are checked */
  config: typedObject<RunConfig>()({
    model: objectOf({ experts: integer(1), topK: integer(1) }),
    training: objectOf({ steps: COUNT, evalEvery: COUNT }),
    balancer: objectOf({ methods: listOf(oneOf(BALANCER_METHODS)) }),
  }),
  /**
   * the backend in use, and why it was chosen (e.g. "auto: @tensorflow/tfjs-node-gpu not installed");
   * `adapter`: the WebGPU adapter, on the `webgpu` backend only
   */
  backend: objectOf({ name: STRING, reason: STRING, adapter: optional(GPU_ADAPTER) }),
  parameters: objectOf({
    total: NUMBER,
    /** parameters a token passes through: non-expert + topK experts per MoE layer */
    activePerToken: NUMBER,
    experts: NUMBER,
    routers: NUMBER,
  }),
  /** block index of each MoE layer */
  moeLayers: listOf(COUNT),
  tokenizer: objectOf({ kind: oneOf(TOKENIZERS), vocabSize: NUMBER }),
  data: objectOf({ sources: listOf(STRING), trainTokens: NUMBER, validationTokens: NUMBER }),
  versions: objectOf({ trainer: STRING, tfjs: STRING, node: STRING }),
  /** pid of the trainer process, so a viewer can tell a live run from an interrupted one */
  pid: COUNT,
  /**
   * the trainer's process start time (Linux: field 22 of /proc/<pid>/stat), so a viewer can tell the
   * trainer from a later process that reuses its pid
   */
  processStartTime: optional(STRING),
  /** a per-run token the launcher put in the trainer's environment (MOE_LENS_RUN_TOKEN): what Stop checks */
  runToken: optional(STRING),
  /** the machine the writer runs on (other writers than MoE Lens's trainer): a viewer elsewhere cannot check the pid */
  host: optional(STRING),
  resumedFrom: optional(STRING),
  /** changes the trainer made to the config for its command line, in words (e.g. a warmup scaled to a short --steps) */
  notes: optional(listOf(STRING)),
  /** v2: step events carry `expertCounts` (and `bias`) every `countsEvery` steps and at the last step; 1 or absent: every step */
  countsEvery: optional(integer(1)),
});

/** Active balancer terms, each summed over MoE layers; present only for active terms. */
const BALANCER_TERMS = objectOf({
  auxLoss: optional(NUMBER),
  /** aux loss with f_i over the last balancer.globalWindow steps' batches (Qiu et al. 2025) */
  globalAuxLoss: optional(NUMBER),
  /** DeepSeek-V3 sequence-wise aux loss */
  seqAuxLoss: optional(NUMBER),
  simbal: optional(NUMBER),
  zLoss: optional(NUMBER),
});
export type BalancerTerms = JsonOf<typeof BALANCER_TERMS>;
export type TermName = keyof BalancerTerms;
/** The balancer terms a step event may carry, in the order of BalancerTerms. */
export const TERM_NAMES = Object.keys(BALANCER_TERMS.fields) as readonly TermName[];

/** per MoE layer, per expert */
const LAYER_BY_EXPERT_COUNTS = listOf(listOf(COUNT));

const STEP = eventShape('step', {
  step: COUNT,
  /** total loss = lmLoss + all balancer terms */
  loss: NUMBER,
  lmLoss: NUMBER,
  terms: BALANCER_TERMS,
  lr: NUMBER,
  gradNorm: NUMBER,
  tokensPerSecond: NUMBER,
  /**
   * c[i] per MoE layer: how many of the batch's T·K assignments went to each expert. Every step in v1;
   * in v2 every `start.countsEvery` steps (compact form), absent on the others.
   */
  expertCounts: versioned(LAYER_BY_EXPERT_COUNTS, { before: 2 }),
  /** v2, every step: per-layer summaries of the counts (min, max, mean, CV, dead fraction) */
  loadStats: versioned(
    objectOf(Object.fromEntries(LOAD_STAT_NAMES.map((name) => [name, listOf(NUMBER)])) as LoadStatsFields),
    { from: 2 },
  ),
  /** MaxVio of this batch per MoE layer, and its mean over layers */
  maxVioBatch: listOf(NUMBER),
  maxVioBatchMean: NUMBER,
  /** loss-free only: b_i per MoE layer, after this step's update (only with `expertCounts` in the compact form) */
  bias: optional(listOf(listOf(NUMBER))),
});
type LoadStatsFields = Record<LoadStatName, ListField<typeof NUMBER>>;

const ROUTING_SAMPLE = objectOf({
  /** decoded text of each token of the fixed validation snippet */
  tokens: listOf(STRING),
  /** per MoE layer, per token: picked experts (descending gate) and their gates */
  experts: listOf(listOf(listOf(COUNT))),
  gates: listOf(listOf(listOf(NUMBER))),
});
export type RoutingSample = JsonOf<typeof ROUTING_SAMPLE>;

const EVAL = eventShape('eval', {
  step: COUNT,
  valLoss: NUMBER,
  /** e^valLoss; may overflow a double (a diverging run): null in JSON, Infinity when read */
  perplexity: mayOverflow(NUMBER),
  /** tokens of the fixed validation sample that valLoss and the loads are counted on (absent before v0.2 logs) */
  evalTokens: optional(COUNT),
  /** c[i] per MoE layer over the whole eval sample */
  expertLoad: LAYER_BY_EXPERT_COUNTS,
  maxVioGlobal: listOf(NUMBER),
  maxVioGlobalMean: NUMBER,
  /**
   * expected MaxVio of ideal uniform random routing of evalTokens tokens (E experts, top-K): values
   * near it are balanced as well as this sample size can show (absent where evalTokens is)
   */
  maxVioNoiseFloor: optional(NUMBER),
  /** experts that received at least one token of the eval sample, per MoE layer */
  expertsUsed: listOf(COUNT),
  /** Pairwise Expert Similarity per MoE layer, and its minimum over layers */
  pes: listOf(NUMBER),
  pesMin: NUMBER,
  /** mean over layers of mean((RᵀR − I)²); per layer too */
  gramDeviation: NUMBER,
  gramDeviationPerLayer: listOf(NUMBER),
  /** mean per-token entropy of router scores (nats), per MoE layer */
  routerEntropy: listOf(NUMBER),
  /** mean fraction of experts used per sequence, per MoE layer */
  seu: listOf(NUMBER),
  routingSample: ROUTING_SAMPLE,
});

const ANALYSIS = eventShape('analysis', {
  step: COUNT,
  /** validation loss with each token's top-n scoring experts masked, n = 0, 1, 2, … */
  dropTopExperts: listOf(objectOf({ dropped: COUNT, loss: NUMBER })),
  /** Dynamic-K pruning: drop selected experts whose gate < threshold */
  dynamicK: listOf(
    objectOf({ threshold: NUMBER, perplexity: mayOverflow(NUMBER), msPerToken: NUMBER, meanExpertsPerToken: NUMBER }),
  ),
});

const CHECKPOINT = eventShape('checkpoint', {
  step: COUNT,
  /** folder of the checkpoint, relative to the run folder */
  path: STRING,
});

export const END_STATUSES = ['completed', 'stopped', 'failed', 'diverged'] as const;
export type EndStatus = (typeof END_STATUSES)[number];

const END = eventShape('end', {
  step: COUNT,
  status: oneOf(END_STATUSES),
  /** human-readable reason, e.g. "loss is NaN at step 12", "SIGTERM" */
  reason: STRING,
  durationSeconds: NUMBER,
});

/** Every event type's shape: the one definition of the event types below and of parseEventLine's checks. */
export const EVENT_SHAPES = {
  start: START,
  step: STEP,
  eval: EVAL,
  analysis: ANALYSIS,
  checkpoint: CHECKPOINT,
  end: END,
} as const;

export type StartEvent = JsonOf<typeof START>;
export type StepEvent = JsonOf<typeof STEP>;
export type EvalEvent = JsonOf<typeof EVAL>;
export type AnalysisEvent = JsonOf<typeof ANALYSIS>;
export type CheckpointEvent = JsonOf<typeof CHECKPOINT>;
export type EndEvent = JsonOf<typeof END>;
export type TrainerEvent = JsonOf<(typeof EVENT_SHAPES)[keyof typeof EVENT_SHAPES]>;
export type TrainerEventType = TrainerEvent['type'];
export const EVENT_TYPES = Object.keys(EVENT_SHAPES) as TrainerEventType[];

/**
 * Run statuses a viewer shows: the end statuses, plus live and dead-without-end; stale: written by a
 * process the viewer cannot check (another host, an import) that has not written for a while.
 */
export type RunStatus = EndStatus | 'running' | 'queued' | 'interrupted' | 'stale';

/** A line whose event does not fit docs/events.md: the field's JSON path, what was expected and what was found. */
export class EventFieldError extends Error {
  readonly field: string;
  readonly expected: string;
  readonly got: string;

  constructor(eventType: string | undefined, mismatch: FieldMismatch) {
    super(
      `${eventType ? `${eventType} event: ` : ''}${mismatch.path}: expected ${mismatch.expected}, got ${mismatch.got}`,
    );
    this.name = 'EventFieldError';
    ({ path: this.field, expected: this.expected, got: this.got } = mismatch);
  }
}

const checkEnvelope = shapeCheck({ v: integer(1), type: STRING });
const EVENT_CHECKS = Object.fromEntries(
  Object.entries(EVENT_SHAPES).map(([type, shape]) => [type, shapeCheck(shape.fields)]),
) as Record<TrainerEventType, ReturnType<typeof shapeCheck>>;

/**
 * Parses one line of an event log. Returns undefined for a blank line and for a type this schema does
 * not have (a newer schema may add some); throws "not JSON: …" or "expected a JSON object" for a line
 * that is not an object, and an EventFieldError naming the field for an event that does not fit its
 * shape (EVENT_SHAPES, at the event's schema version `v`).
 */
export function parseEventLine(line: string): TrainerEvent | undefined {
  const event = parseJsonObjectLine(line);
  if (!event) return undefined;
  const envelope = checkEnvelope(event, 0);
  if (envelope) throw new EventFieldError(undefined, envelope);
  // hasOwn: a type such as "constructor" or "toString" is unknown, not an Object.prototype member
  const type = event.type as string;
  if (!Object.hasOwn(EVENT_CHECKS, type)) return undefined;
  const mismatch = EVENT_CHECKS[type as TrainerEventType](event, event.v as number);
  if (mismatch) throw new EventFieldError(type, mismatch);
  return event as TrainerEvent;
}

/** Files of a run folder. */
export const RUN_FILES = {
  events: 'events.jsonl',
  config: 'config.json',
  checkpoint: 'checkpoint',
  /** trainer stderr, kept for "Show Trainer Log" */
  log: 'trainer.log',
  /**
   * One line written by whoever signals the trainer for a reason other than the user's own Stop (e.g.
   * the window closing), before the signal: the end event's reason says it instead of "by you".
   */
  stopReason: 'stop-reason.txt',
} as const;
