/**
 * Opening files that must be regular files (run configs, data, checkpoints, event logs): a FIFO,
 * device, socket or directory under such a name is refused at once instead of hanging a read or
 * growing memory without bound, and a file larger than its limit is refused before it is read.
 * Shared by the trainer and the extension host (Node only; protocol/ stays free of Node).
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** A file that is not a regular file, or too large for what it is used as. */
export class FileRefusedError extends Error {
  override name = 'FileRefusedError';
}

/** O_NONBLOCK: opening a FIFO with no writer returns at once (then fstat refuses it). Not on Windows. */
const OPEN_FLAGS = constants.O_RDONLY | (process.platform === 'win32' ? 0 : constants.O_NONBLOCK);

export function describeFileKind(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function check(file: string, stats: Stats, what: string, maxBytes: number): void {
  if (!stats.isFile())
    throw new FileRefusedError(`${file}: the ${what} is ${describeFileKind(stats)}, expected a regular file`);
  if (stats.size > maxBytes) {
    throw new FileRefusedError(
      `${file}: the ${what} is ${formatBytes(stats.size)}, more than the ${formatBytes(maxBytes)} a ${what} may have`,
    );
  }
}

function openErrorMessage(file: string, what: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${file}: cannot read the ${what}: no such file`;
  if (code === 'EISDIR') return `${file}: the ${what} is a folder, expected a regular file`;
  return `${file}: cannot read the ${what}: ${(error as Error).message}`;
}

/** Reads a whole regular file of at most maxBytes; throws FileRefusedError otherwise. */
export function readRegularFileSync(file: string, what: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (error) {
    throw new FileRefusedError(openErrorMessage(file, what, error));
  }
  try {
    const stats = fstatSync(fd);
    check(file, stats, what, maxBytes);
    const buffer = Buffer.alloc(stats.size);
    let filled = 0;
    // The file may shrink while read; it is never read past the size checked above.
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

export function readRegularTextFileSync(file: string, what: string, maxBytes: number): string {
  return readRegularFileSync(file, what, maxBytes).toString('utf8');
}

/** Opens a regular file for reading (any size); throws FileRefusedError for anything else. */
export async function openRegularFile(file: string, what: string): Promise<{ handle: FileHandle; stats: Stats }> {
  let handle: FileHandle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    throw new FileRefusedError(openErrorMessage(file, what, error));
  }
  try {
    const stats = await handle.stat();
    check(file, stats, what, Number.POSITIVE_INFINITY);
    return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
