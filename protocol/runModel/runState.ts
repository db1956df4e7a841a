/**
 * The one run model: what a run's trainer events (protocol/events.ts) say about the run, reduced
 * event by event with bounded memory. Two sizes of the same state, reduced by the same `applyEvent`:
 * - `RunSummary`: status, step, pace and pid; cheap, the extension host keeps one for every run
 *   (status bar, Runs tree, CodeLens);
 * - `RunState`: the summary plus every curve, load history and routing sample; built only for runs a
 *   view shows (the host's RunFeed) and kept current in the webview from live appends. Plain data, so
 *   the host can post it.
 *
 * The reducer is idempotent for replays: events that are not newer than what the state holds are
 * skipped, so a snapshot racing with live appends never duplicates points. A `start` event at an
 * earlier step (a resumed run) rewinds the curves to that step.
 */
import {
  gpuAdapterLabel,
  TERM_NAMES,
  type AnalysisEvent,
  type EndStatus,
  type EvalEvent,
  type RoutingSample,
  type StartEvent,
  type StepEvent,
  type TermName,
  type TrainerEvent,
} from '../events';
import { loadStatsOf } from '../loadStats';
import { balancerLabel } from '../runConfig';
import {
  appendLayerStats,
  createLayerStatHistory,
  layerStatValues,
  truncateLayerStatsAfter,
  type LayerStatHistory,
} from './layerStats';
import { seedGroupKey, type SeedGroupKey } from './seedSpread';
import { appendLoad, createLoadHistory, truncateLoadAfter, type LoadHistory } from './load';
import { appendPoint, createSeries, DEFAULT_SERIES_CAPACITY, truncateAfter, type Series } from './series';

// the term names are defined with the step event (events.ts); re-exported for the views
export { TERM_NAMES, type TermName };

/** Total points kept by the per-expert bias curves together; each gets a share (≤ the default capacity). */
const BIAS_POINT_BUDGET = 40_000;
/**
 * Bias curves are kept per expert only up to this many layer × expert curves (a 64 × 512 model would
 * need 32,768 curves); wider models keep the latest bias only.
 */
const MAX_BIAS_CURVES = 4096;
/** Points kept by each kind of per-layer curve (MaxVio, PES, experts used) across its layers. */
const PER_LAYER_POINT_BUDGET = 32_000;
/** Step events kept for the recent pace (tokens/s and ETA while running). */
export const PACE_WINDOW = 32;

/** One step event as the pace needs it. */
export interface PacePoint {
  step: number;
  /** epoch ms the event was written */
  t: number;
  /** the trainer's tokens/s of that step (batch tokens / wall time of the step) */
  tokensPerSecond: number;
}

export interface RunSummary {
  /** '' until a start event */
  runName: string;
  /** e.g. "loss-free+simbal" (balancerLabel); '' until a start event */
  balancer: string;
  /** backend of the latest start event, e.g. "wasm" */
  backend: string;
  /** why the trainer chose that backend, and its WebGPU adapter (gpuAdapterLabel), on webgpu only */
  backendReason?: string;
  adapter?: string;
  totalSteps: number;
  /** trainer pid of the latest start event */
  pid?: number;
  /** process start time and run token of the latest start event: the trainer's identity for Stop */
  pidStartTime?: string;
  runToken?: string;
  /** the host the latest start event names (writers other than MoE Lens's trainer) */
  host?: string;
  /** time of the first start event (ISO 8601): when the run started */
  startedAt?: string;
  /** time of the latest start event applied (a replayed start is skipped) */
  startTime?: string;
  /** the step the latest session started from */
  startStep: number;
  /** last step reached: the latest step event's, the start step before any, 0 before a start */
  step: number;
  /** last eval step applied (−1 before any) */
  lastEvalStep: number;
  /** a start event came after the last end: a session still going, or cut off */
  open: boolean;
  /** the end event of the latest session, once it ended */
  status?: EndStatus;
  endReason?: string;
  lastValLoss?: number;
  lastMaxVioGlobal?: number;
  lastMaxVioBatch?: number;
  /** the latest step events of this session, at most PACE_WINDOW (see pace.ts) */
  recentSteps: PacePoint[];
  /** over every step event of the run: how many, and the sum of 1/tokensPerSecond (for the run's average) */
  timedSteps: number;
  secondsPerTokenSum: number;
}

