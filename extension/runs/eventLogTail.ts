/**
 * Incremental reader of a run's events.jsonl: each read() returns the valid events appended since the
 * last one, and one problem per line that is not a valid event (line number and what is wrong, from the
 * protocol's EventLogChecker: types, shapes against the start event, sizes within VIEW_LIMITS), so a bad
 * line is reported once and never hides the good events after it. Bounded memory (LineTail): a read
 * takes at most a budget of bytes (`more` says there is more), a too-long line is skipped and reported.
 * No 'vscode' import: unit-tested under plain node.
 */
import { EventLogChecker, type CheckerContext, type LogProblem } from '../../protocol/eventLogCheck';
import type { TrainerEvent } from '../../protocol/events';
import { FileRefusedError } from '../../nodeio/regularFile';
import { describeSkippedLine, LineTail, type LineTailMark } from './lineTail';

export interface TailRead {
  events: TrainerEvent[];
  /** lines that are not valid events: "line 12: runName: expected a string, got 3" */
  problems: string[];
  /** the file shrank or was replaced: the events are the whole log again, drop what came before */
  reset: boolean;
  /** the read stopped at its byte budget: read again for the rest */
  more?: boolean;
}

/** A viewer checks types, shapes and sizes, and skips an invalid line as if it were not there. */
const VIEWER_CHECKS = { derived: false, skipInvalid: true } as const;

const formatProblem = (p: LogProblem) => `line ${p.line}: ${p.field}: expected ${p.expected}`;

export class EventLogTail {
  private readonly lines: LineTail;
  private checker = new EventLogChecker(VIEWER_CHECKS);
  /** the file was refused (not a regular file): reported once until it changes */
  private refused?: string;

  constructor(
    readonly file: string,
    maxLineBytes?: number,
    readBudgetBytes?: number,
  ) {
    this.lines = new LineTail(file, maxLineBytes, readBudgetBytes);
  }

  /** Reads what was appended since the last read (up to the byte budget); a missing file reads as nothing. */
  async read(): Promise<TailRead> {
    let read;
    try {
      read = await this.lines.read();
    } catch (error) {
      if (!(error instanceof FileRefusedError)) throw error;
      const first = this.refused !== error.message;
      this.refused = error.message;
      return { events: [], problems: first ? [error.message] : [], reset: false };
    }
    this.refused = undefined;
    if (read.reset) this.checker = new EventLogChecker(VIEWER_CHECKS);
    const events: TrainerEvent[] = [];
    const problems: string[] = [];
    for (const line of read.lines) {
      if (!('text' in line)) {
        problems.push(`line ${line.number}: ${describeSkippedLine(line.skippedBytes)}`);
        continue;
      }
      const event = this.checker.line(line.number, line.text);
      if (event) events.push(event);
      problems.push(...this.checker.problems.splice(0).map(formatProblem));
    }
    return { events, problems, reset: read.reset, ...(read.more && { more: true }) };
  }

  /** Forgets the position: the next read returns the whole log. */
  restart(): void {
    this.lines.restart();
    this.checker = new EventLogChecker(VIEWER_CHECKS);
  }

  /** Where the tail stands after its last read, if that ended with a complete line: another tail can resume there. */
  mark(): EventLogMark | undefined {
    const lines = this.lines.mark();
    return lines && { lines, checker: this.checker.context };
  }

  /** Continues from another tail's mark when the log is still the one marked (LineTail.resume); false if not. */
  async resume(mark: EventLogMark): Promise<boolean> {
    if (!(await this.lines.resume(mark.lines))) return false;
    this.checker = new EventLogChecker(VIEWER_CHECKS, mark.checker);
    this.refused = undefined;
    return true;
  }
}

/** An EventLogTail's place in its log: the lines read and what checking the next line needs. JSON. */
export interface EventLogMark {
  lines: LineTailMark;
  checker: CheckerContext;
}

/** Reads a whole event log (finished runs, re-syncs), batch by batch; each batch is awaited, so the host stays responsive. */
export async function readEventLog(file: string, onBatch?: (read: TailRead) => void): Promise<TailRead> {
  const tail = new EventLogTail(file);
  const all: TailRead = { events: [], problems: [], reset: false };
  for (;;) {
    const read = await tail.read();
    if (onBatch) onBatch(read);
    else {
      for (const event of read.events) all.events.push(event);
      for (const problem of read.problems) all.problems.push(problem);
    }
    if (!read.more) return all;
  }
}
