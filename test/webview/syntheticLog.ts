/**
 * A trainer-like event log for webview tests and the webview benchmark, used where a real trainer log
 * of the wanted length or shape is impractical (a 100,000-step run takes hours on this CPU). Values
 * follow the trainer's definitions: MaxVio = max(c)/mean(c) − 1 of the counts it reports, loss-free
 * bias b_i += u·sign(mean(c) − c_i), PES min over layers, etc. Deterministic for a given seed.
 */
import type { EvalEvent, StartEvent, StepEvent, TrainerEvent } from '../../protocol/events';
import { balancerLabel, resolveRunConfig, type BalancerMethod } from '../../protocol/runConfig';
import { maxVio } from '../../protocol/maxVio';
import { seededRandom } from '../../trainer/model/random';

export interface SyntheticLogOptions {
  steps: number;
  layers?: number;
  experts?: number;
  topK?: number;
  methods?: BalancerMethod[];
  evalEvery?: number;
  name?: string;
  seed?: number;
  /** epoch ms of the start event; each step adds msPerStep */
  startTime?: number;
  msPerStep?: number;
  /** end with an analysis event and an `end` event */
  finished?: boolean;
}

export const SNIPPET = [
  'T',
  'h',
  'e',
  ' ',
  'q',
  'u',
  'e',
  'e',
  'n',
  ' ',
  's',
  'a',
  'i',
  'd',
  ',',
  ' ',
  '"',
  'O',
  'f',
  'f',
  '!',
  '"',
];

/** The run shape of the webview bench (and the event parse bench): 4 MoE layers × 16 experts, two balancers. */
export const BENCH_SHAPE: Omit<SyntheticLogOptions, 'steps'> = {
  layers: 4,
  experts: 16,
  topK: 2,
  methods: ['loss-free', 'simbal'],
  evalEvery: 500,
  finished: true,
};