export interface RunState extends RunSummary {
  experts: number;
  topK: number;
  /** MoE layers */
  layers: number;
  /** block index of each MoE layer */
  moeLayers: number[];
  /** evaluations come every this many steps (the start event's config); 0 before the start */
  evalEvery: number;
  /** the run's config without name and seed, and its seed: compare groups runs of one config by seed */
  seedGroup?: SeedGroupKey;
  /** when each step ended: x = step, y = epoch ms (the charts' time axes) */
  stepTimes: Series;
  loss: Series;
  lmLoss: Series;
  valLoss: Series;
  terms: Partial<Record<TermName, Series>>;
  maxVioBatch: Series[];
  maxVioBatchMean: Series;
  maxVioGlobal: Series[];
  maxVioGlobalMean: Series;
  /** expected MaxVio of uniform random routing on the eval sample (absent in older logs) */
  maxVioNoiseFloor: Series;
  pes: Series[];
  pesMin: Series;
  expertsUsed: Series[];
  expertsUsedMean: Series;
  /** loss-free only: [layer][expert] */
  bias: Series[][];
  lastBias?: number[][];
  load: LoadHistory;
  /** per-layer load summaries over every step (layer × step heatmap) */
  layerStats: LayerStatHistory;
  /** steps between full count matrices (start.countsEvery; 1 = every step) */
  countsEvery: number;
  routing?: { step: number; sample: RoutingSample };
  analysis?: Pick<AnalysisEvent, 'step' | 'dropTopExperts' | 'dynamicK'>;
  lastCheckpoint?: { step: number; path: string };
}

export function createRunSummary(): RunSummary {
  return {
    runName: '',
    balancer: '',
    backend: '',
    totalSteps: 0,
    startStep: 0,
    step: 0,
    lastEvalStep: -1,
    open: false,
    recentSteps: [],
    timedSteps: 0,
    secondsPerTokenSum: 0,
  };
}

export function createRunState(): RunState {
  return {
    ...createRunSummary(),
    experts: 0,
    topK: 0,
    layers: 0,
    moeLayers: [],
    evalEvery: 0,
    stepTimes: createSeries(),
    loss: createSeries(),
    lmLoss: createSeries(),
    valLoss: createSeries(),
    terms: {},
    maxVioBatch: [],
    maxVioBatchMean: createSeries(),
    maxVioGlobal: [],
    maxVioGlobalMean: createSeries(),
    maxVioNoiseFloor: createSeries(),
    pes: [],
    pesMin: createSeries(),
    expertsUsed: [],
    expertsUsedMean: createSeries(),
    bias: [],
    load: createLoadHistory(0, 0),
    layerStats: createLayerStatHistory(0),
    countsEvery: 1,
  };
}

/** A full RunState (curves), as opposed to a bare summary. */
const hasCurves = (state: RunSummary): state is RunState => 'loss' in state;

/**
 * Applies one event to a summary or a full state (then its curves too). Returns false when it was
 * skipped as not newer than the state.
 */
export function applyEvent(state: RunSummary, event: TrainerEvent): boolean {
  const curves = hasCurves(state) ? state : undefined;
  switch (event.type) {
    case 'start': {
      if (event.time === state.startTime) return false;
      if (curves) startCurves(curves, event);
      state.startTime = event.time;
      state.startedAt ??= event.time;
      state.runName = event.runName;
      state.balancer = balancerLabel(event.config.balancer.methods);
      state.backend = event.backend.name;
      state.backendReason = event.backend.reason;
      state.adapter = event.backend.adapter && gpuAdapterLabel(event.backend.adapter);
      state.totalSteps = event.config.training.steps;
      state.pid = event.pid;
      state.host = event.host;
      state.pidStartTime = typeof event.processStartTime === 'string' ? event.processStartTime : undefined;
      state.runToken = typeof event.runToken === 'string' ? event.runToken : undefined;
      state.startStep = event.step;
      state.step = event.step;
      state.lastEvalStep = Math.min(state.lastEvalStep, event.step);
      state.open = true;
      state.status = undefined;
      state.endReason = undefined;
      state.recentSteps = [];
      return true;
    }
    case 'step': {
      if (event.step <= state.step) return false;
      state.step = event.step;
      state.lastMaxVioBatch = event.maxVioBatchMean;
      state.recentSteps.push({ step: event.step, t: Date.parse(event.time), tokensPerSecond: event.tokensPerSecond });
      if (state.recentSteps.length > PACE_WINDOW) state.recentSteps.shift();
      if (event.tokensPerSecond > 0) {
        state.timedSteps += 1;
        state.secondsPerTokenSum += 1 / event.tokensPerSecond;
      }
      if (curves) appendStep(curves, event);
      return true;
    }
    case 'eval': {
      if (event.step <= state.lastEvalStep) return false;
      state.lastEvalStep = event.step;
      state.step = Math.max(state.step, event.step);
      state.lastValLoss = event.valLoss;
      state.lastMaxVioGlobal = event.maxVioGlobalMean;
      if (curves) appendEval(curves, event);
      return true;
    }
    case 'analysis':
      if (curves)
        curves.analysis = { step: event.step, dropTopExperts: event.dropTopExperts, dynamicK: event.dynamicK };
      return true;
    case 'checkpoint':
      if (curves) curves.lastCheckpoint = { step: event.step, path: event.path };
      return true;
    case 'end':
      state.step = Math.max(state.step, event.step);
      state.open = false;
      state.status = event.status;
      state.endReason = event.reason;
      return true;
  }
}

/** Applies events in order; returns the state (a new full RunState unless one is given). */
export function reduceEvents(events: readonly TrainerEvent[]): RunState;
export function reduceEvents<S extends RunSummary>(events: readonly TrainerEvent[], state: S): S;
export function reduceEvents(events: readonly TrainerEvent[], state: RunSummary = createRunState()): RunSummary {
  for (const event of events) applyEvent(state, event);
  return state;
}

