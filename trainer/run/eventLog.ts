/**
 * Writes trainer events (protocol/events.ts) as JSON Lines to `<run>/events.jsonl`, appending and
 * flushing each line with a synchronous write, and echoes each line to stdout.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_SCHEMA_VERSION, RUN_FILES, type TrainerEvent } from '../../protocol/events';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EventBody = DistributiveOmit<TrainerEvent, 'v' | 'time'>;

export class EventLog {
  private readonly fd: number;

  constructor(runDir: string) {
    this.fd = openSync(join(runDir, RUN_FILES.events), 'a');
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
