/**
 * Liveness and killing of trainer processes. The trainer is spawned detached, so it leads its own
 * process group: killing the group takes whatever it spawned along. No 'vscode' import.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { pidExists, processEnvironmentValue, processStartTime, RUN_TOKEN_ENV } from '../../nodeio/processIdentity';

/** What a run's latest start event says about its trainer process. */
export interface TrainerIdentity {
  pid: number;
  /** processStartTime of the start event */
  startTime?: string;
  /** runToken of the start event */
  token?: string;
  /** the run's events.jsonl */
  logFile: string;
}

/** Whether one of the process's open files is `file` (Linux). */
function hasOpen(pid: number, file: string): boolean {
  const target = resolve(file);
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === target;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Whether the live process `pid` provably is the trainer that wrote the run's start event, so Stop may
 * signal it: its start time is the one the event names (not a later process reusing the pid), and its
 * environment carries the run's token (a trainer this or another window launched) or it holds the run's
 * log open (a trainer started from a terminal). A crafted log can name any pid, but cannot give an
 * unrelated process that token or that open file. Off Linux nothing can be proven (not proven, and why).
 */
export function proveTrainer(identity: TrainerIdentity): { proven: true } | { proven: false; why: string } {
  const { pid } = identity;
  if (!Number.isSafeInteger(pid) || pid <= 0) return { proven: false, why: `the log names no valid pid (${pid})` };
  if (process.platform !== 'linux') {
    return {
      proven: false,
      why: `on ${process.platform} MoE Lens cannot check that pid ${pid} is still the run's trainer; stop it where it was started`,
    };
  }
  if (!pidExists(pid)) return { proven: false, why: `pid ${pid} is not running` };
  const startTime = processStartTime(pid);
  if (identity.startTime === undefined)
    return { proven: false, why: `the log does not name the start time of pid ${pid}` };
  if (startTime !== identity.startTime)
    return {
      proven: false,
      why: `pid ${pid} is another process now (it started at another time than the run's trainer)`,
    };
  if (identity.token !== undefined && processEnvironmentValue(pid, RUN_TOKEN_ENV) === identity.token)
    return { proven: true };
  if (hasOpen(pid, identity.logFile)) return { proven: true };
  return { proven: false, why: `pid ${pid} neither carries the run's token nor has its event log open` };
}

/**
 * Whether pid is a live trainer. On Linux /proc tells a trainer from a process that reused the pid
 * (and from a zombie, whose cmdline is empty); elsewhere signal 0 is all there is.
 */
export function isTrainerAlive(pid: number | undefined, startTime?: string): boolean {
  if (!pid || pid <= 0) return false;
  // a start time named by the log and a different one now: the pid was reused
  if (startTime !== undefined && process.platform === 'linux' && processStartTime(pid) !== startTime) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('trainer');
  } catch {
    return false;
  }
}

/** Whether a process with this pid exists on this machine (any program: writers other than the trainer). */
export function isProcessAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends signal to the process group led by pid (the whole tree on Windows); a gone group is fine. */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): void {
  if (process.platform === 'win32') {
    const force = signal === 'SIGKILL' ? ['/F'] : [];
    spawnSync('taskkill', ['/PID', String(pid), '/T', ...force], { stdio: 'ignore', windowsHide: true });
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Kills the process groups after delayMs from a detached helper process, so the kill happens even
 * if this process (the extension host, shutting down) is gone by then. POSIX only.
 */
export function killGroupsLater(pids: number[], delayMs: number): void {
  if (process.platform === 'win32' || pids.length === 0) return;
  const script =
    'const [ms, ...pids] = process.argv.slice(1).map(Number);' +
    "setTimeout(() => { for (const pid of pids) { try { process.kill(-pid, 'SIGKILL'); } catch {} } }, ms);";
  spawn(process.execPath, ['-e', script, String(delayMs), ...pids.map(String)], {
    detached: true,
    stdio: 'ignore',
    env: { ELECTRON_RUN_AS_NODE: '1' },
  }).unref();
}
