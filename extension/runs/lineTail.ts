/**
 * Incremental reader of a growing text file: each read() returns the complete lines appended since the
 * last one, with their 1-based line numbers. A line still being written (no newline yet) waits for the
 * next read; a file that shrank or was replaced is read again from the start (reset).
 * No 'vscode' import.
 */
import { open } from 'node:fs/promises';

export interface LinesRead {
  lines: { number: number; text: string }[];
  /** the file shrank: the lines are the whole file again */
  reset: boolean;
}

const NEWLINE = 0x0a;

export class LineTail {
  private offset = 0;
  private lineNumber = 0;
  /** bytes of an unfinished last line (kept as bytes so a split UTF-8 character stays whole) */
  private partial: Buffer = Buffer.alloc(0);

  constructor(readonly file: string) {}

  /** Reads what was appended since the last read; a missing file reads as nothing. */
  async read(): Promise<LinesRead> {
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], reset: false };
      throw error;
    }
    try {
      const { size } = await handle.stat();
      const reset = size < this.offset;
      if (reset) this.restart();
      if (size === this.offset) return { lines: [], reset };
      const chunk = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, this.offset);
      this.offset += bytesRead;
      return { lines: this.split(chunk.subarray(0, bytesRead)), reset };
    } finally {
      await handle.close();
    }
  }

  /** Forgets the position: the next read returns the whole file. */
  restart(): void {
    this.offset = 0;
    this.lineNumber = 0;
    this.partial = Buffer.alloc(0);
  }

  private split(chunk: Buffer): { number: number; text: string }[] {
    const data = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    const lastNewline = data.lastIndexOf(NEWLINE);
    this.partial = Buffer.from(data.subarray(lastNewline + 1));
    if (lastNewline < 0) return [];
    return data
      .subarray(0, lastNewline)
      .toString('utf8')
      .split('\n')
      .map((text) => ({ number: ++this.lineNumber, text }));
  }
}