/** Yields the events of a synthetic run, one at a time (a 100k-step log need not be held in memory). */
export function* syntheticEvents(options: SyntheticLogOptions): Generator<TrainerEvent> {
  const { steps, layers = 2, experts = 8, topK = 2, evalEvery = 50, seed = 1, msPerStep = 250 } = options;
  const methods = options.methods ?? ['loss-free'];
  const random = seededRandom(seed);
  const t0 = options.startTime ?? Date.UTC(2026, 0, 1);
  const time = (step: number) => new Date(t0 + step * msPerStep).toISOString();
  const config = resolveRunConfig({
    name: options.name ?? `synthetic-${balancerLabel(methods)}`,
    model: { layers, experts, topK, dModel: 32, heads: 2, seqLen: 32, expertHidden: 64 },
    training: { steps, evalEvery, warmup: Math.min(30, steps - 1), batchSize: 4, seed },
    balancer: { methods },
  });
  const tokensPerStep = config.training.batchSize * config.model.seqLen * topK;
  const v = 1;
  const start: StartEvent = {
    v,
    type: 'start',
    time: time(0),
    step: 0,
    runName: config.name,
    config,
    backend: { name: 'wasm', reason: 'synthetic log' },
    parameters: { total: 100_000, activePerToken: 40_000, experts: 60_000, routers: 512 },
    moeLayers: Array.from({ length: layers }, (_, l) => l),
    tokenizer: { kind: 'char', vocabSize: 96 },
    data: { sources: ['synthetic'], trainTokens: 1e6, validationTokens: 5e4 },
    versions: { trainer: '0.0.0', tfjs: '4.22.0', node: process.version },
    pid: 0,
  };
  yield start;
  const lossFree = methods.includes('loss-free');
  const bias = Array.from({ length: layers }, () => new Array<number>(experts).fill(0));
  // Expert preference that fades as the balancer works: early routing collapses onto a few experts.
  const preference = Array.from({ length: layers }, () => Array.from({ length: experts }, () => random() * 3));
  const countsAt = (step: number, sample: number) =>
    preference.map((pref, l) => {
      const skew = Math.exp(-step / Math.max(1, steps / 4));
      const weights = pref.map((p, e) => Math.exp(p * skew + bias[l][e] * 50 + (random() - 0.5) * 0.3));
      const total = weights.reduce((a, b) => a + b, 0);
      return weights.map((w) => Math.round((w / total) * sample));
    });
  for (let step = 1; step <= steps; step++) {
    const progress = step / steps;
    const lmLoss = 1.6 + 3 * Math.exp(-step / Math.max(1, steps / 5)) + (random() - 0.5) * 0.1;
    const terms = {
      ...(methods.includes('aux-loss') && { auxLoss: 0.01 * (1 + 0.5 * Math.exp(-progress * 4)) }),
      ...(methods.includes('simbal') && { simbal: 0.05 * Math.exp(-progress * 3) + 0.002 }),
    };
    const counts = countsAt(step, tokensPerStep);
    const vio = counts.map(maxVio);
    if (lossFree) {
      counts.forEach((c, l) => {
        const mean = c.reduce((a, b) => a + b, 0) / experts;
        c.forEach((ci, e) => (bias[l][e] += config.balancer.biasUpdateRate * Math.sign(mean - ci)));
      });
    }
    const event: StepEvent = {
      v,
      type: 'step',
      time: time(step),
      step,
      loss: lmLoss + Object.values(terms).reduce((a, b) => a + b, 0),
      lmLoss,
      terms,
      lr: config.training.lr,
      gradNorm: 0.5 + random(),
      tokensPerSecond: ((1000 / msPerStep) * tokensPerStep) / topK,
      expertCounts: counts,
      maxVioBatch: vio,
      maxVioBatchMean: vio.reduce((a, b) => a + b, 0) / layers,
      ...(lossFree && { bias: bias.map((row) => [...row]) }),
    };
    yield event;
    if (step % evalEvery === 0 || step === steps)
      yield evalEvent(step, lmLoss + 0.05, countsAt(step, 4096), random, time(step));
  }
  if (options.finished) {
    yield {
      v,
      type: 'analysis',
      time: time(steps),
      step: steps,
      dropTopExperts: [0, 1, 2, 3].map((dropped) => ({ dropped, loss: 1.7 + dropped * dropped * 0.4 })),
      dynamicK: [0, 0.05, 0.1, 0.2].map((threshold) => ({
        threshold,
        perplexity: 5.5 + threshold * 4,
        msPerToken: 0.2 - threshold * 0.3,
        meanExpertsPerToken: topK - threshold * 4,
      })),
    };
    yield { v, type: 'checkpoint', time: time(steps), step: steps, path: 'checkpoint' };
    yield {
      v,
      type: 'end',
      time: time(steps),
      step: steps,
      status: 'completed',
      reason: 'all steps done',
      durationSeconds: (steps * msPerStep) / 1000,
    };
  }
}

function evalEvent(step: number, valLoss: number, load: number[][], random: () => number, time: string): EvalEvent {
  const layers = load.length;
  const experts = load[0].length;
  const vio = load.map(maxVio);
  const pes = load.map(() => 0.2 + random() * 0.3);
  const used = load.map((row) => row.filter((c) => c > 0).length);
  const topK = 2;
  const pick = () => {
    const first = Math.floor(random() * experts);
    const second = (first + 1 + Math.floor(random() * (experts - 1))) % experts;
    const g = 0.5 + random() * 0.4;
    return { experts: [first, second].slice(0, topK), gates: [g, 1 - g].slice(0, topK) };
  };
  const picks = Array.from({ length: layers }, () => SNIPPET.map(pick));
  return {
    v: 1,
    type: 'eval',
    time,
    step,
    valLoss,
    perplexity: Math.exp(valLoss),
    expertLoad: load,
    maxVioGlobal: vio,
    maxVioGlobalMean: vio.reduce((a, b) => a + b, 0) / layers,
    expertsUsed: used,
    pes,
    pesMin: Math.min(...pes),
    gramDeviation: 0.01,
    gramDeviationPerLayer: load.map(() => 0.01),
    routerEntropy: load.map(() => 1.5),
    seu: load.map(() => 0.6),
    routingSample: {
      tokens: SNIPPET,
      experts: picks.map((l) => l.map((p) => p.experts)),
      gates: picks.map((l) => l.map((p) => p.gates)),
    },
  };
}

export const syntheticLog = (options: SyntheticLogOptions): TrainerEvent[] => [...syntheticEvents(options)];
