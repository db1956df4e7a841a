/** Summaries of finished runs from their event logs, and the markdown table of `npm run compare`. */
import { parseEventLine, type EndEvent, type EvalEvent, type StepEvent } from '../../protocol/events';

export interface RunSummary {
  label: string;
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
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarizeRun(label: string, eventsText: string, experts: number): RunSummary {
  const events = eventsText.split('\n').map(parseEventLine).filter((e) => e !== undefined);
  const steps = events.filter((e): e is StepEvent => e.type === 'step');
  const lastEval = events.filter((e): e is EvalEvent => e.type === 'eval').at(-1);
  const end = events.filter((e): e is EndEvent => e.type === 'end').at(-1);
  return {
    label,
    status: end?.status ?? 'no end event',
    reason: end?.reason ?? '',
    steps: steps.at(-1)?.step ?? 0,
    valLoss: lastEval?.valLoss,
    maxVioGlobal: lastEval?.maxVioGlobalMean,
    pesMin: lastEval?.pesMin,
    expertsUsed: lastEval?.expertsUsed,
    experts,
    tokensPerSecond: median(steps.slice(1).map((s) => s.tokensPerSecond)),
  };
}

const fixed = (x: number | undefined, digits: number) => (x === undefined ? '–' : x.toFixed(digits));

export function compareTable(rows: RunSummary[]): string {
  const lines = [
    '| balancer | val loss | MaxVio_global | min PES | experts used | tokens/s |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) =>
      [
        r.status === 'completed' ? r.label : `${r.label} (${r.status} at step ${r.steps})`,
        fixed(r.valLoss, 4),
        fixed(r.maxVioGlobal, 3),
        fixed(r.pesMin, 3),
        r.expertsUsed ? `${r.expertsUsed.join(', ')} of ${r.experts}` : '–',
        r.tokensPerSecond === undefined ? '–' : String(Math.round(r.tokensPerSecond)),
      ].join(' | '),
    ).map((row) => `| ${row} |`),
  ];
  return lines.join('\n') + '\n';
}
