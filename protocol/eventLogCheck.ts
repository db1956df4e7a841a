/**
 * Checks a whole event log against docs/events.md, line by line: each line through parseEventLine (the
 * extension's parser), then what one line cannot tell — the order of events, the shapes of layer × expert
 * arrays against the start event, and the values the log derives (MaxVio from the counts, pesMin, …).
 * Feed lines in order with `line()`, then `finish()`; each problem names the line, the field and what was
 * expected. No I/O: the validator CLI (tools/validateLog.ts) and the tests feed it.
 */
import { EVENT_SCHEMA_VERSION, parseEventLine, type StartEvent, type TrainerEvent } from './events';
import { LOAD_STAT_DIGITS, LOAD_STAT_NAMES, loadStatsOf, maxVioOfStats, type LoadStats } from './loadStats';
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
/** loadStats may be rounded to LOAD_STAT_DIGITS significant digits */
const closeRounded = (a: number, b: number) =>
  Math.abs(a - b) <= 10 ** (1 - LOAD_STAT_DIGITS) * Math.max(1e-9, Math.abs(a), Math.abs(b));
const isCount = (value: unknown) => Number.isInteger(value) && (value as number) >= 0;
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * Sizes a viewer allocates for (per layer, per expert): a log beyond them is refused line by line
 * before anything is sized from it (a 1.5 KB start event claiming 10⁷ experts must not take gigabytes).
 * Generous for real models (DeepSeek-V3: 58 MoE layers × 256 experts).
 */
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

const EVENT_TYPES = ['start', 'step', 'eval', 'analysis', 'checkpoint', 'end'];

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

export class EventLogChecker {
  readonly problems: LogProblem[] = [];
  private readonly derived: boolean;
  private readonly skipInvalid: boolean;

  constructor(options: CheckOptions = {}) {
    this.derived = options.derived ?? true;
    this.skipInvalid = options.skipInvalid ?? false;
  }

