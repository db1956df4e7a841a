/**
 * Everything the dashboard and the routing view draw for one run, reduced from its trainer events
 * (protocol/events.ts) with bounded memory. The same reducer runs in the extension host (building a
 * snapshot from events.jsonl) and in the webview (applying live appends), and the state is plain data
 * so the host can post it.
 *
 * The reducer is idempotent for replays: events that are not newer than what the state holds are
 * skipped, so a snapshot racing with live appends never duplicates points. A `start` event at an
 * earlier step (a resumed run) rewinds the curves to that step.
 */
import type { AnalysisEvent, BalancerTerms, EndStatus, RoutingSample, TrainerEvent } from '../../protocol/events';
import { balancerLabel } from '../../protocol/runConfig';
import { appendLoad, createLoadHistory, truncateLoadAfter, type LoadHistory } from './load';
import { appendPoint, createSeries, DEFAULT_SERIES_CAPACITY, truncateAfter, type Series } from './series';

export type TermName = keyof BalancerTerms;
export const TERM_NAMES: readonly TermName[] = ['auxLoss', 'globalAuxLoss', 'seqAuxLoss', 'simbal', 'zLoss'];

/** Total points kept by the per-expert bias curves together; each gets a share (≤ the default capacity). */
const BIAS_POINT_BUDGET = 40_000;
/** Step times kept for the speed estimate behind the ETA. */
const RATE_WINDOW = 32;

export interface RunState {
  runName: string;
  balancer: string;
  backend: string;
  totalSteps: number;
  experts: number;
  topK: number;
  /** MoE layers */
  layers: number;
  /** block index of each MoE layer */
  moeLayers: number[];
  /** time of the start event last applied (a replayed start is skipped) */
  startTime?: string;
  startStep: number;
  /** last training step seen (−1 before any) */
  step: number;
  lastEvalStep: number;
  tokensPerSecond?: number;
  /** (step, epoch ms) of recent steps, for steps per second */
  recentSteps: { step: number; t: number }[];
  status?: EndStatus;
  endReason?: string;

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
  routing?: { step: number; sample: RoutingSample };
  analysis?: Pick<AnalysisEvent, 'step' | 'dropTopExperts' | 'dynamicK'>;
  lastCheckpoint?: { step: number; path: string };
}

export function createRunState(): RunState {
  return {
    runName: '',
    balancer: '',
    backend: '',
    totalSteps: 0,
    experts: 0,
    topK: 0,
    layers: 0,
    moeLayers: [],
    startStep: 0,
    step: -1,
    lastEvalStep: -1,
    recentSteps: [],
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
  };
}

/** Sizes the per-layer and per-expert structures once the model's shape is known. */
function ensureShape(state: RunState, layers: number, experts: number): void {
  if (state.layers === layers && state.experts === experts && state.maxVioBatch.length === layers) return;
  state.layers = layers;
  state.experts = experts;
  const perLayer = () => Array.from({ length: layers }, () => createSeries());
  state.maxVioBatch = perLayer();
  state.maxVioGlobal = perLayer();
  state.pes = perLayer();
  state.expertsUsed = perLayer();
  const biasCapacity = Math.max(64, Math.min(DEFAULT_SERIES_CAPACITY, Math.floor(BIAS_POINT_BUDGET / Math.max(1, layers * experts))));
  state.bias = Array.from({ length: layers }, () => Array.from({ length: experts }, () => createSeries(biasCapacity)));
  state.load = createLoadHistory(layers, experts);
}

const allSeries = (state: RunState): Series[] => [
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

/** Applies one event. Returns false when it was skipped as not newer than the state. */
export function applyEvent(state: RunState, event: TrainerEvent): boolean {
  switch (event.type) {
    case 'start': {
      if (event.time === state.startTime) return false;
      state.startTime = event.time;
      state.runName = event.runName;
      state.balancer = balancerLabel(event.config.balancer.methods);
      state.backend = event.backend.name;
      state.totalSteps = event.config.training.steps;
      state.topK = event.config.model.topK;
      state.moeLayers = [...event.moeLayers];
      ensureShape(state, event.moeLayers.length, event.config.model.experts);
      if (event.step <= state.step) rewind(state, event.step);
      state.startStep = event.step;
      state.status = undefined;
      state.endReason = undefined;
      state.recentSteps = [];
      return true;
    }
    case 'step': {
      if (event.step <= state.step) return false;
      ensureShape(state, event.expertCounts.length, event.expertCounts[0]?.length ?? 0);
      state.step = event.step;
      state.tokensPerSecond = event.tokensPerSecond;
      state.recentSteps.push({ step: event.step, t: Date.parse(event.time) });
      if (state.recentSteps.length > RATE_WINDOW) state.recentSteps.shift();
      const x = event.step;
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
        event.bias.forEach((row, l) => row.forEach((b, e) => appendPoint(state.bias[l][e], x, b)));
        state.lastBias = event.bias.map((row) => [...row]);
      }
      appendLoad(state.load, x, event.expertCounts);
      return true;
    }
    case 'eval': {
      if (event.step <= state.lastEvalStep) return false;
      ensureShape(state, event.expertLoad.length, event.expertLoad[0]?.length ?? 0);
      state.lastEvalStep = event.step;
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
      return true;
    }
    case 'analysis':
      state.analysis = { step: event.step, dropTopExperts: event.dropTopExperts, dynamicK: event.dynamicK };
      return true;
    case 'checkpoint':
      state.lastCheckpoint = { step: event.step, path: event.path };
      return true;
    case 'end':
      state.status = event.status;
      state.endReason = event.reason;
      return true;
  }
}

function rewind(state: RunState, step: number): void {
  for (const series of allSeries(state)) truncateAfter(series, step);
  truncateLoadAfter(state.load, step);
  state.step = step;
  state.lastEvalStep = Math.min(state.lastEvalStep, step);
  state.analysis = undefined;
}

export function reduceEvents(events: readonly TrainerEvent[], state = createRunState()): RunState {
  for (const event of events) applyEvent(state, event);
  return state;
}

/** Training steps per second over the recent window, undefined with fewer than two timed steps. */
export function stepsPerSecond(state: RunState): number | undefined {
  const recent = state.recentSteps;
  if (recent.length < 2) return undefined;
  const first = recent[0];
  const last = recent[recent.length - 1];
  const seconds = (last.t - first.t) / 1000;
  return seconds > 0 ? (last.step - first.step) / seconds : undefined;
}

/** Seconds left at the recent speed; undefined when unknown or the run has ended. */
export function etaSeconds(state: RunState): number | undefined {
  if (state.status) return undefined;
  const rate = stepsPerSecond(state);
  if (!rate) return undefined;
  return Math.max(0, state.totalSteps - state.step) / rate;
}
