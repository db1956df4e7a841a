/**
 * The lock of a run folder while a trainer writes it: `<run>/trainer.lock` names the holder (pid,
 * process start time, host). Taken atomically (a hard link of a complete file, which fails if the lock
 * exists); a lock whose holder is gone — or whose pid now belongs to another process (start time
 * differs) — is stale and taken over, so a crash (even kill -9) never leaves a run locked for ever.
 */
import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pidExists, processStartTime } from '../../nodeio/processIdentity';
import { UsageError } from './usageError';

export const LOCK_FILE = 'trainer.lock';

interface LockRecord {
  pid: number;
  /** /proc start time of the holder (Linux), to tell it from a later process with the same pid */
  startTime?: string;
  host: string;
  /** ISO time the lock was taken */
  since: string;
  /** unique per lock, so release() only removes its own */
  token: string;
}

function readRecord(file: string): LockRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as LockRecord;
    return typeof record?.pid === 'number' && typeof record.token === 'string' ? record : undefined;
  } catch {
    return undefined; // unreadable, half-written by hand, or just removed: not a live holder
  }
}

/** Whether the holder of a lock may still be writing: unknown hosts and unreadable start times count as alive. */
function holderAlive(record: LockRecord): boolean {
  if (record.host !== hostname()) return true;
  if (!pidExists(record.pid)) return false;
  const now = processStartTime(record.pid);
  return record.startTime === undefined || now === undefined || now === record.startTime;
}

export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly file: string,
    private readonly token: string,
  ) {
    process.on('exit', this.onExit);
  }

  /** Takes the lock of runDir, or throws a UsageError naming the live holder. */
  static acquire(runDir: string): RunLock {
    const file = join(runDir, LOCK_FILE);
    const record: LockRecord = {
      pid: process.pid,
      startTime: processStartTime(process.pid),
      host: hostname(),
      since: new Date().toISOString(),
      token: randomUUID(),
    };
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(record) + '\n');
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          linkSync(temp, file);
          return new RunLock(file, record.token);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        const holder = readRecord(file);
        if (holder && holderAlive(holder)) {
          const where = holder.host === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on ${holder.host}`;
          throw new UsageError(
            `${runDir}: another trainer (${where}, since ${holder.since}) is writing this run; ` +
              `wait for it to end or stop it (if it is gone, remove ${file})`,
          );
        }
        // Stale: move it aside under a name of our own (only one of several racing trainers succeeds), then retry.
        const aside = `${file}.stale-${process.pid}`;
        try {
          renameSync(file, aside);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          continue;
        }
        // Another trainer may have replaced the stale lock with its live one just before: give it back.
        const moved = readRecord(aside);
        if (moved && holder && moved.token !== holder.token) {
          try {
            linkSync(aside, file);
          } catch {
            // a third one holds it now; the retry will see that holder
          }
        }
        rmSync(aside, { force: true });
      }
      throw new UsageError(`${runDir}: could not take ${LOCK_FILE}: other trainers keep taking it`);
    } finally {
      rmSync(temp, { force: true });
    }
  }

  /** Removes the lock if it is still ours (idempotent; also runs at process exit). */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    if (readRecord(this.file)?.token !== this.token) return;
    try {
      unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}
