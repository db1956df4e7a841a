/**
 * Writes trainer events (protocol/events.ts) as JSON Lines to `<run>/events.jsonl`, appending and
 * flushing each line with a synchronous write, and echoes each line to stdout.
 */
import { closeSync, constants, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describeFileKind } from '../../nodeio/regularFile';
import { UsageError } from './usageError';
import { EVENT_SCHEMA_VERSION, RUN_FILES, type TrainerEvent } from '../../protocol/events';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EventBody = DistributiveOmit<TrainerEvent, 'v' | 'time'>;

export class EventLog {
  private readonly fd: number;

  constructor(runDir: string) {
    const file = join(runDir, RUN_FILES.events);
    // Non-blocking open: a FIFO in its place must be refused, not wait for a reader.
    const nonBlocking = process.platform === 'win32' ? 0 : constants.O_NONBLOCK;
    this.fd = openSync(file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | nonBlocking, 0o644);
    const stats = fstatSync(this.fd);
    if (!stats.isFile()) {
      closeSync(this.fd);
      throw new UsageError(`${file}: is ${describeFileKind(stats)}, expected the run's event log (a regular file)`);
    }
    endTornLine(this.fd);
    // A reader that closed our stdout must not crash the run: the file is the record.
    process.stdout.on('error', () => undefined);
  }

  emit(body: EventBody): TrainerEvent {
    const event = { v: EVENT_SCHEMA_VERSION, time: new Date().toISOString(), ...body };
    const line = JSON.stringify(event) + '\n';
    writeSync(this.fd, line);
    process.stdout.write(line);
    return event;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * A trainer killed mid-write leaves a last line without its newline: end it, so the next event
 * starts a line of its own (the torn line stays one bad line instead of swallowing the start event).
 */
function endTornLine(fd: number): void {
  const { size } = fstatSync(fd);
  if (size === 0) return;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] !== 0x0a) writeSync(fd, '\n');
}
