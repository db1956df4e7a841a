/**
 * Liveness and killing of trainer processes. The trainer is spawned detached, so it leads its own
 * process group: killing the group takes whatever it spawned along. No 'vscode' import.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Whether pid is a live trainer. On Linux /proc tells a trainer from a process that reused the pid
 * (and from a zombie, whose cmdline is empty); elsewhere signal 0 is all there is.
 */
export function isTrainerAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
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
