/**
 * Incremental reader of a growing text file: each read() returns the complete lines appended since the
 * last one, with their 1-based line numbers. A line still being written (no newline yet) waits for the
 * next read; a file that shrank or was replaced (another inode, or other first bytes) is read again from
 * the start (reset). Bounded memory: one read() takes at most `maxBytes` of the file (then `more` is
 * set: call again), in chunks, and a line longer than the splitter's limit is returned as skipped with
 * its length, never held whole. Only a regular file is opened (a FIFO under the name is refused at once).
 * No 'vscode' import.
 */
import type { FileHandle } from 'node:fs/promises';
import { decodeLine } from '../../nodeio/logLines';
import { openRegularFile } from '../../nodeio/regularFile';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter, type LogPosition } from '../../protocol/lineSplitter';

export type TailLine = { number: number; text: string } | { number: number; skippedBytes: number };

/** A LineTail's place in its file, and that file's identity (LineTail.mark). JSON. */
export interface LineTailMark {
  /** where the next line starts */
  position: LogPosition;
  dev: number;
  ino: number;
  /** the file's first bytes, base64 */
  head: string;
}

export interface LinesRead {
  lines: TailLine[];
  /** the file shrank or was replaced: the lines are the whole file again */
  reset: boolean;
  /** the read stopped at its byte budget: more of the file is there to read now */
  more: boolean;
}

/** Bytes of the file's head compared on every read: a file rewritten in place with other content is a new log. */
const HEAD_BYTES = 64;
const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
/** Per read: about 50–100 ms of parsing and checking, so the host's event loop never waits long. */
export const DEFAULT_READ_BUDGET_BYTES = 1024 * 1024;

export class LineTail {
  private splitter: LineSplitter;
  private identity?: { dev: number; ino: number; head: Buffer };

  constructor(
    readonly file: string,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
    private readonly readBudgetBytes = DEFAULT_READ_BUDGET_BYTES,
  ) {
    this.splitter = new LineSplitter(maxLineBytes);
  }

  /** Reads (up to the budget) what was appended since the last read; a missing file reads as nothing. */
  async read(): Promise<LinesRead> {
    let opened;
    try {
      opened = await openRegularFile(this.file, 'event log');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], reset: false, more: false };
      throw error;
    }
    const { handle, stats } = opened;
    try {
      const reset = await this.replaced(handle, stats.dev, stats.ino, stats.size);
      if (reset) this.restart();
      if (!this.identity) this.identity = { dev: stats.dev, ino: stats.ino, head: await readHead(handle) };
      const until = Math.min(stats.size, this.splitter.bytesRead + this.readBudgetBytes);
      const lines: TailLine[] = [];
      const buffer = Buffer.alloc(Math.min(CHUNK_BYTES, Math.max(1, until - this.splitter.bytesRead)));
      while (this.splitter.bytesRead < until) {
        const length = Math.min(buffer.length, until - this.splitter.bytesRead);
        const { bytesRead } = await handle.read(buffer, 0, length, this.splitter.bytesRead);
        if (bytesRead === 0) break;
        for (const split of this.splitter.push(buffer.subarray(0, bytesRead))) {
          const line = decodeLine(split);
          lines.push(
            'text' in line
              ? { number: line.lineNumber, text: line.text }
              : { number: line.lineNumber, skippedBytes: line.length },
          );
        }
      }
      return { lines, reset, more: this.splitter.bytesRead < stats.size };
    } finally {
      await handle.close();
    }
  }

  /** Forgets the position: the next read returns the whole file. */
  restart(): void {
    this.splitter = new LineSplitter(this.maxLineBytes);
    this.identity = undefined;
  }

  /** Where the tail stands, if its last read ended with a complete line (else undefined), and which file it read. */
  mark(): LineTailMark | undefined {
    if (!this.identity || this.splitter.unfinishedBytes > 0) return undefined;
    const { dev, ino, head } = this.identity;
    return { position: this.splitter.position, dev, ino, head: head.toString('base64') };
  }

  /**
   * Continues from a mark made by another tail of this file (in an earlier window): when the file is the
   * one marked (same inode and first bytes, at least as long, a line ending at the mark), the next read
   * returns only the lines after the mark and true is returned; otherwise nothing changes.
   */
  async resume(mark: LineTailMark): Promise<boolean> {
    let opened;
    try {
      opened = await openRegularFile(this.file, 'event log');
    } catch {
      return false;
    }
    const { handle, stats } = opened;
    const before = { splitter: this.splitter, identity: this.identity };
    try {
      // Taken as this tail's place, then checked as every read checks it, plus a line ending at the mark.
      this.splitter = new LineSplitter(this.maxLineBytes, mark.position);
      this.identity = { dev: mark.dev, ino: mark.ino, head: Buffer.from(mark.head, 'base64') };
      const { offset } = mark.position;
      const last = Buffer.alloc(1);
      if (offset > 0) await handle.read(last, 0, 1, offset - 1);
      if (!(await this.replaced(handle, stats.dev, stats.ino, stats.size)) && (offset === 0 || last[0] === NEWLINE))
        return true;
      Object.assign(this, before);
      return false;
    } finally {
      await handle.close();
    }
  }

  /** The file shrank, is another file now (inode), or starts with other bytes than when first read. */
  private async replaced(handle: FileHandle, dev: number, ino: number, size: number): Promise<boolean> {
    if (!this.identity) return false;
    if (size < this.splitter.bytesRead || dev !== this.identity.dev || ino !== this.identity.ino) return true;
    const head = await readHead(handle);
    return !head.subarray(0, this.identity.head.length).equals(this.identity.head);
  }
}

/** The problem of a line over the length limit, as reported with its line number. */
export function describeSkippedLine(bytes: number, limit = DEFAULT_MAX_LINE_BYTES): string {
  return `skipped: ${bytes} bytes long, more than the ${limit / 1024 / 1024} MiB a line may have`;
}

async function readHead(handle: FileHandle): Promise<Buffer> {
  const head = Buffer.alloc(HEAD_BYTES);
  const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
  return head.subarray(0, bytesRead);
}
