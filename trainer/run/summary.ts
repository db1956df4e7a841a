/** Summaries of finished runs from their event logs, for `npm run compare` (trainer/bench/compareStats.ts). */
import { parseEventLine, type EndEvent, type EvalEvent, type StartEvent, type StepEvent } from '../../protocol/events';

/** The figures of one finished run that `npm run compare` tabulates. */
export interface CompareRunFigures {
  label: string;
  /** config.training.seed of the run's first start event */
  seed?: number;
  status: EndEvent['status'] | 'no end event';
  reason: string;
  steps: number;
  valLoss?: number;
  maxVioGlobal?: number;
  pesMin?: number;
  /** experts used per MoE layer at the last eval, and of how many */
  expertsUsed?: number[];
  experts: number;
  /** median over steps after the first (which includes warm-up of kernels) */
  tokensPerSecond?: number;
  /** val loss at every eval */
  evalCurve: { step: number; valLoss: number }[];
  /** tokens of the last eval and the MaxVio of uniform routing at that size */
  evalTokens?: number;
  maxVioNoiseFloor?: number;
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarizeRun(label: string, eventsText: string, experts: number): CompareRunFigures {
  const events = eventsText
    .split('\n')
    .map(parseEventLine)
    .filter((e) => e !== undefined);
  const steps = events.filter((e): e is StepEvent => e.type === 'step');
  const evals = events.filter((e): e is EvalEvent => e.type === 'eval');
  const lastEval = evals.at(-1);
  const start = events.find((e): e is StartEvent => e.type === 'start');
  const end = events.filter((e): e is EndEvent => e.type === 'end').at(-1);
  return {
    label,
    seed: start?.config.training.seed,
    status: end?.status ?? 'no end event',
    reason: end?.reason ?? '',
    steps: steps.at(-1)?.step ?? 0,
    valLoss: lastEval?.valLoss,
    maxVioGlobal: lastEval?.maxVioGlobalMean,
    pesMin: lastEval?.pesMin,
    expertsUsed: lastEval?.expertsUsed,
    experts,
    tokensPerSecond: median(steps.slice(1).map((s) => s.tokensPerSecond)),
    evalCurve: evals.map((e) => ({ step: e.step, valLoss: e.valLoss })),
    evalTokens: lastEval?.evalTokens,
    maxVioNoiseFloor: lastEval?.maxVioNoiseFloor,
  };
}
