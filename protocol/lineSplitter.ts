/**
 * Splits a byte stream (a JSON Lines log read in chunks) into lines with bounded memory: a line
 * longer than `maxLineBytes` is never held whole; it is skipped and reported with its length. Bytes,
 * not text, so a UTF-8 character split across chunks stays whole; the caller decodes each line.
 * Positions are byte offsets, so a tail can continue after the last complete line. No I/O, no Node
 * or DOM types: the extension host, the validator and webviews share it (nodeio/logLines.ts reads files).
 */

/** Lines longer than this (16 MiB) are skipped: no event of an in-budget run comes near it. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Where the next line of a log starts: its byte offset and its 1-based number. */
export interface LogPosition {
  offset: number;
  lineNumber: number;
}

interface LineBase {
  lineNumber: number;
  /** byte offset of the line's first byte */
  start: number;
  /** byte offset just past its newline: where the next line starts */
  end: number;
}

/** A complete line, without its "\n" (nor a "\r" before it). */
export interface ByteLine extends LineBase {
  bytes: Uint8Array;
}

/** A line longer than the limit: skipped, only its length is known. */
export interface SkippedLine extends LineBase {
  skipped: 'too-long';
  /** its length in bytes, without the newline */
  length: number;
}

export type SplitLine = ByteLine | SkippedLine;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export class LineSplitter {
  private next: LogPosition;
  /** bytes read so far (the offset of the next byte pushed) */
  private read: number;
  /** pieces of the unfinished line (total ≤ maxLineBytes), or undefined while skipping a long one */
  private pending: Uint8Array[] | undefined = [];
  private pendingBytes = 0;

  constructor(
    readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
    from: LogPosition = { offset: 0, lineNumber: 1 },
  ) {
    this.next = { ...from };
    this.read = from.offset;
  }

  /** Where the first line not returned yet starts (a tail resumes reading here). */
  get position(): LogPosition {
    return { ...this.next };
  }

  /** Offset of the next byte to push. */
  get bytesRead(): number {
    return this.read;
  }

  /** Bytes of the unfinished last line seen so far (held or skipped). */
  get unfinishedBytes(): number {
    return this.read - this.next.offset;
  }

  /** The complete lines that `chunk` finishes, in order. The chunk may be reused by the caller afterwards. */
  push(chunk: Uint8Array): SplitLine[] {
    const lines: SplitLine[] = [];
    let from = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline >= 0; newline = chunk.indexOf(NEWLINE, from)) {
      this.hold(chunk.subarray(from, newline));
      lines.push(this.finishLine(this.read + newline + 1));
      from = newline + 1;
    }
    this.hold(chunk.subarray(from));
    this.read += chunk.length;
    return lines;
  }

  private hold(piece: Uint8Array): void {
    if (piece.length === 0) return;
    if (this.pending && this.pendingBytes + piece.length <= this.maxLineBytes) {
      this.pending.push(new Uint8Array(piece)); // a copy (Buffer.slice would not be): the caller may reuse its buffer
      this.pendingBytes += piece.length;
    } else {
      this.pending = undefined; // too long: from here on only counted
      this.pendingBytes += piece.length;
    }
  }

  /** Ends the current line at `end` (just past its newline). */
  private finishLine(end: number): SplitLine {
    const base = { lineNumber: this.next.lineNumber, start: this.next.offset, end };
    const length = end - 1 - this.next.offset;
    let line: SplitLine;
    if (this.pending) {
      let bytes = join(this.pending, this.pendingBytes);
      if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, bytes.length - 1);
      line = { ...base, bytes };
    } else {
      line = { ...base, skipped: 'too-long', length };
    }
    this.next = { offset: end, lineNumber: this.next.lineNumber + 1 };
    this.pending = [];
    this.pendingBytes = 0;
    return line;
  }
}

function join(pieces: Uint8Array[], total: number): Uint8Array {
  if (pieces.length === 1) return pieces[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