  private start?: StartEvent;
  private lastStep = -Infinity;
  private ended = false;
  private events = 0;

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
      const message = (error as Error).message;
      const version = unsupportedVersion(text);
      if (version !== undefined) this.add(lineNumber, 'v', `${KNOWN_VERSIONS}, got ${version}`);
      else this.add(lineNumber, 'line', `a JSON event object of docs/events.md (${message})`);
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
        if (typeof event.reason !== 'string')
          this.add(lineNumber, 'reason', `a string, got ${JSON.stringify(event.reason)}`);
        this.ended = true;
        break;
      case 'checkpoint':
        if (typeof event.path !== 'string') this.add(lineNumber, 'path', 'a string');
        break;
      case 'analysis':
        if (!Array.isArray(event.dropTopExperts) || !Array.isArray(event.dynamicK))
          this.add(lineNumber, 'dropTopExperts', 'a list (and dynamicK a list)');
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
    if (event.v !== 1 && event.v !== EVENT_SCHEMA_VERSION)
      this.add(n, 'v', `1 or ${EVENT_SCHEMA_VERSION}, got ${JSON.stringify(event.v)}`);
    if (typeof event.time !== 'string' || Number.isNaN(Date.parse(event.time))) {
      this.add(n, 'time', `an ISO 8601 time, got ${JSON.stringify(event.time)}`);
    }
    if (!Number.isInteger(event.step) || event.step < 0)
      this.add(n, 'step', `an integer ≥ 0, got ${JSON.stringify(event.step)}`);
    if (event.type !== 'start' && !this.start) this.add(n, 'type', `"start" before the first ${event.type} event`);
    if (this.ended && event.type !== 'start' && event.type !== 'analysis') {
      this.add(n, 'type', `"start" or "analysis" after an end event, got "${event.type}"`);
    }
  }

  private checkStart(n: number, event: StartEvent): void {
    this.ended = false;
    this.lastStep = event.step;
    if (typeof event.runName !== 'string') this.add(n, 'runName', `a string, got ${JSON.stringify(event.runName)}`);
    const model = event.config?.model;
    if (!model || !Number.isInteger(model.experts) || model.experts < 1 || model.experts > VIEW_LIMITS.experts) {
      this.add(
        n,
        'config.model.experts',
        `an integer in 1…${VIEW_LIMITS.experts}, got ${JSON.stringify(model?.experts)}`,
      );
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
    if (event.moeLayers.length > VIEW_LIMITS.layers || event.moeLayers.length * model.experts > VIEW_LIMITS.cells) {
      this.add(
        n,
        'moeLayers',
        `at most ${VIEW_LIMITS.layers} MoE layers and ${VIEW_LIMITS.cells} layer × expert cells, got ${event.moeLayers.length} × ${model.experts}`,
      );
      return;
    }
    if (typeof event.backend?.name !== 'string') this.add(n, 'backend.name', 'a string');
    if (!Number.isInteger(event.pid)) this.add(n, 'pid', 'an integer');
    if (event.countsEvery !== undefined && !(Number.isInteger(event.countsEvery) && event.countsEvery >= 1)) {
      this.add(n, 'countsEvery', `an integer ≥ 1, got ${JSON.stringify(event.countsEvery)}`);
    }
    this.start = event;
  }

  private checkStep(n: number, event: Extract<TrainerEvent, { type: 'step' }>): void {
    if (event.step <= this.lastStep)
      this.add(n, 'step', `more than the previous step ${this.lastStep}, got ${event.step}`);
    this.lastStep = Math.max(this.lastStep, event.step);
    for (const key of ['loss', 'lmLoss', 'lr', 'gradNorm', 'tokensPerSecond', 'maxVioBatchMean'] as const) {
      if (key in event && !isFiniteNumber(event[key])) this.add(n, key, 'a finite number');
    }
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
    if (event.bias !== undefined) this.matrix(n, 'bias', event.bias, isFiniteNumber);
  }

  /** Each summary is a per-layer list of finite numbers; false after reporting. */
  private checkLoadStats(n: number, stats: LoadStats): boolean {
    return LOAD_STAT_NAMES.map((name) => this.perLayer(n, `loadStats.${name}`, stats[name])).every(Boolean);
  }

  private checkEval(n: number, event: Extract<TrainerEvent, { type: 'eval' }>): void {
    if (!isFiniteNumber(event.valLoss)) this.add(n, 'valLoss', 'a finite number');
    else if (this.derived && !close(event.perplexity, Math.exp(event.valLoss)))
      this.add(n, 'perplexity', `e^valLoss = ${Math.exp(event.valLoss)}`);
    if (!this.matrix(n, 'expertLoad', event.expertLoad)) return;
    this.perLayer(n, 'maxVioGlobal', event.maxVioGlobal, event.expertLoad.map(maxVio), 'MaxVio of expertLoad');
    const used = event.expertLoad.map((row) => row.filter((c) => c > 0).length);
    this.perLayer(n, 'expertsUsed', event.expertsUsed, used, 'experts with a count > 0 in expertLoad');
    if (this.perLayer(n, 'pes', event.pes) && this.derived && !close(event.pesMin, Math.min(...event.pes))) {
      this.add(n, 'pesMin', `min(pes) = ${Math.min(...event.pes)}`);
    }
    for (const key of ['routerEntropy', 'seu', 'gramDeviationPerLayer'] as const) {
      if (key in event) this.perLayer(n, key, event[key]);
    }
    const sample = event.routingSample;
    if (!sample || !Array.isArray(sample.tokens) || !Array.isArray(sample.experts) || !Array.isArray(sample.gates)) {
      this.add(n, 'routingSample', '{tokens, experts, gates}');
    } else if (!sample.tokens.every((t) => typeof t === 'string')) {
      this.add(n, 'routingSample.tokens', 'a list of strings');
    } else if (
      !sample.experts.every(
        (layer) => Array.isArray(layer) && layer.every((picks) => Array.isArray(picks) && picks.every(isCount)),
      )
    ) {
      this.add(n, 'routingSample.experts', 'per MoE layer, per token, a list of expert indices');
    } else if (
      !sample.gates.every(
        (layer) => Array.isArray(layer) && layer.every((g) => Array.isArray(g) && g.every(isFiniteNumber)),
      )
    ) {
      this.add(n, 'routingSample.gates', 'per MoE layer, per token, a list of finite numbers');
    }
  }

  /** A layer × expert array of the start event's shape; false (after reporting) when it is not. */
  private matrix(
    n: number,
    field: string,
    value: unknown,
    cell: (v: unknown) => boolean = isCount,
  ): value is number[][] {
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
    if (derived && this.derived) {
      value.forEach((v, l) => {
        if (!close(v, derived[l])) this.add(n, `${field}[${l}]`, `${derived[l]} (${what}), got ${v}`);
      });
    }
    return true;
  }
}
