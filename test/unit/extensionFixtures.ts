// Hand-made trainer events for the unit tests (values chosen to check by hand): one layer of 8 experts.
import type { AnalysisEvent, CheckpointEvent, EndEvent, EvalEvent, StartEvent, StepEvent } from '../../protocol/events';
import { resolveRunConfig } from '../../protocol/runConfig';

export function startEvent(step: number, time: string, pid = 4242): StartEvent {
  const config = resolveRunConfig({
    name: 'tiny',
    training: { steps: 100, warmup: 2 },
    balancer: { methods: ['loss-free', 'simbal'] },
  });
  return {
    v: 1,
    time,
    type: 'start',
    step,
    runName: 'tiny',
    config,
    backend: { name: 'wasm', reason: 'asked for' },
    parameters: { total: 1, activePerToken: 1, experts: 1, routers: 1 },
    moeLayers: [0],
    tokenizer: { kind: 'char', vocabSize: 90 },
    data: { sources: [], trainTokens: 1, validationTokens: 1 },
    versions: { trainer: '0', tfjs: '4.22.0', node: 'v20' },
    pid,
  };
}

export function stepEvent(step: number, time: string, maxVio: number, tokensPerSecond = 1000): StepEvent {
  return {
    v: 1,
    time,
    type: 'step',
    step,
    loss: 3,
    lmLoss: 3,
    terms: {},
    lr: 1e-3,
    gradNorm: 1,
    tokensPerSecond,
    expertCounts: [[1, 1, 1, 1, 1, 1, 1, 1]],
    maxVioBatch: [maxVio],
    maxVioBatchMean: maxVio,
  };
}

export function evalEvent(step: number, time: string): EvalEvent {
  return {
    v: 1,
    time,
    type: 'eval',
    step,
    valLoss: 1,
    perplexity: Math.E,
    evalTokens: 64,
    expertLoad: [[8, 8, 8, 8, 8, 8, 8, 8]],
    maxVioGlobal: [0],
    maxVioGlobalMean: 0,
    maxVioNoiseFloor: 0.5,
    expertsUsed: [8],
    pes: [0.1],
    pesMin: 0.1,
    gramDeviation: 0,
    gramDeviationPerLayer: [0],
    routerEntropy: [1],
    seu: [1],
    routingSample: {
      tokens: ['a', 'b'],
      experts: [
        [
          [0, 1],
          [2, 3],
        ],
      ],
      gates: [
        [
          [0.5, 0.5],
          [0.7, 0.3],
        ],
      ],
    },
  };
}

export const analysisEvent = (step: number, time: string): AnalysisEvent => ({
  v: 1,
  time,
  type: 'analysis',
  step,
  dropTopExperts: [{ dropped: 0, loss: 1 }],
  dynamicK: [{ threshold: 0.1, perplexity: 3, msPerToken: 0.5, meanExpertsPerToken: 1.5 }],
});

export const checkpointEvent = (step: number, time: string): CheckpointEvent => ({
  v: 1,
  time,
  type: 'checkpoint',
  step,
  path: 'checkpoint',
});

export const endEvent = (step: number, time: string): EndEvent => ({
  v: 1,
  time,
  type: 'end',
  step,
  status: 'completed',
  reason: 'done',
  durationSeconds: 1,
});
