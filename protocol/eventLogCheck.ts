/**
 * Checks a whole event log against docs/events.md, line by line: each line through parseEventLine (the
 * extension's parser, which checks each field's type from the event shapes of events.ts), then what one
 * line cannot tell — the order of events, the sizes of per-layer and layer × expert arrays against the
 * start event, and the values the log derives (MaxVio from the counts, pesMin, …).
 * Feed lines in order with `line()`, then `finish()`; each problem names the line, the field and what was
 * expected. No I/O: the validator CLI (tools/validateLog.ts) and the tests feed it.
 */
import {
  EVENT_SCHEMA_VERSION,
  EVENT_TYPES,
  EventFieldError,
  parseEventLine,
  type StartEvent,
  type TrainerEvent,
} from './events';
import { LOAD_STAT_DIGITS, LOAD_STAT_NAMES, loadStatsOf, maxVioOfStats, type LoadStats } from './loadStats';
import { maxVio } from './maxVio';

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
const close = (a: number, b: number) =>
  a === b || Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
/** loadStats may be rounded to LOAD_STAT_DIGITS significant digits */
const closeRounded = (a: number, b: number) =>
  Math.abs(a - b) <= 10 ** (1 - LOAD_STAT_DIGITS) * Math.max(1e-9, Math.abs(a), Math.abs(b));

const KNOWN_VERSIONS = Array.from({ length: EVENT_SCHEMA_VERSION }, (_, i) => i + 1).join(' or ');

/** The line's "v" as JSON when it is not a schema version this code knows; undefined when it is (or no JSON). */
function unsupportedVersion(text: string): string | undefined {
  try {
    const { v } = JSON.parse(text) as { v: unknown };
    return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= EVENT_SCHEMA_VERSION
      ? undefined
      : JSON.stringify(v);
  } catch {
    return undefined;
  }
}

/**
 * Sizes a viewer allocates for (per layer, per expert): a log beyond them is refused line by line
 * before anything is sized from it (a 1.5 KB start event claiming 10⁷ experts must not take gigabytes).
 * Generous for real models (DeepSeek-V3: 58 MoE layers × 256 experts).
 */
export const VIEW_LIMITS = { layers: 1024, experts: 4096, cells: 65_536 } as const;

export interface CheckOptions {
  /**
   * Also check the values a log derives from others (MaxVio from counts, perplexity, pesMin, …): the
   * validator does; a viewer only needs types and shapes (false).
   */
  derived?: boolean;
  /**
   * An invalid line does not count for the lines after it (its step, its end): a viewer skips it and
   * checks what follows as if it were not there. The validator (false) reports what follows from it too.
   */
  skipInvalid?: boolean;
}

/** What the checks of a line depend on from the lines before it: a later reader continues from it. */
export interface CheckerContext {
  start?: StartEvent;
  /** −Infinity before the first start event */
  lastStep: number;
  ended: boolean;
  events: number;
}

export class EventLogChecker {
  readonly problems: LogProblem[] = [];
  private readonly derived: boolean;
  private readonly skipInvalid: boolean;

  /** `from`: the context of the lines before the first one fed (a log read on from where a reader left it). */
  constructor(options: CheckOptions = {}, from?: CheckerContext) {
    this.derived = options.derived ?? true;
    this.skipInvalid = options.skipInvalid ?? false;
    if (from)
      Object.assign(this, { start: from.start, lastStep: from.lastStep, ended: from.ended, events: from.events });
  }

  private start?: StartEvent;
  private lastStep = -Infinity;
  private ended = false;
  private events = 0;

  get context(): CheckerContext {
    return { start: this.start, lastStep: this.lastStep, ended: this.ended, events: this.events };
  }

  /**
   * Checks one line; returns its event when the line is a valid event (no problem added), so a viewer
   * can apply exactly the valid events and report the rest.
   */
  line(lineNumber: number, text: string): TrainerEvent | undefined {
    const before = this.problems.length;
    const context = { start: this.start, lastStep: this.lastStep, ended: this.ended };
    const event = this.check(lineNumber, text);
    if (this.problems.length === before) return event;
    if (this.skipInvalid) Object.assign(this, context);
    return undefined;
  }

