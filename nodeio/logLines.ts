/**
 * Reads a log file's lines as an async iterator with bounded memory (chunks of `chunkBytes`, lines up
 * to `maxLineBytes`; a longer line is yielded as skipped with its length, never read whole). Only a
 * regular file is opened: a FIFO or device under the log's name is refused at once. Every chunk is an
 * await, so a long log never blocks the event loop for long.
 *
 *   for await (const line of readLogLines(file)) {
 *     if ('text' in line) handle(line.lineNumber, line.text); else report(line.lineNumber, line.length);
 *   }
 */
import {
  DEFAULT_MAX_LINE_BYTES,
  LineSplitter,
  type LogPosition,
  type SkippedLine,
  type SplitLine,
} from '../protocol/lineSplitter';
import { openRegularFile } from './regularFile';

export { DEFAULT_MAX_LINE_BYTES, type LogPosition, type SkippedLine };

export interface TextLine {
  lineNumber: number;
  start: number;
  end: number;
  text: string;
}

export type LogLine = TextLine | SkippedLine;

export interface ReadLogOptions {
  /** start here instead of the beginning (a position from an earlier read) */
  from?: LogPosition;
  /** read no further than this offset (default: the size when opened, so a growing log ends) */
  until?: number;
  maxLineBytes?: number;
  chunkBytes?: number;
}

export const DEFAULT_CHUNK_BYTES = 256 * 1024;

export function decodeLine(line: SplitLine): LogLine {
  if ('skipped' in line) return line;
  const { lineNumber, start, end, bytes } = line;
  return {
    lineNumber,
    start,
    end,
    text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
  };
}

/**
 * The complete lines of `file` from `options.from`. A last line without its newline (still being
 * written) is not yielded; continue later from the `end` of the last line yielded.
 */
export async function* readLogLines(
  file: string,
  options: ReadLogOptions = {},
): AsyncGenerator<LogLine, void, undefined> {
  const { handle, stats } = await openRegularFile(file, 'event log');
  try {
    const splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, options.from);
    const until = Math.min(options.until ?? stats.size, stats.size);
    const buffer = Buffer.alloc(Math.max(1, Math.min(options.chunkBytes ?? DEFAULT_CHUNK_BYTES, until)));
    while (splitter.bytesRead < until) {
      const { bytesRead } = await handle.read(
        buffer,
        0,
        Math.min(buffer.length, until - splitter.bytesRead),
        splitter.bytesRead,
      );
      if (bytesRead === 0) break; // truncated meanwhile
      for (const line of splitter.push(buffer.subarray(0, bytesRead))) yield decodeLine(line);
    }
  } finally {
    await handle.close();
  }
}
