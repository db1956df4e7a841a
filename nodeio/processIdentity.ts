/**
 * Who a pid is: its start time (Linux: field 22 of /proc/<pid>/stat, clock ticks since boot), so a
 * pid reused by another process is told apart from the one a lock or log names, and its
 * environment. Elsewhere the start time is unknown (undefined) and callers must be conservative.
 */
import { readFileSync } from 'node:fs';

/** The environment variable carrying a run's token from the launcher into the trainer's environment. */
export const RUN_TOKEN_ENV = 'MOE_LENS_RUN_TOKEN';

/** Start time of a live process as a decimal string, or undefined (not Linux, gone, unreadable). */
export function processStartTime(pid: number): string | undefined {
  if (process.platform !== 'linux' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19];
    return start && /^\d+$/.test(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function pidExists(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One variable of a live process's initial environment (Linux only; undefined otherwise). */
export function processEnvironmentValue(pid: number, name: string): string | undefined {
  if (process.platform !== 'linux' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    const prefix = `${name}=`;
    const entry = readFileSync(`/proc/${pid}/environ`, 'latin1')
      .split('\0')
      .find((e) => e.startsWith(prefix));
    return entry?.slice(prefix.length);
  } catch {
    return undefined;
  }
}