  private check(lineNumber: number, text: string): TrainerEvent | undefined {
    let event: TrainerEvent | undefined;
    try {
      event = parseEventLine(text);
    } catch (error) {
      const version = unsupportedVersion(text);
      if (version !== undefined) this.add(lineNumber, 'v', `${KNOWN_VERSIONS}, got ${version}`);
      else if (error instanceof EventFieldError)
        this.add(lineNumber, error.field, `${error.expected}, got ${error.got}`);
      else this.add(lineNumber, 'line', `a JSON event object of docs/events.md (${(error as Error).message})`);
      return;
    }
    if (!event) {
      // blank, or a type of a newer schema; of this schema, a type it does not have is an error
      if (text.trim()) this.checkUnknownType(lineNumber, text);
      return;
    }
    this.events++;
    this.checkCommon(lineNumber, event);
    switch (event.type) {
      case 'start':
        this.checkStart(lineNumber, event);
        break;
      case 'step':
        this.checkStep(lineNumber, event);
        break;
      case 'eval':
        this.checkEval(lineNumber, event);
        break;
      case 'end':
        this.ended = true;
        break;
    }
    return event;
  }

  finish(): LogProblem[] {
    if (this.events === 0) this.add(0, 'events.jsonl', 'at least a start event (the log has no event)');
    return this.problems;
  }

  private add(line: number, field: string, expected: string): void {
    this.problems.push({ line, field, expected });
  }