/** Sizes the per-layer and per-expert structures once the model's shape is known. */
function ensureShape(state: RunState, layers: number, experts: number): void {
  if (state.layers === layers && state.experts === experts && state.maxVioBatch.length === layers) return;
  state.layers = layers;
  state.experts = experts;
  const perLayerCapacity = Math.max(
    64,
    Math.min(DEFAULT_SERIES_CAPACITY, Math.floor(PER_LAYER_POINT_BUDGET / Math.max(1, layers))),
  );
  const perLayer = () => Array.from({ length: layers }, () => createSeries(perLayerCapacity));
  state.maxVioBatch = perLayer();
  state.maxVioGlobal = perLayer();
  state.pes = perLayer();
  state.expertsUsed = perLayer();
  const biasCapacity = Math.max(
    64,
    Math.min(DEFAULT_SERIES_CAPACITY, Math.floor(BIAS_POINT_BUDGET / Math.max(1, layers * experts))),
  );
  const keepBias = layers * experts <= MAX_BIAS_CURVES;
  state.bias = keepBias
    ? Array.from({ length: layers }, () => Array.from({ length: experts }, () => createSeries(biasCapacity)))
    : [];
  state.load = createLoadHistory(layers, experts);
  state.layerStats = createLayerStatHistory(layers);
}

const allSeries = (state: RunState): Series[] => [
  state.stepTimes,
  state.loss,
  state.lmLoss,
  state.valLoss,
  ...Object.values(state.terms),
  ...state.maxVioBatch,
  state.maxVioBatchMean,
  ...state.maxVioGlobal,
  state.maxVioGlobalMean,
  state.maxVioNoiseFloor,
  ...state.pes,
  state.pesMin,
  ...state.expertsUsed,
  state.expertsUsedMean,
  ...state.bias.flat(),
];

/** A start event, before the summary takes its step: shapes the curves, and rewinds them on a resume. */
function startCurves(state: RunState, event: StartEvent): void {
  state.topK = event.config.model.topK;
  state.evalEvery = event.config.training.evalEvery;
  state.seedGroup = seedGroupKey(event.config);
  state.moeLayers = [...event.moeLayers];
  state.countsEvery = Math.max(1, event.countsEvery ?? 1);
  ensureShape(state, event.moeLayers.length, event.config.model.experts);
  if (event.step <= state.step) {
    for (const series of allSeries(state)) truncateAfter(series, event.step);
    truncateLoadAfter(state.load, event.step);
    truncateLayerStatsAfter(state.layerStats, event.step);
    state.analysis = undefined;
  }
}

function appendStep(state: RunState, event: StepEvent): void {
  const stats = event.loadStats ?? (event.expertCounts && loadStatsOf(event.expertCounts));
  ensureShape(state, stats?.mean.length ?? event.maxVioBatch.length, event.expertCounts?.[0]?.length ?? state.experts);
  const x = event.step;
  appendPoint(state.stepTimes, x, Date.parse(event.time));
  appendPoint(state.loss, x, event.loss);
  appendPoint(state.lmLoss, x, event.lmLoss);
  for (const name of TERM_NAMES) {
    const value = event.terms[name];
    if (value === undefined) continue;
    appendPoint((state.terms[name] ??= createSeries()), x, value);
  }
  event.maxVioBatch.forEach((v, l) => appendPoint(state.maxVioBatch[l], x, v));
  appendPoint(state.maxVioBatchMean, x, event.maxVioBatchMean);
  if (event.bias) {
    const curves = state.bias;
    if (curves.length) event.bias.forEach((row, l) => row.forEach((b, e) => appendPoint(curves[l][e], x, b)));
    state.lastBias = event.bias.map((row) => [...row]);
  }
  if (event.expertCounts) appendLoad(state.load, x, event.expertCounts);
  if (stats) appendLayerStats(state.layerStats, x, layerStatValues(stats, event.maxVioBatch));
}

function appendEval(state: RunState, event: EvalEvent): void {
  ensureShape(state, event.expertLoad.length, event.expertLoad[0]?.length ?? 0);
  const x = event.step;
  appendPoint(state.valLoss, x, event.valLoss);
  event.maxVioGlobal.forEach((v, l) => appendPoint(state.maxVioGlobal[l], x, v));
  appendPoint(state.maxVioGlobalMean, x, event.maxVioGlobalMean);
  if (event.maxVioNoiseFloor !== undefined) appendPoint(state.maxVioNoiseFloor, x, event.maxVioNoiseFloor);
  event.pes.forEach((v, l) => appendPoint(state.pes[l], x, v));
  appendPoint(state.pesMin, x, event.pesMin);
  event.expertsUsed.forEach((v, l) => appendPoint(state.expertsUsed[l], x, v));
  const used = event.expertsUsed;
  if (used.length) appendPoint(state.expertsUsedMean, x, used.reduce((a, b) => a + b, 0) / used.length);
  state.routing = { step: event.step, sample: event.routingSample };
}
