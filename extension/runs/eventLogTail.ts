/**
 * Incremental reader of a run's events.jsonl: each read() returns the events appended since the
 * last one. A line the trainer is still writing (no newline yet) is kept for the next read.
 * No 'vscode' import: unit-tested under plain node.
 */
import { open } from 'node:fs/promises';
import { parseEventLine, type TrainerEvent } from '../../protocol/events';

export interface TailRead {
  events: TrainerEvent[];
  /** lines that are not events: "line 12: not JSON: …" */
  problems: string[];
  /** the file shrank or was replaced: the events are the whole log again, drop what came before */
  reset: boolean;
}

const NEWLINE = 0x0a;

export class EventLogTail {
  private offset = 0;
  private lineNumber = 0;
  /** bytes of an unfinished last line (kept as bytes so a split UTF-8 character stays whole) */
  private partial: Buffer = Buffer.alloc(0);

  constructor(readonly file: string) {}

  /** Reads what was appended since the last read; a missing file reads as nothing. */
  async read(): Promise<TailRead> {
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], problems: [], reset: false };
      throw error;
    }
    try {
      const { size } = await handle.stat();
      const reset = size < this.offset;
      if (reset) this.restart();
      if (size === this.offset) return { events: [], problems: [], reset };
      const chunk = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, this.offset);
      this.offset += bytesRead;
      return { ...this.parse(chunk.subarray(0, bytesRead)), reset };
    } finally {
      await handle.close();
    }
  }

  /** Forgets the position: the next read returns the whole log. */
  restart(): void {
    this.offset = 0;
    this.lineNumber = 0;
    this.partial = Buffer.alloc(0);
  }

  private parse(chunk: Buffer): { events: TrainerEvent[]; problems: string[] } {
    const data = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    const lastNewline = data.lastIndexOf(NEWLINE);
    this.partial = Buffer.from(data.subarray(lastNewline + 1));
    const events: TrainerEvent[] = [];
    const problems: string[] = [];
    if (lastNewline < 0) return { events, problems };
    for (const line of data.subarray(0, lastNewline).toString('utf8').split('\n')) {
      this.lineNumber++;
      try {
        const event = parseEventLine(line);
        if (event) events.push(event);
      } catch (error) {
        problems.push(`line ${this.lineNumber}: ${(error as Error).message}`);
      }
    }
    return { events, problems };
  }
}

/** Reads a whole event log at once (finished runs, re-syncs). */
export async function readEventLog(file: string): Promise<TailRead> {
  return new EventLogTail(file).read();
}
