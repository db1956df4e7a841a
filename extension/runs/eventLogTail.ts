/**
 * Incremental reader of a run's events.jsonl: each read() returns the events appended since the
 * last one. A line the trainer is still writing (no newline yet) is kept for the next read.
 * No 'vscode' import: unit-tested under plain node.
 */
import { parseEventLine, type TrainerEvent } from '../../protocol/events';
import { LineTail } from './lineTail';

export interface TailRead {
  events: TrainerEvent[];
  /** lines that are not events: "line 12: not JSON: …" */
  problems: string[];
  /** the file shrank or was replaced: the events are the whole log again, drop what came before */
  reset: boolean;
}

export class EventLogTail {
  private readonly lines: LineTail;

  constructor(readonly file: string) {
    this.lines = new LineTail(file);
  }

  /** Reads what was appended since the last read; a missing file reads as nothing. */
  async read(): Promise<TailRead> {
    const { lines, reset } = await this.lines.read();
    const events: TrainerEvent[] = [];
    const problems: string[] = [];
    for (const line of lines) {
      try {
        const event = parseEventLine(line.text);
        if (event) events.push(event);
      } catch (error) {
        problems.push(`line ${line.number}: ${(error as Error).message}`);
      }
    }
    return { events, problems, reset };
  }

  /** Forgets the position: the next read returns the whole log. */
  restart(): void {
    this.lines.restart();
  }
}

/** Reads a whole event log at once (finished runs, re-syncs). */
export async function readEventLog(file: string): Promise<TailRead> {
  return new EventLogTail(file).read();
}
