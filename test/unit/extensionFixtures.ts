// Hand-made trainer events for the extension's unit tests (values chosen to check by hand).
import type { StartEvent, StepEvent } from '../../protocol/events';
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
