/**
 * Checks a whole event log against docs/events.md, line by line: each line through parseEventLine (the
 * extension's parser), then what one line cannot tell — the order of events, the shapes of layer × expert
 * arrays against the start event, and the values the log derives (MaxVio from the counts, pesMin, …).
 * Feed lines in order with `line()`, then `finish()`; each problem names the line, the field and what was
 * expected. No I/O: the validator CLI (tools/validateLog.ts) and the tests feed it.
 */
import { EVENT_SCHEMA_VERSION, parseEventLine, type StartEvent, type TrainerEvent } from './events';
import { maxVio } from './maxVio';
import { BALANCER_METHODS } from './runConfig';

export interface LogProblem {
  /** 1-based line of events.jsonl; 0 for the file as a whole */
  line: number;
  /** JSON path of the field, e.g. "expertCounts[1]" */
  field: string;
  expected: string;
}

export function formatProblem(file: string, problem: LogProblem): string {
  return `${file}:${problem.line}: ${problem.field}: expected ${problem.expected}`;
}

const RELATIVE_TOLERANCE = 1e-6;
const close = (a: number, b: number) => Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
const isCount = (value: unknown) => Number.isInteger(value) && (value as number) >= 0;
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export class EventLogChecker {
  readonly problems: LogProblem[] = [];
  private start?: StartEvent;
  private lastStep = -Infinity;
  private ended = false;
  private events = 0;

  line(lineNumber: number, text: string): void {
    let event: TrainerEvent | undefined;
    try {
      event = parseEventLine(text);
    } catch (error) {
      const message = (error as Error).message;
      this.add(lineNumber, 'line', `a JSON event object of docs/events.md (${message})`);
      return;
    }
    if (!event) return; // blank line, or an event type of a newer schema
    this.events++;
    this.checkCommon(lineNumber, event);
    switch (event.type) {
      case 'start':
        return this.checkStart(lineNumber, event);
      case 'step':
        return this.checkStep(lineNumber, event);
      case 'eval':
        return this.checkEval(lineNumber, event);
      case 'end':
        this.ended = true;
        return;
      default:
        return;
    }
  }

  finish(): LogProblem[] {
    if (this.events === 0) this.add(0, 'events.jsonl', 'at least a start event (the log has no event)');
    return this.problems;
  }

  private add(line: number, field: string, expected: string): void {
    this.problems.push({ line, field, expected });
  }

  private checkCommon(n: number, event: TrainerEvent): void {
    if (event.v !== EVENT_SCHEMA_VERSION) this.add(n, 'v', `${EVENT_SCHEMA_VERSION}, got ${JSON.stringify(event.v)}`);
    if (typeof event.time !== 'string' || Number.isNaN(Date.parse(event.time))) {
      this.add(n, 'time', `an ISO 8601 time, got ${JSON.stringify(event.time)}`);
    }
    if (!Number.isInteger(event.step) || event.step < 0) this.add(n, 'step', `an integer ≥ 0, got ${JSON.stringify(event.step)}`);
    if (event.type !== 'start' && !this.start) this.add(n, 'type', `"start" before the first ${event.type} event`);
    if (this.ended && event.type !== 'start' && event.type !== 'analysis') {
      this.add(n, 'type', `"start" or "analysis" after an end event, got "${event.type}"`);
    }
  }

  private checkStart(n: number, event: StartEvent): void {
    this.ended = false;
    this.lastStep = event.step;
    const model = event.config?.model;
    if (!model || !Number.isInteger(model.experts) || model.experts < 1) {
      this.add(n, 'config.model.experts', 'an integer ≥ 1');
      return;
    }
    if (!Number.isInteger(model.topK) || model.topK < 1 || model.topK > model.experts) {
      this.add(n, 'config.model.topK', `an integer in 1…${model.experts}`);
    }
    if (!Number.isInteger(event.config.training?.steps)) this.add(n, 'config.training.steps', 'an integer');
    const methods = event.config.balancer?.methods;
    if (!Array.isArray(methods) || methods.some((m) => !(BALANCER_METHODS as readonly string[]).includes(m))) {
      this.add(n, 'config.balancer.methods', `a list of ${BALANCER_METHODS.join(', ')}`);
    }
    if (!Array.isArray(event.moeLayers) || event.moeLayers.length === 0 || !event.moeLayers.every(isCount)) {
      this.add(n, 'moeLayers', 'a non-empty list of block indices');
      return;
    }
    if (typeof event.backend?.name !== 'string') this.add(n, 'backend.name', 'a string');
    if (!Number.isInteger(event.pid)) this.add(n, 'pid', 'an integer');
    this.start = event;
  }

  private checkStep(n: number, event: Extract<TrainerEvent, { type: 'step' }>): void {
    if (event.step <= this.lastStep) this.add(n, 'step', `more than the previous step ${this.lastStep}, got ${event.step}`);
    this.lastStep = Math.max(this.lastStep, event.step);
    for (const key of ['loss', 'lmLoss', 'lr', 'gradNorm', 'tokensPerSecond', 'maxVioBatchMean'] as const) {
      if (key in event && !isFiniteNumber(event[key])) this.add(n, key, 'a finite number');
    }
    if (!this.matrix(n, 'expertCounts', event.expertCounts)) return;
    this.perLayer(n, 'maxVioBatch', event.maxVioBatch, event.expertCounts.map(maxVio), 'MaxVio of expertCounts');
    if (event.bias !== undefined) this.matrix(n, 'bias', event.bias, isFiniteNumber);
  }

  private checkEval(n: number, event: Extract<TrainerEvent, { type: 'eval' }>): void {
    if (!isFiniteNumber(event.valLoss)) this.add(n, 'valLoss', 'a finite number');
    else if (!close(event.perplexity, Math.exp(event.valLoss))) this.add(n, 'perplexity', `e^valLoss = ${Math.exp(event.valLoss)}`);
    if (!this.matrix(n, 'expertLoad', event.expertLoad)) return;
    this.perLayer(n, 'maxVioGlobal', event.maxVioGlobal, event.expertLoad.map(maxVio), 'MaxVio of expertLoad');
    const used = event.expertLoad.map((row) => row.filter((c) => c > 0).length);
    this.perLayer(n, 'expertsUsed', event.expertsUsed, used, 'experts with a count > 0 in expertLoad');
    if (this.perLayer(n, 'pes', event.pes) && !close(event.pesMin, Math.min(...event.pes))) {
      this.add(n, 'pesMin', `min(pes) = ${Math.min(...event.pes)}`);
    }
    for (const key of ['routerEntropy', 'seu', 'gramDeviationPerLayer'] as const) {
      if (key in event) this.perLayer(n, key, event[key]);
    }
    const sample = event.routingSample;
    if (!sample || !Array.isArray(sample.tokens) || !Array.isArray(sample.experts) || !Array.isArray(sample.gates)) {
      this.add(n, 'routingSample', '{tokens, experts, gates}');
    }
  }

  /** A layer × expert array of the start event's shape; false (after reporting) when it is not. */
  private matrix(n: number, field: string, value: unknown, cell: (v: unknown) => boolean = isCount): value is number[][] {
    if (!this.start) return false;
    const layers = this.start.moeLayers.length;
    const experts = this.start.config.model.experts;
    if (!Array.isArray(value) || value.length !== layers) {
      this.add(n, field, `${layers} rows, one per MoE layer (start.moeLayers)`);
      return false;
    }
    let ok = true;
    value.forEach((row, l) => {
      if (!Array.isArray(row) || row.length !== experts) {
        this.add(n, `${field}[${l}]`, `${experts} entries, one per expert (config.model.experts)`);
        ok = false;
      } else if (!row.every(cell)) {
        this.add(n, `${field}[${l}]`, cell === isCount ? 'counts: integers ≥ 0' : 'finite numbers');
        ok = false;
      }
    });
    return ok;
  }

  /** A per-layer list of finite numbers, equal to `derived` when given; false after reporting. */
  private perLayer(n: number, field: string, value: unknown, derived?: number[], what?: string): boolean {
    const layers = this.start?.moeLayers.length ?? 0;
    if (!Array.isArray(value) || value.length !== layers || !value.every(isFiniteNumber)) {
      this.add(n, field, `${layers} finite numbers, one per MoE layer`);
      return false;
    }
    if (derived) {
      value.forEach((v, l) => {
        if (!close(v, derived[l])) this.add(n, `${field}[${l}]`, `${derived[l]} (${what}), got ${v}`);
      });
    }
    return true;
  }
}