  private checkUnknownType(n: number, text: string): void {
    const { type } = JSON.parse(text) as { type: unknown };
    const version = unsupportedVersion(text);
    if (version === undefined) this.add(n, 'type', `one of ${EVENT_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
    else this.add(n, 'v', `${KNOWN_VERSIONS}, got ${version}`);
  }

  private checkCommon(n: number, event: TrainerEvent): void {
    if (event.v > EVENT_SCHEMA_VERSION) this.add(n, 'v', `${KNOWN_VERSIONS}, got ${event.v}`);
    if (Number.isNaN(Date.parse(event.time)))
      this.add(n, 'time', `an ISO 8601 time, got ${JSON.stringify(event.time)}`);
    if (event.type !== 'start' && !this.start) this.add(n, 'type', `"start" before the first ${event.type} event`);
    if (this.ended && event.type !== 'start' && event.type !== 'analysis') {
      this.add(n, 'type', `"start" or "analysis" after an end event, got "${event.type}"`);
    }
  }

  private checkStart(n: number, event: StartEvent): void {
    this.ended = false;
    this.lastStep = event.step;
    const model = event.config.model;
    if (model.experts > VIEW_LIMITS.experts) {
      this.add(n, 'config.model.experts', `an integer in 1…${VIEW_LIMITS.experts}, got ${model.experts}`);
      return;
    }
    if (model.topK > model.experts)
      this.add(n, 'config.model.topK', `an integer in 1…${model.experts}, got ${model.topK}`);
    if (event.moeLayers.length === 0) {
      this.add(n, 'moeLayers', 'a non-empty list of block indices');
      return;
    }
    if (event.moeLayers.length > VIEW_LIMITS.layers || event.moeLayers.length * model.experts > VIEW_LIMITS.cells) {
      this.add(
        n,
        'moeLayers',
        `at most ${VIEW_LIMITS.layers} MoE layers and ${VIEW_LIMITS.cells} layer × expert cells, got ${event.moeLayers.length} × ${model.experts}`,
      );
      return;
    }
    this.start = event;
  }

  private checkStep(n: number, event: Extract<TrainerEvent, { type: 'step' }>): void {
    if (event.step <= this.lastStep)
      this.add(n, 'step', `more than the previous step ${this.lastStep}, got ${event.step}`);
    this.lastStep = Math.max(this.lastStep, event.step);
    const countsEvery = this.start?.countsEvery ?? 1;
    if (event.expertCounts === undefined) {
      if (event.step % countsEvery === 0)
        this.add(n, 'expertCounts', `counts on every step that is a multiple of start.countsEvery (${countsEvery})`);
      if (event.loadStats && this.checkLoadStats(n, event.loadStats)) {
        const layers = event.loadStats.mean.length;
        const derived = Array.from({ length: layers }, (_, l) => maxVioOfStats(event.loadStats!, l));
        if (this.perLayer(n, 'maxVioBatch', event.maxVioBatch)) {
          event.maxVioBatch.forEach((v, l) => {
            if (!closeRounded(v, derived[l]))
              this.add(n, `maxVioBatch[${l}]`, `${derived[l]} (loadStats max/mean − 1), got ${v}`);
          });
        }
      }
      return;
    }
    if (!this.matrix(n, 'expertCounts', event.expertCounts)) return;
    this.perLayer(n, 'maxVioBatch', event.maxVioBatch, event.expertCounts.map(maxVio), 'MaxVio of expertCounts');
    if (event.loadStats && this.checkLoadStats(n, event.loadStats)) {
      const derived = loadStatsOf(event.expertCounts);
      for (const name of LOAD_STAT_NAMES) {
        event.loadStats[name].forEach((v, l) => {
          if (!closeRounded(v, derived[name][l]))
            this.add(n, `loadStats.${name}[${l}]`, `${derived[name][l]} (from expertCounts), got ${v}`);
        });
      }
    }
    if (event.bias !== undefined) this.matrix(n, 'bias', event.bias);
  }

  /** Each summary has one number per layer; false after reporting. */
  private checkLoadStats(n: number, stats: LoadStats): boolean {
    return LOAD_STAT_NAMES.map((name) => this.perLayer(n, `loadStats.${name}`, stats[name])).every(Boolean);
  }

  private checkEval(n: number, event: Extract<TrainerEvent, { type: 'eval' }>): void {
    if (this.derived && !close(event.perplexity, Math.exp(event.valLoss)))
      this.add(n, 'perplexity', `e^valLoss = ${Math.exp(event.valLoss)}`);
    if (!this.matrix(n, 'expertLoad', event.expertLoad)) return;
    this.perLayer(n, 'maxVioGlobal', event.maxVioGlobal, event.expertLoad.map(maxVio), 'MaxVio of expertLoad');
    const used = event.expertLoad.map((row) => row.filter((c) => c > 0).length);
    this.perLayer(n, 'expertsUsed', event.expertsUsed, used, 'experts with a count > 0 in expertLoad');
    if (this.perLayer(n, 'pes', event.pes) && this.derived && !close(event.pesMin, Math.min(...event.pes))) {
      this.add(n, 'pesMin', `min(pes) = ${Math.min(...event.pes)}`);
    }
    for (const key of ['routerEntropy', 'seu', 'gramDeviationPerLayer'] as const) this.perLayer(n, key, event[key]);
  }

  /**
   * A layer × expert array (its cells' types are the event shape's) of the start event's size; false
   * (after reporting) when it is not.
   */
  private matrix(n: number, field: string, value: readonly (readonly number[])[]): boolean {
    if (!this.start) return false;
    const layers = this.start.moeLayers.length;
    const experts = this.start.config.model.experts;
    if (value.length !== layers) {
      this.add(n, field, `${layers} rows, one per MoE layer (start.moeLayers)`);
      return false;
    }
    let ok = true;
    value.forEach((row, l) => {
      if (row.length !== experts) {
        this.add(n, `${field}[${l}]`, `${experts} entries, one per expert (config.model.experts)`);
        ok = false;
      }
    });
    return ok;
  }

  /** A per-layer list (its numbers' types are the event shape's), equal to `derived` when given; false after reporting. */
  private perLayer(n: number, field: string, value: readonly number[], derived?: number[], what?: string): boolean {
    const layers = this.start?.moeLayers.length ?? 0;
    if (value.length !== layers) {
      this.add(n, field, `${layers} numbers, one per MoE layer, got ${value.length}`);
      return false;
    }
    if (derived && this.derived) {
      value.forEach((v, l) => {
        if (!close(v, derived[l])) this.add(n, `${field}[${l}]`, `${derived[l]} (${what}), got ${v}`);
      });
    }
    return true;
  }
}
